"""A clinician subscribes a calendar app to their private feed: from the account page to
the feed page, creates the URL (shown once), a calendar app reads it, then revokes it."""

import datetime as dt
import re
from urllib.parse import urlsplit

import icalendar
import pytest
from playwright.sync_api import expect

from ldnclinic.accounts.models import Membership
from ldnclinic.scheduling.models import Appointment, Service

pytestmark = pytest.mark.browser


def test_clinician_subscribes_to_and_revokes_a_calendar_feed(
    open_browser, clinic, users, patient_a, live_server
):
    clinician = Membership.objects.get(user=users["clinician"])
    service = Service.objects.create(
        clinic=clinic, name="LDN follow-up", slug="ldn-follow-up", duration_minutes=20
    )
    start = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).replace(microsecond=0)
    Appointment.objects.create(
        clinic=clinic,
        patient=patient_a,
        service=service,
        practitioner=clinician,
        start=start,
        end=start + dt.timedelta(minutes=20),
        blocked_start=start,
        blocked_end=start + dt.timedelta(minutes=20),
    )
    visitor = open_browser("clinician")
    page = visitor.page
    visitor.log_in("clinician@x.test")

    page.goto("/account/")
    page.get_by_role("link", name="Manage your calendar feed").click()
    expect(page.get_by_role("heading", name="Calendar feed", level=1)).to_be_visible()
    expect(page.get_by_text("You have no working feed.")).to_be_visible()
    visitor.look("no-feed", axe=True)

    page.get_by_role("button", name="Create a feed URL").click()
    expect(page.get_by_role("heading", name="Your new feed URL")).to_be_visible()
    url = page.locator("#feed-url").inner_text()
    assert re.search(r"/feeds/[\w-]{40,}\.ics$", url)
    visitor.look("feed-created", axe=True)

    feed_path = urlsplit(url).path
    response = page.request.get(live_server.url + feed_path)
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(response.body()).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == [f"LDN follow-up — AA ({patient_a.mrn})"]

    page.goto("/account/calendar-feed/")
    expect(page.locator("#feed-url")).to_have_count(0)  # shown once only
    expect(page.get_by_text(re.compile("last read by a calendar app: 20"))).to_be_visible()
    page.get_by_role("button", name="Revoke the feed").click()
    expect(page.get_by_text("Feed revoked")).to_be_visible()
    visitor.look("revoked", axe=True)
    assert page.request.get(live_server.url + feed_path).status == 404
