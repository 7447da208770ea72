import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient
from ldnclinic.patients.actions import do_update_patient
from ldnclinic.patients.models import Patient


@pytest.fixture
def patient(clinic):
    return make_patient(clinic, given_name="Ann", family_name="Lee", email="ann@x.test")


def update(patient, actor=None, **values):
    return do_update_patient(actor or Actor.system(via="test"), patient, **values)


def refused(patient, counts, field, **values):
    before, stored = counts(), Patient.objects.get(pk=patient.pk)
    history = patient.history.count()
    with pytest.raises(ValidationError) as info:
        update(patient, **values)
    assert field in info.value.message_dict, info.value.message_dict
    assert counts() == before
    assert patient.history.count() == history
    fresh = Patient.objects.get(pk=patient.pk)
    assert [getattr(fresh, f) for f in values] == [getattr(stored, f) for f in values]
    return info.value.message_dict[field]


def test_it_saves_and_records_only_the_changed_fields(patient, users):
    update(
        patient,
        Actor(users["frontdesk"], "192.0.2.4"),
        given_name="Ann",  # unchanged
        phone="+1 555 0100",
        city="Queens",
    )
    patient.refresh_from_db()
    assert (patient.phone, patient.city) == ("+1 555 0100", "Queens")
    event = AuditEvent.objects.get(code=Event.PATIENT_UPDATED)
    assert event.payload == {
        "before": {"city": "", "phone": ""},
        "after": {"city": "Queens", "phone": "+1 555 0100"},
    }
    assert (event.actor, event.patient, event.clinic_id) == (
        users["frontdesk"],
        patient,
        patient.clinic_id,
    )
    assert event.source_ip == "192.0.2.4"


def test_it_records_dates_as_text(patient):
    update(patient, date_of_birth=datetime.date(1981, 1, 2))
    event = AuditEvent.objects.get(code=Event.PATIENT_UPDATED)
    assert event.payload == {
        "before": {"date_of_birth": "1980-05-17"},
        "after": {"date_of_birth": "1981-01-02"},
    }


def test_it_writes_no_audit_row_or_history_when_nothing_changed(patient, counts):
    before, history = counts(), patient.history.count()
    update(patient, given_name="Ann", family_name=" Lee ", email="ann@x.test")
    assert counts() == before
    assert patient.history.count() == history


def test_it_keeps_a_history_row_for_each_change(patient, users):
    update(patient, Actor(users["clinician"]), city="Queens")
    update(patient, Actor(users["frontdesk"]), city="Bronx")
    versions = list(patient.history.order_by("history_id"))
    assert [v.city for v in versions] == ["", "Queens", "Bronx"]
    assert [v.history_type for v in versions] == ["+", "~", "~"]
    assert [v.history_user for v in versions] == [None, users["clinician"], users["frontdesk"]]


def test_it_changes_the_mrn(patient):
    update(patient, mrn="CHART-9")
    assert Patient.objects.get(pk=patient.pk).mrn == "CHART-9"


def test_it_rejects_a_blank_mrn(patient, counts):
    assert refused(patient, counts, "mrn", mrn="  ") == [
        "The medical record number cannot be blank."
    ]


def test_it_rejects_another_patients_mrn(patient, clinic, counts):
    other = make_patient(clinic)
    errors = refused(patient, counts, "mrn", mrn=other.mrn)
    assert errors == ["Another patient of this clinic has that medical record number."]


def test_it_allows_an_mrn_used_in_another_clinic(patient, other_clinic):
    elsewhere = make_patient(other_clinic)
    update(patient, mrn=elsewhere.mrn)
    assert Patient.objects.get(pk=patient.pk).mrn == elsewhere.mrn


@time_machine.travel(datetime.datetime(2026, 3, 10, 15, 0, tzinfo=datetime.UTC), tick=False)
def test_it_rejects_a_future_birth_date(patient, counts):
    refused(patient, counts, "date_of_birth", date_of_birth=datetime.date(2026, 3, 11))


def test_it_rejects_a_birth_date_before_1900(patient, counts):
    refused(patient, counts, "date_of_birth", date_of_birth=datetime.date(1850, 1, 1))


def test_it_rejects_a_name_of_101_characters(patient, counts):
    refused(patient, counts, "family_name", family_name="b" * 101)


def test_it_rejects_a_bad_phone(patient, counts):
    refused(patient, counts, "phone", phone="not a phone")


def test_it_rejects_a_bad_email(patient, counts):
    refused(patient, counts, "email", email="ann at x.test")


def test_it_rejects_fields_it_does_not_edit(patient, counts):
    assert refused(patient, counts, "clinic", clinic=None) == ["Unknown field."]


def test_a_refused_change_leaves_the_object_as_stored(patient):
    with pytest.raises(ValidationError):
        update(patient, given_name="c" * 101, email="bad")
    assert (patient.given_name, patient.email) == ("Ann", "ann@x.test")
