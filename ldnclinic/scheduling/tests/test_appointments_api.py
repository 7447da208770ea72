import datetime as dt
import json

import pytest
import time_machine

from ldnclinic.accounts.models import Membership
from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient
from ldnclinic.scheduling.models import Appointment, Resource, WorkingHours
from ldnclinic.scheduling.tests.conftest import consult_service

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
MONDAY_9 = "2026-11-30T09:00:00-05:00"
URL = "/api/v1/appointments"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def service(clinic, clinician):
    return consult_service(clinic, clinician, min_notice_hours=2, horizon_days=60)


def post(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def booking(patient, start=MONDAY_9, **extra):
    return {"patient": patient.pk, "service": "consult", "start": start, **extra}


def test_the_front_desk_books_and_it_is_audited(client_for, service, patient_a, clinician):
    response = post(client_for("frontdesk"), URL, booking(patient_a, reason="Psoriasis"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["start"] == MONDAY_9
    assert body["end"] == "2026-11-30T09:30:00-05:00"
    assert body["practitioner"] == clinician.pk
    assert body["status"] == "booked"
    appointment = Appointment.objects.get()
    assert appointment.blocked_end == dt.datetime(2026, 11, 30, 14, 40, tzinfo=dt.UTC)
    assert appointment.history.count() == 1
    event = AuditEvent.objects.get(code=Event.APPOINTMENT_BOOKED)
    assert event.patient == patient_a


def test_a_taken_slot_answers_409_with_the_next_free_ones(
    client_for, service, patient_a, patient_b
):
    client = client_for("frontdesk")
    assert post(client, URL, booking(patient_a)).status_code == 201
    response = post(client, URL, booking(patient_b))
    assert response.status_code == 409
    body = response.json()
    assert "taken" in body["error"]
    assert body["next_slots"][0]["start"] == "2026-11-30T09:45:00-05:00"
    assert Appointment.objects.count() == 1


def test_an_idempotent_retry_returns_the_same_appointment(client_for, service, patient_a):
    client = client_for("frontdesk")
    first = post(client, URL, booking(patient_a), HTTP_IDEMPOTENCY_KEY="abc-123")
    again = post(client, URL, booking(patient_a), HTTP_IDEMPOTENCY_KEY="abc-123")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Appointment.objects.count() == 1


def test_a_reused_key_for_another_booking_is_refused(client_for, service, patient_a, patient_b):
    client = client_for("frontdesk")
    post(client, URL, booking(patient_a), HTTP_IDEMPOTENCY_KEY="k1")
    response = post(client, URL, booking(patient_b), HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["error"]


@pytest.mark.parametrize(
    "start, message",
    [
        ("2026-11-24T09:00:00-05:00", "in the past"),
        ("2026-11-25T08:00:00-05:00", "hours' notice"),
        ("2027-03-01T09:00:00-05:00", "days ahead"),
        ("2026-11-30T13:00:00-05:00", "not offered"),
        ("2026-11-30T09:05:00-05:00", "not offered"),
    ],
)
def test_a_slot_not_offered_gets_a_specific_422(client_for, service, patient_a, start, message):
    response = post(client_for("frontdesk"), URL, booking(patient_a, start=start))
    assert response.status_code == 422
    assert message in response.json()["fields"]["start"]
    assert not Appointment.objects.exists()


def test_a_practitioner_who_does_not_perform_the_service(client_for, service, patient_a, users):
    admin = Membership.objects.get(user=users["admin"])
    response = post(client_for("frontdesk"), URL, booking(patient_a, practitioner=admin.pk))
    assert response.status_code == 422
    assert "does not perform" in response.json()["fields"]["practitioner"]


def test_unknown_service_is_404_and_unknown_fields_422(client_for, service, patient_a):
    client = client_for("frontdesk")
    assert post(client, URL, booking(patient_a, service="nope")).status_code == 404
    response = post(client, URL, booking(patient_a, colour="red"))
    assert response.status_code == 422
    assert response.json()["fields"]["colour"] == "Unknown field."


def test_a_naive_time_is_refused(client_for, service, patient_a):
    response = post(client_for("frontdesk"), URL, booking(patient_a, start="2026-11-30T09:00:00"))
    assert response.status_code == 422
    assert "UTC offset" in response.json()["fields"]["start"]


def test_other_clinics_and_patients_cannot_book_or_see(client_for, service, patient_a):
    assert post(client_for("other_staff"), URL, booking(patient_a)).status_code == 404
    assert post(client_for("patient"), URL, booking(patient_a)).status_code == 404
    post(client_for("frontdesk"), URL, booking(patient_a))
    assert client_for("other_staff").get(URL).json()["items"] == []
    assert client_for("patient2").get(URL).json()["items"] == []
    assert len(client_for("patient").get(URL).json()["items"]) == 1


def test_reschedule_cancel_and_status(client_for, service, patient_a):
    client = client_for("frontdesk")
    appointment_id = post(client, URL, booking(patient_a)).json()["id"]
    moved = post(
        client, f"{URL}/{appointment_id}/reschedule", {"start": "2026-11-30T10:00:00-05:00"}
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["start"] == "2026-11-30T10:00:00-05:00"
    # The old time is free again.
    other = make_patient(service.clinic, given_name="Other")
    assert post(client, URL, booking(other)).status_code == 201
    too_early = post(client, f"{URL}/{appointment_id}/status", {"status": "arrived"})
    assert too_early.status_code == 422
    cancelled = post(client, f"{URL}/{appointment_id}/cancel", {"reason": "Unwell"})
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancelled_late"] is False
    again = post(client, f"{URL}/{appointment_id}/cancel", {})
    assert again.status_code == 422


def test_a_cancellation_inside_the_window_is_late(client_for, service, patient_a):
    client = client_for("frontdesk")
    appointment_id = post(
        client, URL, booking(patient_a, start="2026-11-25T10:00:00-05:00")
    ).json()["id"]
    cancelled = post(client, f"{URL}/{appointment_id}/cancel", {})
    assert cancelled.json()["cancelled_late"] is True


def test_patients_cannot_change_appointments(client_for, service, patient_a):
    appointment_id = post(client_for("frontdesk"), URL, booking(patient_a)).json()["id"]
    response = post(client_for("patient"), f"{URL}/{appointment_id}/cancel", {})
    assert response.status_code == 403
    assert post(client_for("patient2"), f"{URL}/{appointment_id}/cancel", {}).status_code == 404


def test_two_sessions_on_one_resource_never_share_it(client_for, service, clinic, users):
    laser = Resource.objects.create(
        clinic=clinic, location=clinic.locations.first(), name="Laser", kind="device"
    )
    service.resource = laser
    service.save()
    admin = Membership.objects.get(user=users["admin"])
    service.practitioners.add(admin)
    for weekday in range(5):
        WorkingHours.objects.create(
            practitioner=admin,
            location=clinic.locations.first(),
            weekday=weekday,
            start=dt.time(9),
            end=dt.time(12),
        )
    client = client_for("frontdesk")
    first = post(client, URL, booking(make_patient(clinic, given_name="A")))
    assert first.status_code == 201
    second = post(client, URL, booking(make_patient(clinic, given_name="B")))
    assert second.status_code == 409
    assert Appointment.objects.get().resource_unit == 0
