"""POST /api/v1/public/bookings: no account, every bad input, idempotency, rate limit."""

import datetime as dt
import json

import pytest
import time_machine
from django.test import Client

from ldnclinic.accounts.models import Membership
from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient
from ldnclinic.patients.models import Patient
from ldnclinic.scheduling.links import appointment_for_token
from ldnclinic.scheduling.models import Appointment, BookingSource, Service
from ldnclinic.scheduling.tests.conftest import consult_service

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
MONDAY_9 = "2026-11-30T09:00:00-05:00"
URL = "/api/v1/public/bookings"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def service(clinic, clinician):
    return consult_service(clinic, clinician, min_notice_hours=2, horizon_days=60)


def body(start=MONDAY_9, patient=None, **extra):
    person = {
        "given_name": "Nora",
        "family_name": "Quinn",
        "email": "nora@example.test",
        "phone": "+1 555 0101",
        "birth_date": "1985-03-04",
        **(patient or {}),
    }
    return {"service": "consult", "start": start, "patient": person, **extra}


def post(payload, client=None, **headers):
    client = client or Client()
    return client.post(URL, json.dumps(payload), content_type="application/json", **headers)


def test_it_books_without_an_account(service, clinician):
    response = post(body(reason="Itchy plaques"))
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["start"] == MONDAY_9
    assert answer["end"] == "2026-11-30T09:30:00-05:00"
    assert answer["service"] == "consult"
    assert answer["practitioner"] == clinician.pk
    assert answer["status"] == "booked"
    assert answer["manage_url"].startswith("http://127.0.0.1:8000/booking/")
    token = answer["manage_url"].rstrip("/").rsplit("/", 1)[1]
    appointment = appointment_for_token(token)
    assert appointment.pk == answer["id"]
    assert appointment.source == BookingSource.ONLINE
    assert appointment.reason == "Itchy plaques"
    event = AuditEvent.objects.get(code=Event.APPOINTMENT_BOOKED)
    assert event.actor is None and event.via == "api" and event.source_ip == "127.0.0.1"


def test_it_books_with_a_chosen_practitioner(service, clinician):
    response = post(body(practitioner=clinician.pk))
    assert response.status_code == 201
    assert response.json()["practitioner"] == clinician.pk


@pytest.mark.parametrize(
    "start, message",
    [
        ("2026-11-24T09:00:00-05:00", "in the past"),
        ("2026-11-30T13:00:00-05:00", "outside working hours"),
        ("2026-11-30T09:05:00-05:00", "off the booking grid"),
        ("2026-11-25T08:00:00-05:00", "hours' notice"),
        ("2027-03-01T09:00:00-05:00", "days ahead"),
    ],
)
def test_a_time_not_offered_is_422_and_leaves_nothing(service, start, message):
    response = post(body(start=start))
    assert response.status_code == 422
    assert message in response.json()["fields"]["start"]
    assert not Appointment.objects.exists()
    assert not Patient.objects.exists()


def test_a_time_without_offset_is_422(service):
    response = post(body(start="2026-11-30T09:00:00"))
    assert response.status_code == 422
    assert "UTC offset" in response.json()["fields"]["start"]


def test_a_practitioner_who_does_not_perform_the_service_is_422(service, users, other_clinic):
    admin = Membership.objects.get(user=users["admin"])
    other = Membership.objects.get(user=users["other_staff"])
    for practitioner in (admin.pk, other.pk, 999_999):
        response = post(body(practitioner=practitioner))
        assert response.status_code == 422
        assert response.json()["fields"]["practitioner"] == (
            "That practitioner does not perform this service."
        )
    assert not Patient.objects.exists()


def test_an_unknown_service_is_404(service):
    assert post(body(service="nope")).status_code == 404
    response = post(body(service="consult", clinic="clinic-y"))
    assert response.status_code == 404
    assert response.json()["error"]


def test_a_service_not_bookable_online_is_404(service):
    Service.objects.filter(pk=service.pk).update(online_bookable=False)
    assert post(body()).status_code == 404


def test_an_invalid_email_is_422_on_the_field(service):
    response = post(body(patient={"email": "nora-at-example"}))
    assert response.status_code == 422
    answer = response.json()
    assert answer["fields"]["patient.email"].startswith("Enter a valid email address")
    assert answer["error"].startswith("patient.email:")
    assert not Patient.objects.exists()


def test_a_future_birth_date_is_422_on_the_field(service):
    response = post(body(patient={"birth_date": "2026-12-01"}))
    assert response.status_code == 422
    assert "future" in response.json()["fields"]["patient.birth_date"]
    assert not Patient.objects.exists()


def test_a_malformed_body_is_422_with_field_messages(service):
    payload = body(patient={"birth_date": "last tuesday"})
    payload["colour"] = "red"
    response = post(payload)
    assert response.status_code == 422
    fields = response.json()["fields"]
    assert fields["colour"] == "Unknown field."
    assert "patient.birth_date" in fields
    missing = body()
    del missing["patient"]["phone"]
    assert "patient.phone" in post(missing).json()["fields"]


def test_a_taken_slot_is_409_with_the_next_free_ones(service):
    assert post(body()).status_code == 201
    response = post(body(patient={"email": "someone.else@example.test", "given_name": "Sam"}))
    assert response.status_code == 409
    answer = response.json()
    assert "taken" in answer["error"]
    assert answer["next_slots"][0]["start"] == "2026-11-30T09:45:00-05:00"
    assert Appointment.objects.count() == 1
    assert Patient.objects.count() == 1


def test_a_repeated_idempotency_key_returns_the_same_appointment(service):
    first = post(body(), HTTP_IDEMPOTENCY_KEY="retry-7f3a")
    again = post(body(), HTTP_IDEMPOTENCY_KEY="retry-7f3a")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["manage_url"]
    assert Appointment.objects.count() == 1
    assert Patient.objects.count() == 1


def test_a_repeated_key_with_another_person_is_422(service):
    post(body(), HTTP_IDEMPOTENCY_KEY="retry-7f3a")
    response = post(
        body(start="2026-11-30T10:00:00-05:00", patient={"email": "x@example.test"}),
        HTTP_IDEMPOTENCY_KEY="retry-7f3a",
    )
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["error"]
    assert Appointment.objects.count() == 1


def test_a_known_patient_is_refused_a_new_patients_only_service(service, clinic):
    make_patient(
        clinic,
        given_name="Nora",
        family_name="Quinn",
        email="nora@example.test",
        date_of_birth=dt.date(1985, 3, 4),
    )
    Service.objects.filter(pk=service.pk).update(new_patients_only=True)
    response = post(body())
    assert response.status_code == 422
    assert "new patients only" in response.json()["fields"]["service"]
    assert not Appointment.objects.exists()


def test_another_clinics_service_is_not_bookable_through_this_clinic(service, other_clinic):
    theirs = Service.objects.create(
        clinic=other_clinic, name="Laser", slug="laser", duration_minutes=60
    )
    assert post(body(service=theirs.slug, clinic="clinic-x")).status_code == 404
    # Without working hours in clinic Y there is nothing to book, but the service exists.
    assert post(body(service=theirs.slug, clinic="clinic-y")).status_code == 422


def test_the_rate_limit_answers_429_with_retry_after(service, settings):
    settings.PUBLIC_BOOKING_PER_HOUR = 2
    client = Client()
    assert post(body(start="2026-11-24T09:00:00-05:00"), client).status_code == 422
    assert post(body(), client).status_code == 201
    response = post(body(start="2026-11-30T10:00:00-05:00"), client)
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert "Too many booking attempts" in response.json()["error"]
    assert Appointment.objects.count() == 1
    # Another address still may book.
    other = post(body(start="2026-11-30T10:00:00-05:00"), client, REMOTE_ADDR="198.51.100.4")
    assert other.status_code == 201


def test_the_rate_limit_resets_the_next_hour(service, settings):
    settings.PUBLIC_BOOKING_PER_HOUR = 1
    assert post(body()).status_code == 201
    limited = post(body())
    assert limited.status_code == 429
    with time_machine.travel(NOW + dt.timedelta(minutes=59, seconds=30), tick=False):
        assert post(body())["Retry-After"] == "30"
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        assert post(body(start="2026-11-30T10:00:00-05:00")).status_code == 201


def test_it_is_in_the_openapi_document(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/public/bookings"]["post"]
    assert {"201", "200", "409", "422", "429", "404"} <= set(operation["responses"])
