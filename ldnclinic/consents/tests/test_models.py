import pytest

from ldnclinic.consents.actions import do_sign_consent
from ldnclinic.consents.models import (
    ConsentIsFinal,
    ConsentSignature,
    ConsentVersion,
    body_hash,
)


def test_seeded_versions_are_published_with_their_hash(documents):
    assert set(documents) == {"ldn_off_label", "photography", "telehealth", "privacy"}
    for document in documents.values():
        version = document.current_version()
        assert version.number == 1
        assert version.is_published
        assert version.content_hash == body_hash(version.body)


def test_the_ldn_text_says_what_the_evidence_is(ldn_v1):
    text = ldn_v1.body
    for words in ("off-label", "case reports", "lichen planopilaris", "no difference"):
        assert words in text
    for effect in ("vivid dreams", "difficulty sleeping", "headache", "nausea"):
        assert effect in text
    assert "Never with opioids" in text
    assert "Tell every doctor" in text


def test_it_refuses_to_change_a_published_version(ldn_v1):
    ldn_v1.body = "Something else."
    with pytest.raises(ConsentIsFinal):
        ldn_v1.save()
    with pytest.raises(ConsentIsFinal):
        ConsentVersion.objects.filter(pk=ldn_v1.pk).update(body="x")
    ldn_v1.refresh_from_db()
    assert "off-label" in ldn_v1.body


def test_it_refuses_to_delete_a_version(ldn_v1):
    with pytest.raises(ConsentIsFinal):
        ldn_v1.delete()
    with pytest.raises(ConsentIsFinal):
        ConsentVersion.objects.filter(pk=ldn_v1.pk).delete()


def test_a_draft_may_change_and_its_hash_follows(documents):
    draft = ConsentVersion.objects.create(
        document=documents["privacy"], number=2, body="Draft one."
    )
    draft.body = "Draft two."
    draft.save()
    assert draft.content_hash == body_hash("Draft two.")


@pytest.fixture
def signature(actor, patient_a, ldn_v1):
    return do_sign_consent(
        actor, patient_a, ldn_v1, typed_name="Alice Adams", agreed=True, user_agent="UA"
    )


def test_it_refuses_to_change_a_signature(signature):
    signature.typed_name = "Someone Else"
    with pytest.raises(ConsentIsFinal):
        signature.save()
    with pytest.raises(ConsentIsFinal):
        ConsentSignature.objects.filter(pk=signature.pk).update(typed_name="x")
    signature.refresh_from_db()
    assert signature.typed_name == "Alice Adams"


def test_it_refuses_to_delete_a_signature(signature):
    with pytest.raises(ConsentIsFinal):
        signature.delete()
    with pytest.raises(ConsentIsFinal):
        ConsentSignature.objects.all().delete()
    with pytest.raises(ConsentIsFinal):
        signature.patient.consent_signatures.all().delete()
    assert ConsentSignature.objects.filter(pk=signature.pk).exists()
