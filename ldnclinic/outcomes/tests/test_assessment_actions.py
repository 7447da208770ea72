"""Recording assessments: scored through the library, stored with the instrument version,
linked only to the patient's own appointment and plan, audited; marked entered in error
with a reason, never deleted."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.outcomes.actions import do_mark_assessment_in_error, do_record_assessment
from ldnclinic.outcomes.instruments import get_instrument
from ldnclinic.outcomes.models import Assessment, AssessmentStatus
from ldnclinic.prescriptions.tests.factories import make_plan

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
PASI = get_instrument("PASI").data["example"]  # 22.4, severe


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def actor(user):
    return Actor(user=user, ip=None, via="test")


def record_pasi(patient, user, items=PASI, **kwargs):
    return do_record_assessment(
        actor(user), patient, instrument_code="PASI", items=items, source="clinician", **kwargs
    )


def test_it_records_the_library_score(patient_a, users):
    assessment = record_pasi(patient_a, users["clinician"])
    assert assessment.total == Decimal("22.40")
    assert assessment.band == "severe"
    assert assessment.components == {
        "head": 0.8,
        "upper_limbs": 3.0,
        "trunk": 4.2,
        "lower_limbs": 14.4,
    }
    assert assessment.instrument_version == get_instrument("PASI").data["version"]
    assert assessment.assessed_at == NOW
    assert assessment.recorded_by == users["clinician"]
    assert assessment.clinic_id == patient_a.clinic_id
    event = AuditEvent.objects.get(code=Event.ASSESSMENT_RECORDED)
    assert event.patient_id == patient_a.pk
    assert event.payload["total"] == "22.40"
    assert event.payload["instrument"] == "PASI"


def test_it_stores_no_band_when_the_instrument_has_none(patient_a, users):
    assessment = do_record_assessment(
        actor(users["clinician"]),
        patient_a,
        instrument_code="vss",  # codes are case-insensitive
        items={"vascularity": 2, "pigmentation": 1, "pliability": 3, "height": 1},
        source="clinician",
    )
    assert assessment.instrument == "VSS"
    assert assessment.total == 7
    assert assessment.band == ""


def test_it_names_the_item_that_is_out_of_range(patient_a, users):
    items = {"regions": {**PASI["regions"], "head": {**PASI["regions"]["head"], "area": 7}}}
    with pytest.raises(ValidationError) as error:
        record_pasi(patient_a, users["clinician"], items=items)
    assert error.value.message_dict == {"regions.head.area": ["Must be a whole number 0–6."]}
    assert not Assessment.objects.exists()
    assert not AuditEvent.objects.filter(code=Event.ASSESSMENT_RECORDED).exists()


def test_it_names_a_missing_item(patient_a, users):
    regions = {**PASI["regions"], "trunk": {"erythema": 1, "induration": 1, "area": 2}}
    with pytest.raises(ValidationError) as error:
        record_pasi(patient_a, users["clinician"], items={"regions": regions})
    assert error.value.message_dict == {"regions.trunk.desquamation": ["Required."]}


def test_it_refuses_a_vasi_percentage_off_the_scale(patient_a, users):
    with pytest.raises(ValidationError) as error:
        do_record_assessment(
            actor(users["clinician"]),
            patient_a,
            instrument_code="VASI",
            items={"sites": [{"hand_units": 2, "depigmentation_percent": 33}]},
            source="clinician",
        )
    assert list(error.value.message_dict) == ["sites.0.depigmentation_percent"]


def test_it_refuses_an_unknown_instrument(patient_a, users):
    with pytest.raises(ValidationError) as error:
        do_record_assessment(
            actor(users["clinician"]),
            patient_a,
            instrument_code="NOPE",
            items={},
            source="clinician",
        )
    assert "instrument" in error.value.message_dict


def test_it_refuses_another_patients_appointment_and_plan(patient_a, patient_b, users):
    plan_b = make_plan(patient_b)
    with pytest.raises(ValidationError) as error:
        record_pasi(patient_a, users["clinician"], plan=plan_b)
    assert "plan" in error.value.message_dict


def test_it_links_the_patients_plan(patient_a, users):
    plan = make_plan(patient_a)
    assert record_pasi(patient_a, users["clinician"], plan=plan).plan == plan


def test_it_refuses_a_future_or_naive_time(patient_a, users):
    with pytest.raises(ValidationError) as error:
        record_pasi(patient_a, users["clinician"], assessed_at=NOW + dt.timedelta(hours=1))
    assert "assessed_at" in error.value.message_dict
    with pytest.raises(ValidationError):
        record_pasi(patient_a, users["clinician"], assessed_at=dt.datetime(2026, 3, 9, 10))
    # A device clock a minute fast is fine.
    record_pasi(patient_a, users["clinician"], assessed_at=NOW + dt.timedelta(minutes=1))


def test_it_marks_entered_in_error_with_a_reason(patient_a, users):
    assessment = record_pasi(patient_a, users["clinician"])
    with pytest.raises(ValidationError):
        do_mark_assessment_in_error(actor(users["clinician"]), assessment, reason="  ")
    do_mark_assessment_in_error(actor(users["clinician"]), assessment, reason="Wrong patient")
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.ENTERED_IN_ERROR
    assert assessment.error_reason == "Wrong patient"
    assert assessment.history.count() == 2  # versioned, kept
    event = AuditEvent.objects.get(code=Event.ASSESSMENT_IN_ERROR)
    assert event.payload["reason"] == "Wrong patient"
    with pytest.raises(ValidationError):
        do_mark_assessment_in_error(actor(users["clinician"]), assessment, reason="Again")
