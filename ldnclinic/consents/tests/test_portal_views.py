import time_machine
from django.urls import reverse

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.consents.actions import do_publish_consent_version, do_sign_consent
from ldnclinic.consents.models import ConsentSignature
from ldnclinic.consents.tests.conftest import NOW

LIST = reverse("consents_portal")
SIGN = reverse("consent_sign", args=["ldn_off_label"])


def test_anonymous_is_sent_to_sign_in(client_for, documents):
    for url in (LIST, SIGN):
        response = client_for("anonymous").get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_staff_have_no_portal_consents(client_for, patient_a, documents):
    assert client_for("clinician").get(LIST).status_code == 404
    assert client_for("clinician").get(SIGN).status_code == 404


def test_it_lists_the_documents_with_their_status(client_for, patient_a, ldn_v1):
    response = client_for("patient").get(LIST)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Consent to off-label treatment with low dose naltrexone" in text
    assert "Not signed" in text
    assert AuditEvent.objects.filter(code=Event.CONSENT_VIEWED, patient=patient_a).exists()


@time_machine.travel(NOW, tick=False)
def test_the_list_shows_signed_and_newer_versions(client_for, patient_a, documents, ldn_v1):
    do_sign_consent(Actor.system(), patient_a, ldn_v1, typed_name="Alice Adams", agreed=True)
    text = client_for("patient").get(LIST).content.decode()
    assert "version 1 on 2 Mar 2026" in text
    do_publish_consent_version(Actor.system(), documents["ldn_off_label"], "Version two.")
    text = client_for("patient").get(LIST).content.decode()
    assert "New version to sign" in text
    assert "version 2 needs your signature" in text


def test_it_shows_the_text_and_the_form(client_for, patient_a, ldn_v1):
    response = client_for("patient").get(SIGN)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Never with opioids" in text
    assert ldn_v1.content_hash in text
    assert 'name="typed_name"' in text
    event = AuditEvent.objects.get(code=Event.CONSENT_VIEWED)
    assert event.patient_id == patient_a.pk
    assert event.payload == {"kind": "ldn_off_label", "number": 1}


@time_machine.travel(NOW, tick=False)
def test_it_signs(client_for, patient_a, ldn_v1):
    response = client_for("patient").post(
        SIGN, {"typed_name": "alice adams", "agree": "on"}, HTTP_USER_AGENT="Phone/1.0"
    )
    assert response.status_code == 302
    assert response["Location"] == LIST
    signature = ConsentSignature.objects.get()
    assert signature.patient == patient_a
    assert signature.version == ldn_v1
    assert signature.ip_address == "127.0.0.1"
    assert signature.user_agent == "Phone/1.0"
    event = AuditEvent.objects.get(code=Event.CONSENT_SIGNED)
    assert event.actor.email == "patient@x.test"


def test_a_wrong_name_is_a_field_error(client_for, patient_a, ldn_v1):
    response = client_for("patient").post(SIGN, {"typed_name": "Bob Brown", "agree": "on"})
    assert response.status_code == 200
    assert "Type your full name exactly as it is on your record: Alice Adams." in (
        response.content.decode()
    )
    assert not ConsentSignature.objects.exists()


def test_missing_tick_and_name_are_field_errors(client_for, patient_a, ldn_v1):
    response = client_for("patient").post(SIGN, {"typed_name": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["typed_name"]
    response = client_for("patient").post(SIGN, {"typed_name": "Alice Adams"})
    assert response.context["form"].errors["agree"]
    assert not ConsentSignature.objects.exists()


def test_junk_input_is_never_a_500(client_for, patient_a, ldn_v1):
    client = client_for("patient")
    response = client.post(SIGN, {"typed_name": "x" * 5000, "agree": "maybe"})
    assert response.status_code == 200
    assert client.get(reverse("consent_sign", args=["nonsense"])).status_code == 404
    assert client.get(SIGN + "?record=abc").status_code == 404


def test_a_second_submit_says_it_is_signed(client_for, patient_a, ldn_v1):
    client = client_for("patient")
    client.post(SIGN, {"typed_name": "Alice Adams", "agree": "on"})
    response = client.get(SIGN)
    assert "You signed this version." in response.content.decode()
    response = client.post(SIGN, {"typed_name": "Alice Adams", "agree": "on"})
    assert response.status_code == 200
    assert ConsentSignature.objects.count() == 1


def test_patient_a_cannot_reach_patient_bs_record(client_for, patient_a, patient_b, ldn_v1):
    client = client_for("patient")
    url = f"{SIGN}?record={patient_b.pk}"
    assert client.get(url).status_code == 404
    response = client.post(url, {"typed_name": "Bob Brown", "agree": "on"})
    assert response.status_code == 404
    assert not ConsentSignature.objects.exists()
