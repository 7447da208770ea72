"""Two first saves of the same day at once (two connections, PostgreSQL): one row, both
saves applied, no error."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection, connections

from ldnclinic.audit.log import Actor
from ldnclinic.diary import actions
from ldnclinic.diary.models import DiaryEntry

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs two real connections (PostgreSQL)"
)
def test_two_first_saves_at_once_make_one_entry(patient_a, users, monkeypatch):
    real = actions.existing_entry
    barrier = threading.Barrier(2, timeout=10)
    seen = threading.local()

    calls = []

    def both_look_first(patient, day):
        calls.append(day)
        found = real(patient, day)
        if not getattr(seen, "waited", False):
            seen.waited = True
            barrier.wait()  # both have looked and found nothing; both now insert
        return found

    monkeypatch.setattr(actions, "existing_entry", both_look_first)
    errors = []

    def save(values):
        try:
            actions.do_save_diary_entry(
                Actor(user=users["patient"], ip=None, via="test"),
                patient_a,
                date=dt.date(2026, 3, 10),
                **values,
            )
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=save, args=({"insomnia": 2},)),
        threading.Thread(target=save, args=({"itch_nrs": 7},)),
    ]
    with time_machine.travel(NOW, tick=False):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
    assert not errors, errors
    assert len(calls) == 3  # the loser looked again and edited the winner's row
    entry = DiaryEntry.objects.get(patient=patient_a)
    assert (entry.insomnia, entry.itch_nrs) == (2, 7)
