"""do_public_booking: who the booking is for (match, flag, create) and nothing half-made."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient
from ldnclinic.patients.actions import do_deactivate_patient
from ldnclinic.patients.models import Patient
from ldnclinic.scheduling.actions import SlotTaken, do_book_appointment
from ldnclinic.scheduling.models import Appointment, BookingSource
from ldnclinic.scheduling.public import PatientDetails, do_portal_booking, do_public_booking
from ldnclinic.scheduling.tests.conftest import consult_service

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
MONDAY_9 = dt.datetime(2026, 11, 30, 14, 0, tzinfo=dt.UTC)
ACTOR = Actor(user=None, ip="203.0.113.9", via="web")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def service(clinic, clinician):
    return consult_service(clinic, clinician, min_notice_hours=2, horizon_days=60)


@pytest.fixture
def known(clinic):
    """An existing patient of the clinic."""
    return make_patient(
        clinic,
        given_name="Nora",
        family_name="Quinn",
        email="nora@example.test",
        date_of_birth=dt.date(1985, 3, 4),
    )


def details(**changes):
    values = {
        "given_name": "Nora",
        "family_name": "Quinn",
        "email": "nora@example.test",
        "phone": "+1 555 0101",
        "birth_date": dt.date(1985, 3, 4),
        **changes,
    }
    return PatientDetails(**values)


def book(service, start=MONDAY_9, **changes):
    key = changes.pop("idempotency_key", None)
    return do_public_booking(
        ACTOR,
        service=service,
        start=start,
        details=details(**changes),
        condition="psoriasis",
        reason="Flares every winter",
        idempotency_key=key,
    )


def test_a_new_person_gets_a_new_record_and_the_booking(service, clinic):
    appointment, created = book(service, email="new@example.test", given_name="Ada")
    assert created
    patient = appointment.patient
    assert (patient.given_name, patient.email, patient.clinic) == (
        "Ada",
        "new@example.test",
        clinic,
    )
    assert patient.mrn.startswith("X-")
    assert appointment.source == BookingSource.ONLINE
    assert appointment.identity_review == ""
    assert appointment.reason == "Condition of interest: Psoriasis. Flares every winter"
    check = AuditEvent.objects.get(code=Event.APPOINTMENT_IDENTITY_CHECKED)
    assert check.payload["outcome"] == "new"
    assert AuditEvent.objects.filter(code=Event.PATIENT_CREATED, patient=patient).exists()


def test_an_exact_match_reuses_the_patient(service, known):
    appointment, _ = book(service, email="NORA@Example.test")
    assert appointment.patient == known
    assert Patient.objects.count() == 1
    assert appointment.identity_review == ""
    assert AuditEvent.objects.get(code=Event.APPOINTMENT_IDENTITY_CHECKED).payload == {
        "outcome": "exact",
        "matched_patients": [known.pk],
    }


def test_same_email_other_birth_date_is_a_new_flagged_record(service, known):
    appointment, _ = book(service, birth_date=dt.date(1986, 3, 4))
    assert appointment.patient != known
    assert Patient.objects.count() == 2
    assert known.mrn in appointment.identity_review
    assert "email matched" in appointment.identity_review
    assert "date of birth did not" in appointment.identity_review
    assert "nothing was merged" in appointment.identity_review
    known.refresh_from_db()
    assert known.date_of_birth == dt.date(1985, 3, 4)  # untouched


def test_same_name_and_birth_date_other_email_is_a_new_flagged_record(service, known):
    appointment, _ = book(service, email="nora.q@elsewhere.test")
    assert appointment.patient != known
    assert appointment.patient.email == "nora.q@elsewhere.test"
    assert known.mrn in appointment.identity_review
    assert "name and date of birth matched" in appointment.identity_review
    assert "email did not" in appointment.identity_review
    check = AuditEvent.objects.get(code=Event.APPOINTMENT_IDENTITY_CHECKED)
    assert check.payload["outcome"] == "partial"
    assert check.payload["matched_patients"] == [known.pk]


def test_an_inactive_record_is_flagged_not_reused(service, known):
    do_deactivate_patient(ACTOR, known, "Moved away")
    appointment, _ = book(service)
    assert appointment.patient != known
    assert "inactive" in appointment.identity_review
    assert known.mrn in appointment.identity_review


def test_an_exact_match_under_another_name_books_but_tells_the_desk(service, known):
    appointment, _ = book(service, given_name="Norah")
    assert appointment.patient == known
    assert known.mrn in appointment.identity_review
    assert '"Norah Quinn"' in appointment.identity_review


def test_another_clinics_patient_is_never_matched(service, other_clinic):
    stranger = make_patient(
        other_clinic,
        given_name="Nora",
        family_name="Quinn",
        email="nora@example.test",
        date_of_birth=dt.date(1985, 3, 4),
    )
    appointment, _ = book(service)
    assert appointment.patient != stranger
    assert appointment.patient.clinic == service.clinic
    assert appointment.identity_review == ""


def test_new_patients_only_refuses_a_known_patient(service, known):
    service.new_patients_only = True
    service.save()
    with pytest.raises(ValidationError) as refused:
        book(service)
    assert "new patients only" in refused.value.message_dict["service"][0]
    assert not Appointment.objects.exists()
    # A new person may book it.
    appointment, _ = book(service, email="first.time@example.test", given_name="Ida")
    assert appointment.patient.given_name == "Ida"


@pytest.mark.parametrize(
    "start, message",
    [
        (dt.datetime(2026, 11, 24, 14, 0, tzinfo=dt.UTC), "in the past"),
        (dt.datetime(2026, 11, 30, 18, 0, tzinfo=dt.UTC), "not offered"),
        (dt.datetime(2027, 3, 1, 14, 0, tzinfo=dt.UTC), "days ahead"),
    ],
)
def test_a_refused_time_leaves_no_patient_behind(service, start, message):
    with pytest.raises(ValidationError) as refused:
        book(service, start=start, email="new@example.test")
    assert message in refused.value.message_dict["start"][0]
    assert not Patient.objects.exists()
    assert not Appointment.objects.exists()
    assert not AuditEvent.objects.filter(code=Event.PATIENT_CREATED).exists()


def test_a_taken_time_leaves_no_patient_behind(service, known):
    do_book_appointment(ACTOR, patient=known, service=service, start=MONDAY_9)
    with pytest.raises(SlotTaken):
        book(service, email="new@example.test")
    assert Patient.objects.count() == 1
    assert Appointment.objects.count() == 1


def test_bad_details_are_named_field_by_field(service):
    with pytest.raises(ValidationError) as refused:
        book(
            service,
            email="not-an-email",
            birth_date=dt.date(2026, 11, 26),
            given_name=" ",
            phone="call me",
        )
    errors = refused.value.message_dict
    assert set(errors) == {"email", "birth_date", "given_name", "phone"}
    assert "future" in errors["birth_date"][0]
    assert not Patient.objects.exists()


def test_a_repeated_key_returns_the_first_booking(service):
    first, created = book(service, email="new@example.test", idempotency_key="k-1")
    again, created_again = book(service, email="NEW@example.test", idempotency_key="k-1")
    assert (created, created_again) == (True, False)
    assert again == first
    assert Patient.objects.count() == 1
    assert Appointment.objects.count() == 1


def test_a_repeated_key_for_someone_else_is_refused(service):
    book(service, email="new@example.test", idempotency_key="k-1")
    with pytest.raises(ValidationError, match="Idempotency-Key"):
        book(service, email="other@example.test", idempotency_key="k-1")
    assert Patient.objects.count() == 1


def test_portal_booking_is_marked_portal_and_refuses_new_patient_services(service, patient_a):
    appointment = do_portal_booking(ACTOR, patient=patient_a, service=service, start=MONDAY_9)
    assert appointment.source == BookingSource.PORTAL
    assert appointment.patient == patient_a
    service.new_patients_only = True
    service.save()
    with pytest.raises(ValidationError, match="new patients only"):
        do_portal_booking(
            ACTOR, patient=patient_a, service=service, start=MONDAY_9 + dt.timedelta(hours=1)
        )
