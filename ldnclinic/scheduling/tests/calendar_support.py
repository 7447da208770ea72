"""Helpers shared by the staff calendar's tests (test_calendar_*.py)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

from ldnclinic.audit.log import Actor
from ldnclinic.scheduling.actions import do_book_appointment

NEW_YORK = ZoneInfo("America/New_York")
HX = {"HTTP_HX_REQUEST": "true"}


def local(day, hour, minute=0, tz=NEW_YORK):
    """An aware datetime at a wall-clock time of the clinic's day."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz)


def book(patient, service, start, **extra):
    """Book through the action, as if a week earlier (so notice rules allow it)."""
    appointment, created = do_book_appointment(
        Actor.system(via="test"),
        patient=patient,
        service=service,
        start=start,
        now=start - dt.timedelta(days=7),
        **extra,
    )
    assert created
    return appointment


def block_classes(html, appointment):
    """The CSS classes of an appointment's block on the board."""
    found = re.search(rf'<div class="([^"]*)" data-appointment="{appointment.pk}"', html)
    assert found, f"appointment {appointment.pk} is not on the board"
    return found.group(1).split()


def hour_row(html, label):
    """The grid row the time gutter puts `label` (e.g. "09:00") on."""
    found = re.search(rf'<div class="cal-hour cal-at-(\d+) cal-len-12">{label}</div>', html)
    assert found, f"no {label} line in the gutter"
    return int(found.group(1))
