import pytest
import time_machine
from django.core.exceptions import ValidationError

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.consents.actions import do_publish_consent_version, do_sign_consent
from ldnclinic.consents.models import ConsentSignature
from ldnclinic.consents.tests.conftest import NOW


def sign(actor, patient, version, name="Alice Adams", agreed=True):
    return do_sign_consent(
        actor, patient, version, typed_name=name, agreed=agreed, user_agent="Phone/1.0"
    )


@time_machine.travel(NOW, tick=False)
def test_it_signs_and_records_the_hash_time_and_address(actor, patient_a, ldn_v1):
    signature = sign(actor, patient_a, ldn_v1)
    assert signature.content_hash == ldn_v1.content_hash
    assert len(signature.content_hash) == 64
    assert signature.signed_at == NOW
    assert signature.ip_address == "203.0.113.7"
    assert signature.user_agent == "Phone/1.0"
    event = AuditEvent.objects.get(code=Event.CONSENT_SIGNED)
    assert event.patient_id == patient_a.pk
    assert event.payload["content_hash"] == ldn_v1.content_hash
    assert event.payload["kind"] == "ldn_off_label"


@time_machine.travel(NOW, tick=False)
def test_the_pdf_is_a_pdf_with_the_hash_and_the_facts(actor, patient_a, ldn_v1):
    pdf = bytes(sign(actor, patient_a, ldn_v1).pdf)
    assert pdf.startswith(b"%PDF")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert ldn_v1.content_hash.encode() in pdf
    for text in (b"Alice Adams", b"1980-05-17", b"203.0.113.7", b"Version 1"):
        assert text in pdf
    # 15:30 UTC is 10:30 in New York (the clinic's zone) in early March.
    assert b"2026-03-02 10:30:00 EST" in pdf


def test_it_accepts_the_name_in_any_case_and_spacing(actor, patient_a, ldn_v1):
    signature = sign(actor, patient_a, ldn_v1, name="  alice   ADAMS ")
    assert signature.typed_name == "alice ADAMS"


@pytest.mark.parametrize("name", ["Alice", "Bob Brown", "Alice Adams Jr", ""])
def test_it_refuses_a_name_that_is_not_the_patients(actor, patient_a, ldn_v1, name):
    with pytest.raises(ValidationError) as caught:
        sign(actor, patient_a, ldn_v1, name=name)
    assert "typed_name" in caught.value.message_dict
    assert "Alice Adams" in caught.value.message_dict["typed_name"][0]
    assert not ConsentSignature.objects.exists()
    assert not AuditEvent.objects.filter(code=Event.CONSENT_SIGNED).exists()


def test_it_refuses_without_the_tick(actor, patient_a, ldn_v1):
    with pytest.raises(ValidationError) as caught:
        sign(actor, patient_a, ldn_v1, agreed=False)
    assert "agree" in caught.value.message_dict
    assert not ConsentSignature.objects.exists()


def test_it_refuses_to_sign_the_same_version_twice(actor, patient_a, ldn_v1):
    sign(actor, patient_a, ldn_v1)
    with pytest.raises(ValidationError, match="already signed"):
        sign(actor, patient_a, ldn_v1)
    assert ConsentSignature.objects.count() == 1


def test_it_asks_to_sign_again_after_a_new_version(actor, patient_a, documents, ldn_v1):
    first = sign(actor, patient_a, ldn_v1)
    document = documents["ldn_off_label"]
    v2 = do_publish_consent_version(Actor.system(), document, ldn_v1.body + "\nOne more line.")
    assert v2.number == 2
    assert v2.content_hash != ldn_v1.content_hash
    with pytest.raises(ValidationError, match="newer version"):
        sign(actor, patient_a, ldn_v1)
    second = sign(actor, patient_a, v2)
    assert second.content_hash == v2.content_hash
    first.refresh_from_db()
    assert first.content_hash == ldn_v1.content_hash
    assert AuditEvent.objects.filter(code=Event.CONSENT_DOCUMENT_PUBLISHED).count() == 1


def test_publishing_refuses_an_empty_or_unchanged_text(documents, ldn_v1):
    document = documents["ldn_off_label"]
    with pytest.raises(ValidationError):
        do_publish_consent_version(Actor.system(), document, "   ")
    with pytest.raises(ValidationError):
        do_publish_consent_version(Actor.system(), document, ldn_v1.body)
    assert document.versions.count() == 1


def test_it_refuses_another_clinics_document(actor, patient_a, other_clinic, documents):
    from ldnclinic.consents.models import ConsentDocument

    theirs = ConsentDocument.objects.create(clinic=other_clinic, kind="privacy", title="Theirs")
    version = do_publish_consent_version(Actor.system(), theirs, "Clinic Y's privacy text.")
    with pytest.raises(ValidationError, match="not one of your clinic"):
        sign(actor, patient_a, version)
