"""iCalendar (RFC 5545) for appointments: the .ics attached to emails and the private
practitioner feeds. What a patient's calendar shows is only the service, time, place and
clinic contact, never clinical detail."""

import datetime as dt

import icalendar
from django.conf import settings


def location_text(appointment):
    if appointment.telehealth:
        return "Video consultation"
    location = appointment.location
    if location is None:
        return appointment.clinic.name
    parts = [location.name, location.address_line1, location.city]
    return ", ".join(part for part in parts if part)


def uid_for(appointment):
    return f"appointment-{appointment.pk}@{settings.ICAL_UID_DOMAIN}"


def _event(appointment, summary, description, now, *, cancelled=False):
    event = icalendar.Event()
    event.add("uid", uid_for(appointment))
    event.add("dtstamp", now)
    event.add("dtstart", appointment.start.astimezone(dt.UTC))
    event.add("dtend", appointment.end.astimezone(dt.UTC))
    event.add("summary", summary)
    event.add("location", location_text(appointment))
    event.add("description", description)
    # Each change bumps the sequence so calendar apps replace the old copy. A feed's
    # query annotates the count (history_sequence) to avoid one query per event.
    sequence = getattr(appointment, "history_sequence", None)
    if sequence is None:
        sequence = appointment.history.count() if hasattr(appointment, "history") else 0
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def _calendar(method=None):
    cal = icalendar.Calendar()
    cal.add("prodid", "-//ldnclinic//scheduling//EN")
    cal.add("version", "2.0")
    if method:
        cal.add("method", method)
    return cal


def patient_ics(appointment, *, now, manage_url=""):
    """One event for the patient's own calendar: bytes of a text/calendar file."""
    clinic = appointment.clinic
    contact = " · ".join(part for part in (clinic.phone, clinic.email) if part)
    description = f"{appointment.service.name} at {clinic.name}."
    if contact:
        description += f"\nContact: {contact}"
    if manage_url:
        description += f"\nReschedule or cancel: {manage_url}"
    cancelled = appointment.status == "cancelled"
    cal = _calendar("CANCEL" if cancelled else "PUBLISH")
    cal.add_component(
        _event(
            appointment,
            f"{appointment.service.name} — {clinic.name}",
            description,
            now,
            cancelled=cancelled,
        )
    )
    return cal.to_ical()


def practitioner_feed(practitioner, appointments, *, now):
    """A calendar of `appointments` for a practitioner's subscription. Patients appear by
    initials and MRN only: feeds live in third-party calendars."""
    cal = _calendar()
    cal.add("x-wr-calname", f"{practitioner.clinic.name} — {practitioner.user}")
    for appointment in appointments:
        patient = appointment.patient
        initials = f"{patient.given_name[:1]}{patient.family_name[:1]}".upper()
        cal.add_component(
            _event(
                appointment,
                f"{appointment.service.name} — {initials} ({patient.mrn})",
                f"{appointment.get_status_display()}",
                now,
                cancelled=appointment.status == "cancelled",
            )
        )
    return cal.to_ical()
