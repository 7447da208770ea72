"""Two send_reminders runs at once, each on its own database connection: the unique
insert of the claim decides, and no reminder goes out twice. Runs on SQLite and, with
DATABASE_URL, on PostgreSQL."""

import datetime as dt
import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient
from ldnclinic.scheduling import reminders
from ldnclinic.scheduling.actions import do_book_appointment
from ldnclinic.scheduling.models import Reminder
from ldnclinic.scheduling.tests.conftest import consult_service

pytestmark = pytest.mark.django_db(transaction=True)

UTC = dt.UTC
START = dt.datetime(2026, 3, 16, 13, 0, tzinfo=UTC)  # Monday 09:00 EDT


@pytest.fixture
def appointments(clinic, clinician):
    service = consult_service(clinic, clinician)
    booked = []
    with time_machine.travel(dt.datetime(2026, 3, 2, 12, tzinfo=UTC), tick=False):
        for index in range(4):
            patient = make_patient(
                clinic, given_name=f"P{index}", family_name="Race", email=f"p{index}@x.test"
            )
            appointment, _ = do_book_appointment(
                Actor.system(via="test"),
                patient=patient,
                service=service,
                start=START + dt.timedelta(minutes=45 * index),
            )
            booked.append(appointment)
    mail.outbox.clear()  # the booking confirmations
    return booked


def reminder_emails():
    return [m for m in mail.outbox if m.subject.startswith("Appointment reminder")]


def race(monkeypatch, runs=2):
    """Start `runs` send_reminders at once; each plans, then all claim together."""
    barrier = threading.Barrier(runs, timeout=30)
    real_claim = reminders._claim
    waited = threading.local()

    def claim_together(step, clock):
        if not getattr(waited, "done", False):
            waited.done = True
            barrier.wait()  # every run has planned the same reminders by now
        return real_claim(step, clock)

    monkeypatch.setattr(reminders, "_claim", claim_together)
    summaries, errors = [], []

    def one_run():
        try:
            summaries.append(reminders.send_reminders(log=lambda line: None))
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
            barrier.abort()
        finally:
            connection.close()

    with time_machine.travel(START - dt.timedelta(hours=44), tick=False):
        threads = [threading.Thread(target=one_run) for _ in range(runs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert errors == []
    return summaries


def test_two_runs_at_once_send_each_reminder_once(appointments, monkeypatch):
    summaries = race(monkeypatch)

    assert len(summaries) == 2
    assert sum(s.sent for s in summaries) == 4
    assert sorted(m.to[0] for m in reminder_emails()) == [f"p{i}@x.test" for i in range(4)]
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == 4
    assert AuditEvent.objects.filter(code=Event.REMINDER_SENT).count() == 4


def test_three_runs_at_once_retry_a_failure_once(appointments, monkeypatch, settings):
    settings.EMAIL_BACKEND = "ldnclinic.scheduling.tests.test_reminders.BrokenEmailBackend"
    with time_machine.travel(START - dt.timedelta(hours=44, minutes=5), tick=False):
        reminders.send_reminders(log=lambda line: None)
    assert Reminder.objects.filter(status=Reminder.Status.FAILED, attempts=1).count() == 4

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    summaries = race(monkeypatch, runs=3)

    assert sum(s.sent for s in summaries) == 4
    assert len(reminder_emails()) == 4
    assert Reminder.objects.filter(status=Reminder.Status.SENT, attempts=2).count() == 4
