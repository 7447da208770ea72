from ldnclinic.audit.log import Actor
from ldnclinic.consents.actions import do_publish_consent_version, do_sign_consent
from ldnclinic.consents.models import ConsentDocument
from ldnclinic.consents.status import consent_statuses, missing_consents

KINDS = ["ldn_off_label", "photography"]


def sign(patient, version):
    return do_sign_consent(
        Actor.system(), patient, version, typed_name=patient.full_name, agreed=True
    )


def test_everything_is_missing_before_signing(patient_a, documents):
    assert missing_consents(patient_a, KINDS) == KINDS


def test_a_signed_current_version_is_not_missing(patient_a, ldn_v1):
    sign(patient_a, ldn_v1)
    assert missing_consents(patient_a, KINDS) == ["photography"]


def test_a_new_version_makes_it_missing_again(patient_a, documents, ldn_v1):
    sign(patient_a, ldn_v1)
    do_publish_consent_version(Actor.system(), documents["ldn_off_label"], "New text.")
    assert missing_consents(patient_a, ["ldn_off_label"]) == ["ldn_off_label"]
    [status] = consent_statuses(patient_a, ["ldn_off_label"])
    assert status.state == "outdated"
    assert status.signature.version_id == ldn_v1.pk


def test_another_patients_signature_does_not_count(patient_a, patient_b, ldn_v1):
    sign(patient_b, ldn_v1)
    assert missing_consents(patient_a, ["ldn_off_label"]) == ["ldn_off_label"]


def test_a_clinics_own_document_replaces_the_global_one(patient_a, patient_y, ldn_v1, clinic):
    own = ConsentDocument.objects.create(clinic=clinic, kind="ldn_off_label", title="Ours")
    ours = do_publish_consent_version(Actor.system(), own, "Clinic X's LDN text.")
    sign(patient_a, ldn_v1)
    assert missing_consents(patient_a, ["ldn_off_label"]) == ["ldn_off_label"]
    sign(patient_a, ours)
    assert missing_consents(patient_a, ["ldn_off_label"]) == []
    # Another clinic's patients still sign the global document.
    [status] = consent_statuses(patient_y, ["ldn_off_label"])
    assert status.current == ldn_v1


def test_a_kind_without_a_published_version_is_missing(patient_a, documents, clinic):
    # The clinic's own telehealth document exists but nothing is published yet.
    ConsentDocument.objects.create(clinic=clinic, kind="telehealth", title="Draft only")
    assert missing_consents(patient_a, ["telehealth"]) == ["telehealth"]
    [status] = consent_statuses(patient_a, ["telehealth"])
    assert status.state == "unavailable"
    assert not status.needs_signing
