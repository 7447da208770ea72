"""The staff calendar's day and week boards: loads what they show in a fixed number of
queries (however many appointments there are) and lays it out with `calendar_layout`."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef

from ldnclinic.accounts.models import Membership
from ldnclinic.scheduling import calendar_layout as layout
from ldnclinic.scheduling import slots
from ldnclinic.scheduling.availability import local_day_bounds
from ldnclinic.scheduling.forms_calendar import DAY, practitioner_name
from ldnclinic.scheduling.models import (
    AppointmentStatus,
    ClinicClosure,
    Service,
    TimeOff,
    WorkingHours,
)

CELL_MINUTES = 15
WEEKEND = (5, 6)


def practitioners_of(clinic):
    """The clinic's active staff who see patients: they perform a service or have hours."""
    performs = Service.practitioners.through.objects.filter(
        membership_id=OuterRef("pk"), service__is_active=True
    )
    works = WorkingHours.objects.filter(practitioner_id=OuterRef("pk"))
    return list(
        Membership.objects.filter(clinic=clinic, is_active=True)
        .filter(Exists(performs) | Exists(works))
        .select_related("user")
        .order_by("user__full_name", "user__email", "pk")
    )


def week_of(day):
    monday = day - dt.timedelta(days=day.weekday())
    return [monday + dt.timedelta(days=n) for n in range(7)]


def initials(name):
    words = [w for w in name.replace(".", " ").split() if w[:1].isalpha()]
    if len(words) > 2 and words[0].lower() in ("dr", "prof"):
        words = words[1:]
    return "".join(w[0] for w in words[:2]).upper()


@dataclass
class Filters:
    view: str
    date: dt.date
    practitioner: int | None = None
    location: int | None = None
    hide_cancelled: bool = False


@dataclass
class Column:
    day: dt.date
    title: str
    practitioner: Membership | None = None
    subtitle: str = ""
    closed: str = ""
    notes: list[str] = field(default_factory=list)
    working: list[tuple[int, int]] = field(default_factory=list)
    appointments: list = field(default_factory=list)
    time_off: list[tuple[int, int, str]] = field(default_factory=list)
    # Filled in by `_lay_out`:
    lanes: int = 1
    blocks: list = field(default_factory=list)
    cells: list = field(default_factory=list)
    off_blocks: list = field(default_factory=list)
    now_row: int | None = None
    is_today: bool = False


@dataclass
class Board:
    filters: Filters
    days: list[dt.date]
    columns: list[Column]
    hours: list[dict]
    window: layout.Window
    appointments: list
    practitioners: list[Membership]


def _local_spans(intervals, tz):
    """{local date: [(start minute, end minute)]} for UTC intervals."""
    by_day = defaultdict(list)
    for interval in intervals:
        start, end = interval.start.astimezone(tz), interval.end.astimezone(tz)
        by_day[start.date()].append(layout.wall_span(start, end, start.date()))
    return by_day


def _merge(spans):
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _working_intervals(practitioner_ids, filters, first, last, tz, closed):
    hours = WorkingHours.objects.filter(practitioner_id__in=practitioner_ids)
    if filters.location:
        hours = hours.filter(location_id=filters.location)
    weekly = defaultdict(list)
    for row in hours:
        weekly[row.practitioner_id].append(slots.WeeklyHours(row.weekday, row.start, row.end))
    exceptions = defaultdict(list)
    time_off = []
    for row in TimeOff.objects.filter(
        practitioner_id__in=practitioner_ids, date__gte=first, date__lte=last
    ):
        if row.extra_hours and filters.location and row.location_id != filters.location:
            continue
        if not row.extra_hours:
            time_off.append(row)
        exceptions[row.practitioner_id].append(
            slots.DayException(row.date, row.extra_hours, row.start, row.end)
        )
    working = {
        pk: slots.expand_working_hours(weekly[pk], first, last, tz, exceptions[pk], closed)
        for pk in practitioner_ids
    }
    return working, time_off


def _at_location(appointment, location_id, working):
    """Is the appointment at the filtered location? One without a location of its own
    takes place where its practitioner works at that time."""
    if appointment.location_id is not None:
        return appointment.location_id == location_id
    return any(
        i.start <= appointment.start < i.end for i in working.get(appointment.practitioner_id, ())
    )


def build_board(clinic, appointments, filters, practitioners, *, now):
    """The board for `filters`. `appointments` is the request's gated queryset."""
    tz = clinic.tz
    days = [filters.date] if filters.view == DAY else week_of(filters.date)
    first, last = days[0], days[-1]
    range_start, range_end = local_day_bounds(first, last, tz)
    shown = [m for m in practitioners if filters.practitioner in (None, m.pk)]
    ids = [m.pk for m in shown]

    closures = {
        c.date: c
        for c in ClinicClosure.objects.filter(clinic=clinic, date__gte=first, date__lte=last)
    }
    working, time_off = _working_intervals(ids, filters, first, last, tz, closures.keys())

    rows = (
        appointments.filter(clinic=clinic, start__lt=range_end, end__gt=range_start)
        .select_related("patient", "service", "practitioner__user", "location")
        .order_by("start", "id")
    )
    if filters.practitioner:
        rows = rows.filter(practitioner_id=filters.practitioner)
    if filters.hide_cancelled:
        rows = rows.exclude(status=AppointmentStatus.CANCELLED)
    shown_appointments = [
        a for a in rows if not filters.location or _at_location(a, filters.location, working)
    ]
    for appointment in shown_appointments:
        appointment.local_start = appointment.start.astimezone(tz)
        appointment.local_end = appointment.end.astimezone(tz)

    # At one location: only who works there in the period. Practitioners who have
    # appointments here but no longer see patients get a column too.
    by_pk = {m.pk: m for m in shown if not filters.location or working[m.pk]}
    for appointment in shown_appointments:
        by_pk.setdefault(appointment.practitioner_id, appointment.practitioner)
    colour = {pk: n % 6 for n, pk in enumerate(by_pk)}

    working_by_day = {pk: _local_spans(intervals, tz) for pk, intervals in working.items()}
    if filters.view == DAY:
        columns = _practitioner_columns(filters.date, by_pk, working_by_day)
    else:
        columns = _day_columns(days, by_pk, working_by_day, shown_appointments)
    _fill(columns, filters, shown_appointments, time_off, closures, by_pk)

    window = layout.window_for(
        [span for column in columns for span in column.working]
        + [
            layout.wall_span(a.local_start, a.local_end, column.day)
            for column in columns
            for a in column.appointments
        ]
    )
    today_now = now.astimezone(tz)
    for column in columns:
        _lay_out(column, window, filters, colour, today_now)
    return Board(
        filters=filters,
        days=days,
        columns=columns,
        hours=[{"label": f"{hour:02d}:00", "row": row} for hour, row in window.hours()],
        window=window,
        appointments=shown_appointments,
        practitioners=list(by_pk.values()),
    )


def _practitioner_columns(day, by_pk, working_by_day):
    return [
        Column(
            day=day,
            title=practitioner_name(m),
            subtitle=m.title,
            practitioner=m,
            working=_merge(working_by_day.get(pk, {}).get(day, [])),
        )
        for pk, m in by_pk.items()
    ]


def _day_columns(days, by_pk, working_by_day, appointments):
    busy_days = {a.local_start.date() for a in appointments}
    columns = []
    for day in days:
        spans = [s for pk in by_pk for s in working_by_day.get(pk, {}).get(day, [])]
        if day.weekday() in WEEKEND and not spans and day not in busy_days:
            continue
        columns.append(Column(day=day, title=day.strftime("%a"), working=_merge(spans)))
    return columns


def _fill(columns, filters, appointments, time_off, closures, by_pk):
    """Share out appointments, closures and time off to the columns they belong in."""
    by_key = {}
    for column in columns:
        key = column.practitioner.pk if filters.view == DAY else column.day
        by_key[key] = column
        closure = closures.get(column.day)
        if closure is not None:
            column.closed = closure.reason or "Clinic closed"
    for appointment in appointments:
        key = appointment.practitioner_id if filters.view == DAY else appointment.local_start.date()
        if key in by_key:
            by_key[key].appointments.append(appointment)
    for off in time_off:
        if off.practitioner_id not in by_pk:
            continue  # not working at the filtered location anyway
        name = practitioner_name(by_pk[off.practitioner_id])
        for column in columns:
            if column.day != off.date:
                continue
            if filters.view == DAY and column.practitioner.pk != off.practitioner_id:
                continue
            if off.start is None:
                label = "Off all day" if filters.view == DAY else f"{name} off"
                column.notes.append(f"{label}{': ' + off.note if off.note else ''}")
            elif filters.view == DAY or filters.practitioner:
                minutes = (
                    off.start.hour * 60 + off.start.minute,
                    off.end.hour * 60 + off.end.minute,
                )
                column.time_off.append((*minutes, off.note or "Time off"))


def _lay_out(column, window, filters, colour, now):
    placed, column.lanes = layout.place(
        [
            (a, *layout.wall_span(a.local_start, a.local_end, column.day))
            for a in column.appointments
        ],
        window,
    )
    column.blocks = [
        {
            "appointment": p.item,
            "row": p.row,
            "span": p.span,
            "col": p.col,
            "col_span": p.col_span,
            "compact": p.span <= 3,
            "colour": colour.get(p.item.practitioner_id, 0),
            "initials": initials(practitioner_name(p.item.practitioner)),
        }
        for p in placed
    ]
    if not column.closed:
        column.cells = [
            {"row": window.row(start), "span": window.span(start, end), "time": _clock(start)}
            for first, last in column.working
            for start, end in _cells(first, last)
        ]
    column.off_blocks = [
        {"row": window.row(start), "span": window.span(start, end), "note": note}
        for start, end, note in column.time_off
    ]
    column.is_today = column.day == now.date()
    if column.is_today:
        minute = layout.minute_of_day(now, column.day)
        if window.start_minute <= minute < window.end_minute:
            column.now_row = window.row(minute)


def _cells(first, last):
    start = first
    while start + layout.ROW_MINUTES <= last:
        yield start, min(start + CELL_MINUTES, last)
        start += CELL_MINUTES


def _clock(minute):
    return f"{minute // 60:02d}:{minute % 60:02d}"
