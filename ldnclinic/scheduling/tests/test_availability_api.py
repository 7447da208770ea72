import datetime as dt

import pytest
import time_machine

from ldnclinic.accounts.models import Clinic, Membership, Role
from ldnclinic.conftest import make_patient, make_user
from ldnclinic.scheduling.models import (
    Appointment,
    ClinicClosure,
    Resource,
    Service,
    TimeOff,
    WorkingHours,
)
from ldnclinic.scheduling.tests.conftest import consult_service

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)  # a Wednesday, 07:00 in New York
URL = "/api/v1/availability"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def service(clinic, clinician):
    return consult_service(clinic, clinician, min_notice_hours=0)


def starts(client, **params):
    query = {"service": "consult", "start": "2026-11-30", "end": "2026-11-30", **params}
    response = client.get(URL, query)
    assert response.status_code == 200, response.content
    return [slot["start"] for slot in response.json()["slots"]]


def book(service, practitioner, patient, start, minutes=30, **extra):
    blocked_end = start + dt.timedelta(minutes=minutes + service.buffer_after_minutes)
    return Appointment.objects.create(
        clinic=service.clinic,
        patient=patient,
        service=service,
        practitioner=practitioner,
        start=start,
        end=start + dt.timedelta(minutes=minutes),
        blocked_start=start,
        blocked_end=blocked_end,
        **extra,
    )


def test_it_offers_the_working_hours_in_the_clinic_time_zone(client, service):
    found = starts(client)
    assert found[0] == "2026-11-30T09:00:00-05:00"
    assert found[-1] == "2026-11-30T11:30:00-05:00"
    assert len(found) == 11  # 09:00 .. 11:30 every 15 minutes


def test_it_keeps_bookings_and_their_buffers_free(client, service, clinician, clinic):
    patient = make_patient(clinic)
    book(service, clinician, patient, dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC))  # 10:00
    found = starts(client)
    # 10:00-10:30 plus 10 minutes after: 09:30 would run into it, 10:45 is the first after.
    assert "2026-11-30T09:15:00-05:00" in found
    assert "2026-11-30T09:30:00-05:00" not in found
    assert "2026-11-30T10:30:00-05:00" not in found
    assert "2026-11-30T10:45:00-05:00" in found


def test_a_cancelled_booking_frees_its_time(client, service, clinician, clinic):
    patient = make_patient(clinic)
    book(
        service,
        clinician,
        patient,
        dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC),
        status="cancelled",
    )
    assert "2026-11-30T10:00:00-05:00" in starts(client)


def test_minimum_notice_hides_early_slots(client, service):
    service.min_notice_hours = 24 * 5 + 3  # until Monday 10:00 New York
    service.save()
    assert starts(client)[0] == "2026-11-30T10:00:00-05:00"


def test_nothing_beyond_the_horizon(client, service):
    service.horizon_days = 3
    service.save()
    assert starts(client) == []


def test_time_off_and_closures_remove_hours(client, service, clinician, clinic):
    TimeOff.objects.create(
        practitioner=clinician, date=dt.date(2026, 11, 30), start=dt.time(9), end=dt.time(11)
    )
    assert starts(client)[0] == "2026-11-30T11:00:00-05:00"
    ClinicClosure.objects.create(clinic=clinic, date=dt.date(2026, 11, 30), reason="Holiday")
    assert starts(client) == []


def test_the_daily_cap_closes_the_day(client, service, clinician, clinic):
    service.daily_cap = 1
    service.save()
    book(service, clinician, make_patient(clinic), dt.datetime(2026, 11, 30, 14, tzinfo=dt.UTC))
    assert starts(client) == []
    assert starts(client, start="2026-12-01", end="2026-12-01") != []


def test_a_resource_is_never_shared(client, service, clinic, clinician, users):
    laser = Resource.objects.create(
        clinic=clinic, location=clinic.locations.first(), name="Laser", kind="device"
    )
    service.resource = laser
    service.save()
    other = Membership.objects.get(user=users["admin"])
    book(
        service,
        other,
        make_patient(clinic),
        dt.datetime(2026, 11, 30, 14, tzinfo=dt.UTC),
        resource=laser,
        resource_unit=0,
    )
    found = starts(client)
    assert "2026-11-30T09:00:00-05:00" not in found  # the laser is busy 09:00-09:40
    assert "2026-11-30T09:45:00-05:00" in found


def test_dst_days_keep_wall_clock_hours(client, service):
    # 2026-11-01 is a Sunday; Monday 2026-11-02 is the first weekday in EST.
    with time_machine.travel(dt.datetime(2026, 10, 28, tzinfo=dt.UTC), tick=False):
        found = starts(client, start="2026-10-30", end="2026-11-02")
    assert "2026-10-30T09:00:00-04:00" in found
    assert "2026-11-02T09:00:00-05:00" in found


def test_one_practitioner_only(client, service, clinic, users, clinician):
    second = make_user("second@x.test", clinic, Role.CLINICIAN)
    membership = Membership.objects.get(user=second)
    service.practitioners.add(membership)
    WorkingHours.objects.create(
        practitioner=membership,
        location=clinic.locations.first(),
        weekday=0,
        start=dt.time(14),
        end=dt.time(15),
    )
    response = client.get(
        URL,
        {
            "service": "consult",
            "start": "2026-11-30",
            "end": "2026-11-30",
            "practitioner": membership.pk,
        },
    )
    slots = response.json()["slots"]
    assert {s["practitioner"] for s in slots} == {membership.pk}
    assert slots[0]["start"] == "2026-11-30T14:00:00-05:00"


@pytest.mark.parametrize(
    "params, status, message",
    [
        ({"service": "nope"}, 404, "No online-bookable service"),
        ({"end": "2026-11-29"}, 400, "end is before start"),
        ({"end": "2027-03-01"}, 400, "at most 62 days"),
        ({"start": "2026-02-30"}, 400, "start"),
        ({"practitioner": 999999}, 422, "does not perform this service"),
    ],
)
def test_bad_searches_get_a_clear_error(client, service, params, status, message):
    query = {"service": "consult", "start": "2026-11-30", "end": "2026-11-30", **params}
    response = client.get(URL, query)
    assert response.status_code == status
    assert message in response.json()["error"]


def test_a_service_not_bookable_online_is_not_found(client, service):
    service.online_bookable = False
    service.save()
    assert (
        client.get(
            URL, {"service": "consult", "start": "2026-11-30", "end": "2026-11-30"}
        ).status_code
        == 404
    )


def test_two_clinics_with_one_slug_need_the_clinic(client, service, other_clinic):
    Service.objects.create(clinic=other_clinic, name="C", slug="consult", duration_minutes=30)
    response = client.get(URL, {"service": "consult", "start": "2026-11-30", "end": "2026-11-30"})
    assert response.status_code == 400
    assert "clinic=" in response.json()["error"]
    assert starts(client, clinic=service.clinic.slug)[0] == "2026-11-30T09:00:00-05:00"


def test_the_query_count_does_not_grow_with_bookings(
    client, service, clinician, clinic, django_assert_num_queries
):
    patient = make_patient(clinic)
    for day in range(5):
        book(service, clinician, patient, dt.datetime(2026, 12, 1 + day, 14, tzinfo=dt.UTC))
    params = {"service": "consult", "start": "2026-11-30", "end": "2026-12-31"}
    with django_assert_num_queries(6):
        client.get(URL, params)
    for day in range(20):
        book(service, clinician, patient, dt.datetime(2026, 12, 8 + day, 16, tzinfo=dt.UTC))
    with django_assert_num_queries(6):
        client.get(URL, params)


def test_clinic_slot_step_is_used(client, service, clinic):
    Clinic.objects.filter(pk=clinic.pk).update(slot_step_minutes=30)
    assert len(starts(client)) == 6
