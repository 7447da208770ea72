import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient
from ldnclinic.patients.actions import do_create_patient
from ldnclinic.patients.models import Patient

NEW = {"given_name": "Nora", "family_name": "New", "date_of_birth": datetime.date(1990, 2, 3)}


def create(clinic, **values):
    return do_create_patient(Actor.system(via="test"), clinic, **{**NEW, **values})


def refused(clinic, counts, field, **values):
    before = counts()
    with pytest.raises(ValidationError) as info:
        create(clinic, **values)
    assert field in info.value.message_dict, info.value.message_dict
    assert counts() == before
    return info.value.message_dict[field]


def test_it_creates_a_patient_and_audits_it(clinic, users):
    patient = do_create_patient(Actor(users["clinician"], "198.51.100.7"), clinic, **NEW)
    assert patient.pk and patient.clinic == clinic and patient.is_active
    event = AuditEvent.objects.get(code=Event.PATIENT_CREATED, patient=patient)
    assert event.actor == users["clinician"]
    assert event.clinic_id == clinic.pk
    assert event.source_ip == "198.51.100.7"
    assert event.payload["after"]["given_name"] == "Nora"
    assert event.payload["after"]["date_of_birth"] == "1990-02-03"


def test_it_assigns_mrns_in_sequence_with_the_clinic_prefix(clinic):
    mrns = [create(clinic).mrn for _ in range(3)]
    assert mrns == ["X-000001", "X-000002", "X-000003"]


def test_each_clinic_has_its_own_sequence(clinic, other_clinic):
    assert create(clinic).mrn == "X-000001"
    assert create(other_clinic).mrn == "Y-000001"
    assert create(clinic).mrn == "X-000002"


def test_it_skips_a_number_already_taken_by_hand(clinic):
    create(clinic, mrn="X-000001")
    assert create(clinic).mrn == "X-000002"


def test_it_keeps_an_explicit_mrn(clinic):
    assert create(clinic, mrn="  CHART-7 ").mrn == "CHART-7"


def test_it_rejects_a_duplicate_mrn_in_the_same_clinic(clinic, counts):
    create(clinic, mrn="A-1")
    errors = refused(clinic, counts, "mrn", mrn="A-1")
    assert errors == ["Another patient of this clinic has that medical record number."]


def test_it_allows_the_same_mrn_in_another_clinic(clinic, other_clinic):
    create(clinic, mrn="A-1")
    assert create(other_clinic, mrn="A-1").clinic == other_clinic


@time_machine.travel(datetime.datetime(2026, 3, 10, 15, 0, tzinfo=datetime.UTC), tick=False)
def test_it_rejects_a_future_birth_date(clinic, counts):
    errors = refused(clinic, counts, "date_of_birth", date_of_birth=datetime.date(2026, 3, 11))
    assert errors == ["The date of birth cannot be in the future."]


@time_machine.travel(datetime.datetime(2026, 3, 10, 15, 0, tzinfo=datetime.UTC), tick=False)
def test_it_accepts_a_birth_date_of_today(clinic):
    assert create(clinic, date_of_birth=datetime.date(2026, 3, 10)).pk


# 02:00 UTC on 11 March is still the evening of 10 March in New York (clinic X).
@time_machine.travel(datetime.datetime(2026, 3, 11, 2, 0, tzinfo=datetime.UTC), tick=False)
def test_it_judges_the_future_in_the_clinics_time_zone(clinic, counts):
    refused(clinic, counts, "date_of_birth", date_of_birth=datetime.date(2026, 3, 11))
    assert create(clinic, date_of_birth=datetime.date(2026, 3, 10)).pk


# 20:00 UTC on 10 March is already 11 March in Auckland.
@time_machine.travel(datetime.datetime(2026, 3, 10, 20, 0, tzinfo=datetime.UTC), tick=False)
def test_it_accepts_a_birth_today_in_a_clinic_ahead_of_utc(other_clinic):
    other_clinic.time_zone = "Pacific/Auckland"
    other_clinic.save()
    assert create(other_clinic, date_of_birth=datetime.date(2026, 3, 11)).pk


def test_it_rejects_a_birth_date_before_1900(clinic, counts):
    errors = refused(clinic, counts, "date_of_birth", date_of_birth=datetime.date(1899, 12, 31))
    assert errors == ["The date of birth cannot be before 1900."]


def test_it_accepts_the_first_day_of_1900(clinic):
    assert create(clinic, date_of_birth=datetime.date(1900, 1, 1)).pk


@pytest.mark.parametrize("field", ["given_name", "family_name", "preferred_name"])
def test_it_rejects_a_name_of_101_characters(clinic, counts, field):
    errors = refused(clinic, counts, field, **{field: "a" * 101})
    assert "at most 100 characters" in errors[0]


def test_it_accepts_a_name_of_100_characters(clinic):
    assert create(clinic, family_name="a" * 100).pk


@pytest.mark.parametrize("phone", ["call me", "12", "+1 555 0100 ext 9", "555-0100; drop"])
def test_it_rejects_a_bad_phone_number(clinic, counts, phone):
    errors = refused(clinic, counts, "phone", phone=phone)
    assert errors == ["Enter a phone number of digits, spaces, dashes and an optional +."]


def test_it_rejects_a_bad_emergency_contact_phone(clinic, counts):
    refused(clinic, counts, "emergency_contact_phone", emergency_contact_phone="ring ring")


@pytest.mark.parametrize("phone", ["+1 (555) 010-0100", "020 7946 0958", "555.0100"])
def test_it_accepts_usual_phone_formats(clinic, phone):
    assert create(clinic, phone=phone).phone == phone


@pytest.mark.parametrize("email", ["nora", "nora@", "@x.test", "nora@@x.test", "no ra@x.test"])
def test_it_rejects_a_bad_email(clinic, counts, email):
    errors = refused(clinic, counts, "email", email=email)
    assert errors == ["Enter a valid email address."]


@pytest.mark.parametrize("field", ["given_name", "family_name", "date_of_birth"])
def test_it_requires_the_identity_fields(clinic, counts, field):
    refused(clinic, counts, field, **{field: "" if field != "date_of_birth" else None})


def test_it_rejects_a_blank_name_of_spaces(clinic, counts):
    refused(clinic, counts, "given_name", given_name="   ")


def test_it_rejects_an_unknown_sex_at_birth(clinic, counts):
    refused(clinic, counts, "sex_at_birth", sex_at_birth="other")


def test_it_rejects_fields_it_does_not_edit(clinic, counts):
    errors = refused(clinic, counts, "is_active", is_active=False)
    assert errors == ["Unknown field."]


def test_a_refused_patient_uses_no_mrn(clinic, counts):
    refused(clinic, counts, "email", email="bad")
    assert create(clinic).mrn == "X-000001"


def test_it_keeps_a_first_history_row(clinic, users):
    patient = do_create_patient(Actor(users["clinician"]), clinic, **NEW)
    (version,) = patient.history.all()
    assert version.history_type == "+"
    assert version.history_user == users["clinician"]


def test_patients_are_never_deleted(clinic):
    patient = make_patient(clinic)
    with pytest.raises(Exception, match="never deleted"):
        patient.delete()
    with pytest.raises(Exception, match="never deleted"):
        Patient.objects.filter(pk=patient.pk).delete()
    assert Patient.objects.filter(pk=patient.pk).exists()
