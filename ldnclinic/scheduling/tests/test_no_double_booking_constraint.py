"""PostgreSQL refuses overlapping holding appointments by itself (migration 0002)."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from ldnclinic.accounts.models import Membership
from ldnclinic.conftest import make_patient
from ldnclinic.scheduling.models import Appointment, Resource, Service

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="exclusion constraints exist on PostgreSQL only"
)
NINE = dt.datetime(2026, 12, 1, 14, tzinfo=dt.UTC)


@pytest.fixture
def setup(clinic, users):
    laser = Resource.objects.create(
        clinic=clinic, location=clinic.locations.first(), name="Laser", kind="device"
    )
    service = Service.objects.create(
        clinic=clinic, name="Laser", slug="laser", duration_minutes=60, resource=laser
    )
    return {
        "service": service,
        "laser": laser,
        "clinician": Membership.objects.get(user=users["clinician"]),
        "admin": Membership.objects.get(user=users["admin"]),
        "patient": make_patient(clinic),
    }


def appointment(setup, practitioner, start, *, status="booked", unit=None, buffer_after=10):
    return Appointment(
        clinic=setup["service"].clinic,
        patient=setup["patient"],
        service=setup["service"],
        practitioner=setup[practitioner],
        start=start,
        end=start + dt.timedelta(hours=1),
        blocked_start=start,
        blocked_end=start + dt.timedelta(minutes=60 + buffer_after),
        status=status,
        resource=setup["laser"] if unit is not None else None,
        resource_unit=unit,
    )


def test_it_refuses_an_overlap_for_one_practitioner(setup):
    appointment(setup, "clinician", NINE).save()
    overlap = pytest.raises(IntegrityError, match="appointment_no_practitioner_overlap")
    with overlap, transaction.atomic():
        appointment(setup, "clinician", NINE + dt.timedelta(minutes=65)).save()


def test_the_buffer_counts_and_touching_ranges_are_fine(setup):
    appointment(setup, "clinician", NINE).save()
    appointment(setup, "clinician", NINE + dt.timedelta(minutes=70)).save()


def test_cancelled_appointments_do_not_hold_time(setup):
    appointment(setup, "clinician", NINE, status="cancelled").save()
    appointment(setup, "clinician", NINE).save()


def test_one_resource_unit_is_never_shared(setup):
    appointment(setup, "clinician", NINE, unit=0).save()
    overlap = pytest.raises(IntegrityError, match="appointment_no_resource_overlap")
    with overlap, transaction.atomic():
        appointment(setup, "admin", NINE, unit=0).save()
    appointment(setup, "admin", NINE, unit=1).save()
