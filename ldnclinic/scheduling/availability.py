"""Loads what slot search needs from the database, in a fixed number of queries, and
hands it to the pure `slots` module."""

import datetime as dt
from collections import defaultdict

from django.db.models import BigIntegerField, Func
from django.utils import timezone

from ldnclinic.scheduling import slots
from ldnclinic.scheduling.models import Appointment, ClinicClosure, TimeOff, WorkingHours

MAX_SEARCH_DAYS = 62


def rule_for(service, resource_capacity=None):
    return slots.ServiceRule(
        duration=dt.timedelta(minutes=service.duration_minutes),
        buffer_before=dt.timedelta(minutes=service.buffer_before_minutes),
        buffer_after=dt.timedelta(minutes=service.buffer_after_minutes),
        min_notice=dt.timedelta(hours=service.min_notice_hours),
        horizon=dt.timedelta(days=service.horizon_days),
        daily_cap=service.daily_cap,
        resource_capacity=resource_capacity,
    )


def local_day_bounds(first_day, last_day, tz):
    start = dt.datetime.combine(first_day, dt.time.min, tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end.astimezone(dt.UTC)


class EpochSeconds(Func):
    """A datetime column as whole seconds since 1970 (UTC). Slot search reads thousands
    of blocked ranges; integers skip building a Python datetime for each."""

    output_field = BigIntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)",
            **extra,
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(EXTRACT(EPOCH FROM %(expressions)s) AS BIGINT)",
            **extra,
        )


def _blocked_ranges(appointments, key):
    """(key, (blocked_start, blocked_end)) rows, the range in epoch seconds."""
    rows = appointments.annotate(
        start_s=EpochSeconds("blocked_start"), end_s=EpochSeconds("blocked_end")
    ).values_list(key, "start_s", "end_s")
    return [(pk, (start, end)) for pk, start, end in rows]


def find_service_slots(
    service,
    first_day,
    last_day,
    *,
    practitioner_ids=None,
    now=None,
    ignore_appointment=None,
    ignore_bookings=False,
):
    """Free slots for `service` on the clinic's local dates first_day..last_day.

    ignore_appointment: leave this one out (it is being moved); ignore_bookings: only
    hours, notice and horizon count (to tell "taken" from "never offered")."""
    clinic = service.clinic
    tz = clinic.tz
    now = now or timezone.now()
    practitioners = [
        m.pk
        for m in service.practitioners.all()
        if m.is_active and (practitioner_ids is None or m.pk in practitioner_ids)
    ]
    if not practitioners:
        return []
    range_start, range_end = local_day_bounds(first_day, last_day, tz)

    hours = WorkingHours.objects.filter(practitioner_id__in=practitioners)
    exceptions = TimeOff.objects.filter(
        practitioner_id__in=practitioners, date__gte=first_day, date__lte=last_day
    )
    if service.location_id:
        hours = hours.filter(location_id=service.location_id)
    weekly = defaultdict(list)
    for row in hours:
        weekly[row.practitioner_id].append(slots.WeeklyHours(row.weekday, row.start, row.end))
    days_off = defaultdict(list)
    for row in exceptions:
        if row.extra_hours and service.location_id and row.location_id != service.location_id:
            continue
        days_off[row.practitioner_id].append(
            slots.DayException(row.date, row.extra_hours, row.start, row.end)
        )
    closed = set(
        ClinicClosure.objects.filter(
            clinic=clinic, date__gte=first_day, date__lte=last_day
        ).values_list("date", flat=True)
    )
    working = {
        pk: slots.expand_working_hours(weekly[pk], first_day, last_day, tz, days_off[pk], closed)
        for pk in practitioners
    }

    # Blocked ranges can reach past the searched days by at most a day's buffers.
    margin = dt.timedelta(days=1)
    holding = Appointment.objects.holding().overlapping(range_start - margin, range_end + margin)
    if ignore_appointment is not None:
        holding = holding.exclude(pk=ignore_appointment.pk)
    if ignore_bookings:
        holding = holding.none()
    busy = defaultdict(list)
    for practitioner_id, blocked in _blocked_ranges(
        holding.filter(practitioner_id__in=practitioners), "practitioner_id"
    ):
        busy[practitioner_id].append(blocked)
    booked_per_day = defaultdict(int)
    if service.daily_cap is not None:
        for practitioner_id, start in holding.filter(
            practitioner_id__in=practitioners, service=service
        ).values_list("practitioner_id", "start"):
            booked_per_day[(practitioner_id, start.astimezone(tz).date())] += 1

    resource_busy = defaultdict(list)
    capacity = None
    if service.resource_id:
        capacity = service.resource.capacity if service.resource.is_active else 0
        for unit, blocked in _blocked_ranges(
            holding.filter(resource_id=service.resource_id), "resource_unit"
        ):
            resource_busy[unit or 0].append(blocked)
    return slots.find_slots(
        rule_for(service, capacity),
        working=working,
        busy=busy,
        resource_busy=resource_busy,
        booked_per_day=booked_per_day,
        now=now,
        range_start=range_start,
        range_end=range_end,
        step=dt.timedelta(minutes=clinic.slot_step_minutes),
        tz=tz,
    )
