"""Private calendar feeds: created and revoked by the staff member alone, shown once,
read without a login by calendar apps, patients by initials and MRN only."""

import datetime as dt
import hashlib
import re
from urllib.parse import urlsplit

import icalendar
import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ldnclinic.accounts.models import Membership
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient
from ldnclinic.scheduling import feeds
from ldnclinic.scheduling.models import Appointment, CalendarFeed, Service

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def service(clinic, clinician):
    service = Service.objects.create(
        clinic=clinic, name="LDN follow-up", slug="ldn-follow-up", duration_minutes=20
    )
    service.practitioners.add(clinician)
    return service


def add_appointment(patient, service, practitioner, start, **values):
    return Appointment.objects.create(
        clinic=service.clinic,
        patient=patient,
        service=service,
        practitioner=practitioner,
        location=service.clinic.locations.first(),
        start=start,
        end=start + dt.timedelta(minutes=20),
        blocked_start=start,
        blocked_end=start + dt.timedelta(minutes=20),
        reason="Flare after stopping naltrexone",
        **values,
    )


def create_feed(client):
    response = client.post(reverse("calendar_feed_create"))
    assert response.status_code == 200
    match = re.search(r'id="feed-url">([^<]+)<', response.content.decode())
    return match.group(1)


def path_of(url):
    return urlsplit(url).path


def test_it_creates_a_feed_shown_once_and_stores_only_its_hash(client_for, clinician):
    client = client_for("clinician")

    url = create_feed(client)

    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.get()
    assert feed.practitioner == clinician
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert len(token) >= 40
    page = client.get(reverse("calendar_feed")).content.decode()
    assert token not in page
    assert "Working" in page
    event = AuditEvent.objects.get(code=Event.CALENDAR_FEED_CREATED)
    assert (event.actor.email, event.clinic_id) == ("clinician@x.test", clinician.clinic_id)


def test_the_feed_lists_the_practitioners_appointments_in_its_window(
    client_for, clinician, service, patient_a, patient_b, users
):
    soon = add_appointment(patient_a, service, clinician, NOW + dt.timedelta(days=2))
    past = add_appointment(patient_b, service, clinician, NOW - dt.timedelta(days=20))
    cancelled = add_appointment(
        patient_b,
        service,
        clinician,
        NOW + dt.timedelta(days=3),
        status="cancelled",
        cancelled_at=NOW - dt.timedelta(days=1),
    )
    add_appointment(  # cancelled long ago: calendars have dropped it already
        patient_b,
        service,
        clinician,
        NOW + dt.timedelta(days=4),
        status="cancelled",
        cancelled_at=NOW - dt.timedelta(days=20),
    )
    add_appointment(patient_a, service, clinician, NOW - dt.timedelta(days=31))
    add_appointment(patient_a, service, clinician, NOW + dt.timedelta(days=181))
    colleague = Membership.objects.get(user=users["admin"])
    add_appointment(patient_a, service, colleague, NOW + dt.timedelta(days=2, hours=1))
    url = create_feed(client_for("clinician"))

    response = client_for("anonymous").get(path_of(url))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}

    def uid(pk):
        return f"appointment-{pk}@{settings.ICAL_UID_DOMAIN}"

    assert set(events) == {uid(soon.pk), uid(past.pk), uid(cancelled.pk)}
    assert str(events[uid(cancelled.pk)]["status"]) == "CANCELLED"
    assert str(events[uid(soon.pk)]["status"]) == "CONFIRMED"
    assert events[uid(soon.pk)].decoded("dtstart") == soon.start
    assert str(events[uid(soon.pk)]["summary"]) == f"LDN follow-up — AA ({patient_a.mrn})"
    text = response.content.decode()
    for private in ("Alice", "Adams", "Bob", "Brown", "patient@x.test", "naltrexone"):
        assert private not in text


def test_a_read_is_audited_and_noted(client_for, clinician, service, patient_a):
    add_appointment(patient_a, service, clinician, NOW + dt.timedelta(days=2))
    url = create_feed(client_for("clinician"))

    client_for("anonymous").get(path_of(url), REMOTE_ADDR="203.0.113.9")

    feed = CalendarFeed.objects.get()
    assert feed.last_read_at == NOW
    event = AuditEvent.objects.get(code=Event.CALENDAR_FEED_READ)
    assert event.actor is None
    assert event.via == "feed"
    assert event.source_ip == "203.0.113.9"
    assert event.clinic_id == clinician.clinic_id
    assert event.payload == {"practitioner": clinician.pk, "appointments": 1}


def test_a_revoked_feed_is_gone(client_for, clinician):
    client = client_for("clinician")
    url = create_feed(client)

    response = client.post(reverse("calendar_feed_revoke"))

    assert response.status_code == 302
    assert client_for("anonymous").get(path_of(url)).status_code == 404
    assert CalendarFeed.objects.get().revoked_at == NOW
    assert AuditEvent.objects.filter(code=Event.CALENDAR_FEED_REVOKED).count() == 1
    assert "no working feed" in client.get(reverse("calendar_feed")).content.decode()


def test_a_new_url_replaces_the_old_one(client_for):
    client = client_for("clinician")
    old = create_feed(client)

    new = create_feed(client)

    anonymous = client_for("anonymous")
    assert anonymous.get(path_of(old)).status_code == 404
    assert anonymous.get(path_of(new)).status_code == 200
    assert CalendarFeed.objects.filter(revoked_at__isnull=True).count() == 1
    revoked = AuditEvent.objects.get(code=Event.CALENDAR_FEED_REVOKED)
    assert revoked.payload["reason"] == "replaced"


@pytest.mark.parametrize("token", ["unknown", "x" * 43, "a" * 150])
def test_unknown_tokens_are_404(client_for, token, db):
    response = client_for("anonymous").get(reverse("calendar_feed_ics", args=[token]))
    assert response.status_code == 404


def test_a_deactivated_staff_members_feed_stops(client_for, clinician):
    url = create_feed(client_for("clinician"))
    clinician.is_active = False
    clinician.save()

    assert client_for("anonymous").get(path_of(url)).status_code == 404


def test_colleagues_cannot_revoke_or_see_anothers_feed(client_for, clinician):
    url = create_feed(client_for("clinician"))

    for persona in ("admin", "frontdesk", "other_staff"):
        client = client_for(persona)
        assert client.post(reverse("calendar_feed_revoke")).status_code == 302
        assert "You have no working feed" in client.get(reverse("calendar_feed")).content.decode()

    assert client_for("anonymous").get(path_of(url)).status_code == 200
    assert CalendarFeed.objects.get().revoked_at is None


def test_another_clinics_staff_feed_holds_none_of_this_clinics_appointments(
    client_for, clinician, service, patient_a
):
    add_appointment(patient_a, service, clinician, NOW + dt.timedelta(days=2))

    url = create_feed(client_for("other_staff"))

    calendar = icalendar.Calendar.from_ical(client_for("anonymous").get(path_of(url)).content)
    assert calendar.walk("VEVENT") == []
    assert "Clinic Y" in str(calendar["x-wr-calname"])


@pytest.mark.parametrize("persona", ["patient", "patient2"])
def test_patients_have_no_feed(client_for, persona):
    client = client_for(persona)
    assert client.get(reverse("calendar_feed")).status_code == 404
    assert client.post(reverse("calendar_feed_create")).status_code == 404
    assert client.post(reverse("calendar_feed_revoke")).status_code == 404
    assert not CalendarFeed.objects.exists()


def test_the_feed_needs_a_post_to_change(client_for):
    client = client_for("clinician")
    assert client.get(reverse("calendar_feed_create")).status_code == 405
    assert client.get(reverse("calendar_feed_revoke")).status_code == 405
    assert not CalendarFeed.objects.exists()


def test_the_account_page_links_staff_to_their_feed(client_for):
    link = reverse("calendar_feed")
    assert link in client_for("frontdesk").get(reverse("account")).content.decode()
    assert link not in client_for("patient").get(reverse("account")).content.decode()


def test_reading_the_feed_takes_a_fixed_number_of_queries(client_for, clinician, service, clinic):
    url = create_feed(client_for("clinician"))
    anonymous = client_for("anonymous")

    def queries_for(count):
        for index in range(Appointment.objects.count(), count):
            patient = make_patient(clinic, given_name=f"P{index}", family_name="Q")
            appointment = add_appointment(
                patient, service, clinician, NOW + dt.timedelta(days=1, hours=index)
            )
            appointment.reason = "changed"
            appointment.save()  # a second history row: SEQUENCE 2
        with CaptureQueriesContext(connection) as queries:
            response = anonymous.get(path_of(url))
        calendar = icalendar.Calendar.from_ical(response.content)
        assert len(calendar.walk("VEVENT")) == count
        assert {int(e["sequence"]) for e in calendar.walk("VEVENT")} == {2}
        return len(queries)

    few, many = queries_for(2), queries_for(12)
    assert few == many
    assert many <= 6


def test_creating_a_feed_through_the_action_audits_the_actor(clinician):
    feed, raw = feeds.do_create_calendar_feed(Actor.system(via="test"), clinician)
    assert feeds.feed_for_token(raw) == feed
    assert feeds.do_revoke_calendar_feeds(Actor.system(via="test"), clinician) == 1
    assert feeds.feed_for_token(raw) is None
    assert feeds.do_revoke_calendar_feeds(Actor.system(via="test"), clinician) == 0
