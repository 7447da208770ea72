import pytest
from django.urls import reverse

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.consents.actions import do_sign_consent


@pytest.fixture
def signature(patient_a, ldn_v1):
    return do_sign_consent(Actor.system(), patient_a, ldn_v1, typed_name="Alice Adams", agreed=True)


@pytest.mark.parametrize("persona", ["patient", "clinician", "frontdesk", "admin"])
def test_the_patient_and_their_clinic_download_it(client_for, signature, persona):
    response = client_for(persona).get(reverse("consent_pdf", args=[signature.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(b"%PDF")
    assert signature.content_hash.encode() in body
    event = AuditEvent.objects.get(code=Event.CONSENT_PDF_DOWNLOADED)
    assert event.patient_id == signature.patient_id


@pytest.mark.parametrize("persona", ["patient2", "other_staff"])
def test_it_hides_it_from_others(client_for, signature, persona):
    response = client_for(persona).get(reverse("consent_pdf", args=[signature.pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(code=Event.CONSENT_PDF_DOWNLOADED).exists()


def test_anonymous_is_sent_to_sign_in(client_for, signature):
    response = client_for("anonymous").get(reverse("consent_pdf", args=[signature.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
