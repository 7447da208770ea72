import pytest
from django.core.exceptions import ValidationError

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient
from ldnclinic.patients.actions import do_deactivate_patient, do_reactivate_patient
from ldnclinic.patients.models import Patient


@pytest.fixture
def patient(clinic):
    return make_patient(clinic)


def test_it_deactivates_with_a_reason(patient, users):
    do_deactivate_patient(Actor(users["clinician"], "192.0.2.9"), patient, "  Moved away ")
    patient.refresh_from_db()
    assert not patient.is_active
    assert patient.deactivated_reason == "Moved away"
    event = AuditEvent.objects.get(code=Event.PATIENT_DEACTIVATED)
    assert event.payload == {"reason": "Moved away"}
    assert (event.actor, event.patient, event.source_ip) == (
        users["clinician"],
        patient,
        "192.0.2.9",
    )


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_it_needs_a_reason(patient, counts, reason):
    before = counts()
    with pytest.raises(ValidationError) as info:
        do_deactivate_patient(Actor.system(), patient, reason)
    assert info.value.message_dict == {"reason": ["Say why the record is being deactivated."]}
    assert counts() == before
    assert Patient.objects.get(pk=patient.pk).is_active


def test_it_refuses_a_reason_over_200_characters(patient, counts):
    before = counts()
    with pytest.raises(ValidationError):
        do_deactivate_patient(Actor.system(), patient, "r" * 201)
    assert counts() == before


def test_it_refuses_to_deactivate_twice(patient, counts):
    do_deactivate_patient(Actor.system(), patient, "Moved away")
    before = counts()
    with pytest.raises(ValidationError, match="already inactive"):
        do_deactivate_patient(Actor.system(), patient, "Again")
    assert counts() == before


def test_it_reactivates(patient, users):
    do_deactivate_patient(Actor.system(), patient, "Moved away")
    do_reactivate_patient(Actor(users["admin"]), patient)
    patient.refresh_from_db()
    assert patient.is_active
    assert patient.deactivated_reason == ""
    event = AuditEvent.objects.get(code=Event.PATIENT_REACTIVATED)
    assert (event.actor, event.patient) == (users["admin"], patient)


def test_it_refuses_to_reactivate_an_active_patient(patient, counts):
    before = counts()
    with pytest.raises(ValidationError, match="already active"):
        do_reactivate_patient(Actor.system(), patient)
    assert counts() == before


def test_it_keeps_a_history_row_for_each_change(patient, users):
    do_deactivate_patient(Actor(users["clinician"]), patient, "Moved away")
    do_reactivate_patient(Actor(users["admin"]), patient)
    versions = list(patient.history.order_by("history_id"))
    assert [(v.is_active, v.deactivated_reason) for v in versions] == [
        (True, ""),
        (False, "Moved away"),
        (True, ""),
    ]
    assert [v.history_user for v in versions[1:]] == [users["clinician"], users["admin"]]


def test_an_inactive_patient_is_kept(patient):
    do_deactivate_patient(Actor.system(), patient, "Moved away")
    assert Patient.objects.filter(pk=patient.pk).exists()
