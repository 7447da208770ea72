import pytest
from django.urls import reverse

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.consents.actions import do_sign_consent


@pytest.fixture
def signature(patient_a, ldn_v1):
    return do_sign_consent(
        Actor(user=None, ip="198.51.100.4"),
        patient_a,
        ldn_v1,
        typed_name="Alice Adams",
        agreed=True,
    )


def test_staff_see_the_signatures_with_download_links(client_for, patient_a, signature):
    response = client_for("clinician").get(reverse("patient_consents", args=[patient_a.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Consent to off-label treatment with low dose naltrexone" in text
    assert "198.51.100.4" in text
    assert reverse("consent_pdf", args=[signature.pk]) in text
    assert 'aria-current="page">Consents<' in text
    event = AuditEvent.objects.get(code=Event.CONSENT_VIEWED)
    assert event.patient_id == patient_a.pk


def test_the_chart_has_a_consents_tab(client_for, patient_a, documents):
    response = client_for("frontdesk").get(reverse("patient_detail", args=[patient_a.pk]))
    assert reverse("patient_consents", args=[patient_a.pk]) in response.content.decode()


def test_it_hides_other_clinics_patients(client_for, patient_y, documents):
    response = client_for("clinician").get(reverse("patient_consents", args=[patient_y.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["patient", "patient2", "other_staff"])
def test_it_is_staff_only(client_for, patient_a, documents, persona):
    response = client_for(persona).get(reverse("patient_consents", args=[patient_a.pk]))
    assert response.status_code == 404


def test_anonymous_is_sent_to_sign_in(client_for, patient_a):
    response = client_for("anonymous").get(reverse("patient_consents", args=[patient_a.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
