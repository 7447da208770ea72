"""`manage.py offer_waitlist_slots`: offers free slots, expires old entries."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from ldnclinic.scheduling.models import WaitlistOffer
from ldnclinic.scheduling.tests.conftest import consult_service
from ldnclinic.scheduling.tests.test_waitlist_actions import NOW, STAFF, at, date, offer_mails
from ldnclinic.scheduling.waitlist import do_join_waitlist


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def run(*args):
    out = StringIO()
    call_command("offer_waitlist_slots", *args, stdout=out)
    return out.getvalue()


def test_it_offers_a_free_slot_and_emails_it(
    clinic, clinician, patient_a, django_capture_on_commit_callbacks
):
    service = consult_service(clinic, clinician, min_notice_hours=2)
    do_join_waitlist(
        STAFF, patient=patient_a, service=service, earliest_date=date(2), latest_date=date(4)
    )
    with django_capture_on_commit_callbacks(execute=True):
        output = run("--clinic", "clinic-x")
    assert "Waitlist: 1 offer(s) sent." in output
    offer = WaitlistOffer.objects.get()
    assert offer.start == at(2, 9)
    assert [m.to for m in offer_mails()] == [["patient@x.test"]]
    with django_capture_on_commit_callbacks(execute=True):
        assert "Waitlist: 0 offer(s) sent." in run()
    assert len(offer_mails()) == 1


def test_it_refuses_an_unknown_clinic(db):
    with pytest.raises(CommandError, match="No clinic with the slug 'nowhere'"):
        run("--clinic", "nowhere")


def test_it_offers_nothing_past_the_entries_dates(clinic, clinician, patient_a):
    service = consult_service(clinic, clinician)
    entry = do_join_waitlist(
        STAFF, patient=patient_a, service=service, earliest_date=date(1), latest_date=date(1)
    )
    with time_machine.travel(NOW + dt.timedelta(days=7), tick=False):
        run()
    entry.refresh_from_db()
    assert entry.status == "expired"
    assert WaitlistOffer.objects.count() == 0
