"""send_reminders: each reminder at most once, at the clinic's offsets, in the clinic's
time zone, never for cancelled appointments, again for moved ones."""

import datetime as dt
import io
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient
from ldnclinic.core import sms
from ldnclinic.scheduling import reminders
from ldnclinic.scheduling.actions import (
    do_book_appointment,
    do_cancel_appointment,
    do_reschedule_appointment,
)
from ldnclinic.scheduling.links import appointment_for_token
from ldnclinic.scheduling.models import Reminder
from ldnclinic.scheduling.tests.conftest import consult_service

UTC = dt.UTC
BOOKED_AT = dt.datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
# Monday 16 March 2026, 10:00 in New York (EDT, UTC-4).
START = dt.datetime(2026, 3, 16, 14, 0, tzinfo=UTC)
ACTOR = Actor.system(via="test")


class Crash(BaseException):
    """The process dies: not an Exception, so nothing in send_reminders catches it."""


class BrokenEmailBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server down")


@pytest.fixture
def clinic(clinic):
    clinic.phone = "+1 718 555 0100"
    clinic.email = "desk@clinic-x.test"
    clinic.save()
    return clinic


@pytest.fixture
def service(clinic, clinician):
    return consult_service(clinic, clinician, location=clinic.locations.first())


def book(patient, service, start=START, at=BOOKED_AT, **values):
    with time_machine.travel(at, tick=False):
        appointment, _ = do_book_appointment(
            ACTOR, patient=patient, service=service, start=start, **values
        )
    return appointment


def run(at, **options):
    out = io.StringIO()
    with time_machine.travel(at, tick=False):
        call_command("send_reminders", stdout=out, **options)
    return out.getvalue()


def sent_audits():
    return AuditEvent.objects.filter(code=Event.REMINDER_SENT)


def test_it_sends_the_48h_reminder_once_however_often_it_runs(patient_a, service):
    appointment = book(patient_a, service, reason="Painful flare on both hands")
    due = START - dt.timedelta(hours=48)

    assert "0 sent" in run(due - dt.timedelta(minutes=1))
    assert mail.outbox == []

    assert "Reminders: 1 sent, 0 failed, 0 skipped." in run(due)
    assert "Reminders: 0 sent, 0 failed, 0 skipped." in run(due + dt.timedelta(minutes=5))
    run(due + dt.timedelta(hours=1))

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["patient@x.test"]
    row = Reminder.objects.get()
    assert (row.appointment, row.offset_hours, row.channel) == (appointment, 48, "email")
    assert row.status == Reminder.Status.SENT
    assert row.sent_at == due
    event = sent_audits().get()
    assert event.actor is None and event.via == "cli"
    assert event.patient == patient_a
    assert event.payload == {"offset_hours": 48, "channel": "email", "attempt": 1}


def test_it_sends_the_2h_reminder_at_its_own_time(patient_a, service):
    book(patient_a, service)
    run(START - dt.timedelta(hours=47))
    run(START - dt.timedelta(hours=2, minutes=1))
    assert len(mail.outbox) == 1

    run(START - dt.timedelta(hours=2))
    run(START - dt.timedelta(hours=1))

    assert len(mail.outbox) == 2
    # Inside the clinic's 24-hour window the link can only cancel, and late.
    assert "To reschedule or cancel" in mail.outbox[0].body
    assert "recorded as late" not in mail.outbox[0].body
    assert "recorded as late" in mail.outbox[1].body
    assert "To reschedule or cancel" not in mail.outbox[1].body
    assert sorted(Reminder.objects.values_list("offset_hours", "status")) == [
        (2, "sent"),
        (48, "sent"),
    ]


def test_the_email_says_what_where_and_when_and_nothing_clinical(patient_a, service, settings):
    settings.SITE_URL = "https://clinic.example.org"
    appointment = book(patient_a, service, reason="Painful flare on both hands")
    run(START - dt.timedelta(hours=48))

    message = mail.outbox[0]
    html = message.alternatives[0][0]
    assert message.alternatives[0][1] == "text/html"
    assert "Clinic X" in message.subject
    assert "Mon 16 Mar 10:00 EDT" in message.subject
    for text in (message.body, html):
        assert "Consultation" in text
        assert "Monday 16 March 2026 at 10:00 (EDT)" in text
        assert "Main, Brooklyn" in text
        assert "+1 718 555 0100" in text
        assert "desk@clinic-x.test" in text
    for secret in ("Consultation", "Painful", "Alice", "Adams", patient_a.mrn):
        assert secret not in message.subject
    for secret in ("Painful", "flare", patient_a.mrn, "Adams"):
        assert secret not in message.body
        assert secret not in html
    assert message.reply_to == ["desk@clinic-x.test"]

    link = next(w for w in message.body.split() if w.startswith("https://clinic.example.org/"))
    assert f'href="{link}"' in html
    match = resolve(urlsplit(link).path)
    token = next(iter(match.kwargs.values()))
    with time_machine.travel(START - dt.timedelta(hours=48), tick=False):
        assert appointment_for_token(token) == appointment


def test_a_48h_reminder_counts_real_hours_across_the_dst_change(patient_a, service):
    # New York springs forward on Sunday 8 March 2026. Monday 9 March 10:00 EDT is
    # 14:00 UTC; 48 hours before is Saturday 7 March 14:00 UTC, which is 09:00 EST.
    start = dt.datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
    book(patient_a, service, start=start)

    run(dt.datetime(2026, 3, 7, 13, 59, tzinfo=UTC))
    assert mail.outbox == []

    run(dt.datetime(2026, 3, 7, 14, 0, tzinfo=UTC))
    assert len(mail.outbox) == 1
    assert "Monday 9 March 2026 at 10:00 (EDT)" in mail.outbox[0].body


def test_it_uses_the_clinics_offsets(patient_a, service, clinic):
    clinic.reminder_offsets = "24"
    clinic.save()
    book(patient_a, service)

    run(START - dt.timedelta(hours=47))
    assert mail.outbox == []
    run(START - dt.timedelta(hours=24))
    run(START - dt.timedelta(hours=2))

    assert len(mail.outbox) == 1
    assert list(Reminder.objects.values_list("offset_hours", "status")) == [(24, "sent")]


def test_a_late_booking_skips_the_reminders_whose_time_had_passed(patient_a, service):
    service.min_notice_hours = 0
    service.save()
    book(patient_a, service, at=START - dt.timedelta(hours=10))

    out = run(START - dt.timedelta(hours=10) + dt.timedelta(minutes=5))

    assert "Reminders: 0 sent, 0 failed, 1 skipped." in out
    assert mail.outbox == []
    skipped = Reminder.objects.get(offset_hours=48)
    assert skipped.status == Reminder.Status.SKIPPED
    assert skipped.error == reminders.BOOKED_LATER

    run(START - dt.timedelta(hours=2))
    assert len(mail.outbox) == 1
    assert Reminder.objects.get(offset_hours=2).status == Reminder.Status.SENT


def test_after_an_outage_only_the_latest_due_reminder_goes(patient_a, service):
    book(patient_a, service)

    out = run(START - dt.timedelta(minutes=90))

    assert "Reminders: 1 sent, 0 failed, 1 skipped." in out
    assert len(mail.outbox) == 1
    assert Reminder.objects.get(offset_hours=48).error == reminders.SUPERSEDED


def test_reminders_not_sent_before_the_start_are_recorded_as_skipped(patient_a, service):
    book(patient_a, service)

    out = run(START + dt.timedelta(minutes=10))

    assert "0 sent, 0 failed, 2 skipped" in out
    assert mail.outbox == []
    assert set(Reminder.objects.values_list("status", "error")) == {
        (Reminder.Status.SKIPPED, reminders.STARTED)
    }


def test_cancelled_appointments_get_no_reminder(patient_a, service):
    appointment = book(patient_a, service)
    with time_machine.travel(BOOKED_AT + dt.timedelta(days=1), tick=False):
        do_cancel_appointment(ACTOR, appointment)

    run(START - dt.timedelta(hours=48))
    run(START - dt.timedelta(hours=2))

    assert mail.outbox == []
    assert not Reminder.objects.exists()


def test_a_cancellation_after_the_first_reminder_stops_the_second(patient_a, service):
    appointment = book(patient_a, service)
    run(START - dt.timedelta(hours=48))
    with time_machine.travel(START - dt.timedelta(hours=30), tick=False):
        do_cancel_appointment(ACTOR, appointment)

    run(START - dt.timedelta(hours=2))

    assert len(mail.outbox) == 1


def test_patients_without_email_get_none(clinic, service):
    no_email = make_patient(clinic, given_name="No", family_name="Mail")
    book(no_email, service)

    run(START - dt.timedelta(hours=48))

    assert mail.outbox == []
    assert not Reminder.objects.exists()


def test_sms_goes_through_the_backend_when_the_clinic_wants_it(
    patient_a, service, clinic, settings
):
    clinic.sms_reminders = True
    clinic.save()
    patient_a.phone = "+1 917 555 0199"
    patient_a.save()
    book(patient_a, service)

    out = run(START - dt.timedelta(hours=48))

    assert "2 sent" in out
    assert len(mail.outbox) == 1
    assert len(sms.outbox) == 1
    text = sms.outbox[0]
    assert text.to == "+1 917 555 0199"
    assert "Clinic X" in text.body and "Mon 16 Mar 10:00 EDT" in text.body
    assert settings.SITE_URL + "/" in text.body  # the manage link
    assert "Consultation" not in text.body  # lock screens show texts to anyone nearby
    assert sorted(Reminder.objects.values_list("channel", flat=True)) == ["email", "sms"]
    assert {e.payload["channel"] for e in sent_audits()} == {"email", "sms"}

    run(START - dt.timedelta(hours=47))
    assert len(sms.outbox) == 1


def test_no_sms_when_the_clinic_has_it_off(patient_a, service):
    patient_a.phone = "+1 917 555 0199"
    patient_a.save()
    book(patient_a, service)

    run(START - dt.timedelta(hours=48))

    assert sms.outbox == []
    assert list(Reminder.objects.values_list("channel", flat=True)) == ["email"]


def test_a_failed_send_is_retried_up_to_the_limit(patient_a, service, settings):
    settings.EMAIL_BACKEND = "ldnclinic.scheduling.tests.test_reminders.BrokenEmailBackend"
    book(patient_a, service)
    due = START - dt.timedelta(hours=48)

    out = run(due)
    assert "Reminders: 0 sent, 1 failed, 0 skipped." in out
    row = Reminder.objects.get()
    assert row.status == Reminder.Status.FAILED
    assert "SMTP server down" in row.error
    failure = AuditEvent.objects.get(code=Event.REMINDER_FAILED)
    assert failure.payload["will_retry"] is True

    for minutes in (5, 10, 15, 20):
        run(due + dt.timedelta(minutes=minutes))
    row.refresh_from_db()
    assert row.attempts == reminders.MAX_ATTEMPTS
    assert row.status == Reminder.Status.FAILED
    assert AuditEvent.objects.filter(code=Event.REMINDER_FAILED).count() == 3

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run(due + dt.timedelta(minutes=25))
    assert mail.outbox == []


def test_a_retry_that_works_marks_it_sent(patient_a, service, settings):
    settings.EMAIL_BACKEND = "ldnclinic.scheduling.tests.test_reminders.BrokenEmailBackend"
    book(patient_a, service)
    due = START - dt.timedelta(hours=48)
    run(due)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert "1 sent" in run(due + dt.timedelta(minutes=5))

    row = Reminder.objects.get()
    assert (row.status, row.attempts, row.error) == (Reminder.Status.SENT, 2, "")
    assert sent_audits().get().payload["attempt"] == 2


def test_a_crash_after_the_claim_never_sends_that_reminder_twice(
    patient_a, patient_b, clinic, service, monkeypatch
):
    third = make_patient(clinic, given_name="Cy", family_name="Cole", email="cy@x.test")
    first = book(patient_a, service, start=START - dt.timedelta(hours=1))
    second = book(patient_b, service, start=START)
    last = book(third, service, start=START + dt.timedelta(hours=1))
    real_send = reminders._send
    calls = []

    def send_then_die(reminder, now):
        calls.append(reminder.appointment)
        if len(calls) == 2:
            raise Crash
        real_send(reminder, now)

    monkeypatch.setattr(reminders, "_send", send_then_die)
    with pytest.raises(Crash):
        run(START - dt.timedelta(hours=47))
    monkeypatch.setattr(reminders, "_send", real_send)

    assert [m.to for m in mail.outbox] == [["patient@x.test"]]
    stuck = Reminder.objects.get(appointment=second)
    assert stuck.status == Reminder.Status.SENDING
    assert not Reminder.objects.filter(appointment=last).exists()

    # The next run, minutes later, sends the rest but not the claimed one.
    run(START - dt.timedelta(hours=47) + dt.timedelta(minutes=5))
    assert [m.to for m in mail.outbox] == [["patient@x.test"], ["cy@x.test"]]
    stuck.refresh_from_db()
    assert stuck.status == Reminder.Status.SENDING

    # Once stale, it is closed as possibly sent, audited, and still not resent.
    out = run(START - dt.timedelta(hours=47) + reminders.STALE_CLAIM + dt.timedelta(minutes=1))
    assert "0 sent, 0 failed, 1 skipped" in out
    stuck.refresh_from_db()
    assert (stuck.status, stuck.error) == (Reminder.Status.SKIPPED, reminders.INTERRUPTED)
    failure = AuditEvent.objects.get(code=Event.REMINDER_FAILED)
    assert failure.payload["will_retry"] is False
    assert failure.subject_id == str(second.pk)
    run(START - dt.timedelta(hours=40))
    assert len(mail.outbox) == 2
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == 2
    assert first.pk != second.pk


def test_a_moved_appointment_is_reminded_of_its_new_time(patient_a, service):
    appointment = book(patient_a, service)
    run(START - dt.timedelta(hours=48))
    new_start = START + dt.timedelta(days=2)  # Wednesday 18 March, 10:00 EDT
    with time_machine.travel(START - dt.timedelta(hours=40), tick=False):
        do_reschedule_appointment(ACTOR, appointment, start=new_start)

    run(START - dt.timedelta(hours=39))
    assert len(mail.outbox) == 1  # nothing due yet for the new time

    out = run(new_start - dt.timedelta(hours=48))

    assert "1 sent" in out
    assert len(mail.outbox) == 2
    assert "Wednesday 18 March 2026 at 10:00 (EDT)" in mail.outbox[1].body
    row = Reminder.objects.get(offset_hours=48)
    assert row.status == Reminder.Status.SENT
    assert row.claimed_at == new_start - dt.timedelta(hours=48)
    run(new_start - dt.timedelta(hours=47))
    assert len(mail.outbox) == 2


def test_a_move_to_within_48h_skips_the_48h_reminder_for_the_new_time(patient_a, service):
    appointment = book(patient_a, service)
    run(START - dt.timedelta(hours=48))
    new_start = START + dt.timedelta(days=1)  # Tuesday 17 March, 10:00 EDT
    with time_machine.travel(START - dt.timedelta(hours=1), tick=False):
        do_reschedule_appointment(ACTOR, appointment, start=new_start)

    run(START - dt.timedelta(minutes=50))
    run(new_start - dt.timedelta(hours=2))

    assert len(mail.outbox) == 2
    assert "Tuesday 17 March" in mail.outbox[1].body
    assert Reminder.objects.get(offset_hours=48).error == reminders.BOOKED_LATER
    assert Reminder.objects.get(offset_hours=2).status == Reminder.Status.SENT


def test_dry_run_sends_and_records_nothing(patient_a, service):
    appointment = book(patient_a, service)

    out = run(START - dt.timedelta(hours=48), dry_run=True)

    assert f"Would send: email reminder 48 h before appointment {appointment.pk}" in out
    assert "Dry run: 1 to send, 0 to skip; nothing was sent or recorded." in out
    assert mail.outbox == []
    assert not Reminder.objects.exists()
    assert not sent_audits().exists()


def test_now_decides_what_is_due(patient_a, service):
    book(patient_a, service)

    out = run(BOOKED_AT + dt.timedelta(hours=1), now="2026-03-14T10:00:00-04:00")

    assert "1 sent" in out
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("value", "message"),
    [("tomorrow", "not an ISO 8601"), ("2026-03-14T10:00:00", "UTC offset")],
)
def test_now_must_be_an_aware_iso_time(value, message, db):
    with pytest.raises(CommandError, match=message):
        call_command("send_reminders", now=value, stdout=io.StringIO())


# The rule itself, without the database.
T = dt.datetime(2026, 3, 16, 14, 0, tzinfo=UTC)
H = dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("anchor", "now", "expected"),
    [
        (T - 100 * H, T - 49 * H, []),
        (T - 100 * H, T - 48 * H, [(48, "")]),
        (T - 100 * H, T - 3 * H, [(48, "")]),
        (T - 100 * H, T - 2 * H, [(48, reminders.SUPERSEDED), (2, "")]),
        (T - 10 * H, T - 9 * H, [(48, reminders.BOOKED_LATER)]),
        (T - 10 * H, T - 1 * H, [(48, reminders.BOOKED_LATER), (2, "")]),
        (T - H, T - H / 2, [(48, reminders.BOOKED_LATER), (2, reminders.BOOKED_LATER)]),
        (T - 100 * H, T, [(48, reminders.STARTED), (2, reminders.STARTED)]),
    ],
)
def test_reminder_moments(anchor, now, expected):
    assert reminders.reminder_moments(T, [2, 48], anchor, now) == expected


def test_a_clinic_with_unreadable_offsets_does_not_stop_the_others(
    patient_a, service, other_clinic
):
    type(other_clinic).objects.filter(pk=other_clinic.pk).update(reminder_offsets="soon")
    book(patient_a, service)

    out = run(START - dt.timedelta(hours=48))

    assert f"Clinic {other_clinic.pk}: unreadable reminder offsets 'soon'." in out
    assert "1 sent" in out


def test_planning_takes_a_fixed_number_of_queries(clinic, service):
    first = START - dt.timedelta(hours=1)  # Monday 09:00 EDT
    booked = []

    def queries_for(count):
        while len(booked) < count:
            index = len(booked)
            patient = make_patient(
                clinic, given_name=f"P{index}", family_name="Q", email=f"p{index}@x.test"
            )
            booked.append(book(patient, service, start=first + dt.timedelta(minutes=45 * index)))
        with CaptureQueriesContext(connection) as queries:
            out = run(booked[-1].start - dt.timedelta(hours=48), dry_run=True)
        assert f"Dry run: {count} to send" in out
        return len(queries)

    assert queries_for(1) == queries_for(4) == 4
