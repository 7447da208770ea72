"""Issue 3's acceptance journey: a new patient books an LDN consultation on the public page,
receives the email with the .ics and the manage link, moves the appointment through that
link, and the front desk sees it at its new time on the calendar.

Runs on the demo clinic (`seed_demo`) with the clock fixed on a Wednesday morning.
"""

import datetime as dt
import io
import re
from urllib.parse import urlsplit

import icalendar
import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from playwright.sync_api import expect

from ldnclinic.accounts.models import Clinic
from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.core.management.commands.seed_demo import DEMO_PASSWORD
from ldnclinic.patients.models import Patient
from ldnclinic.scheduling.models import Appointment, BookingSource

pytestmark = pytest.mark.browser

NOW = dt.datetime(2026, 11, 25, 15, 40, tzinfo=dt.UTC)  # Wednesday 10:40 in New York
EMAIL = "amelia.hart@example.org"
MANAGE_LINK = re.compile(r"https?://\S+/booking/[^/\s]+/")


@pytest.fixture
def demo(transactional_db):
    cache.clear()  # the public booking rate limit counts per address in the cache
    with time_machine.travel(NOW, tick=True):
        call_command("seed_demo", stdout=io.StringIO())
        yield Clinic.objects.get(slug="demo")


def settled(page):
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling,"
        " .htmx-added')"
    )


def path_of(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def only_email_to(address, subject_word):
    found = [m for m in mail.outbox if address in m.to and subject_word in m.subject.lower()]
    assert len(found) == 1, [(m.to, m.subject) for m in mail.outbox]
    return found[0]


def ics_event(message):
    (attachment,) = [a for a in message.attachments if a[0].endswith(".ics")]
    _, content, mimetype = attachment
    assert mimetype.startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(content)
    (event,) = calendar.walk("VEVENT")
    return event


def test_a_new_patient_books_online_and_moves_it_and_the_desk_sees_it(open_browser, demo):
    tz = demo.tz
    assert not Patient.objects.filter(email=EMAIL).exists()

    # The public page: no account, service, first available, a time, details, confirm.
    visitor = open_browser("newpatient")
    page = visitor.page
    page.goto("/book/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Book at {demo.name}")
    visitor.look("services", axe=True)
    page.get_by_role("link", name="See free times for LDN consultation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("LDN consultation: choose a time")
    settled(page)
    visitor.look("slots", axe=True)
    first_slot = page.locator("a.slot").first
    first_slot.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")
    page.get_by_label("First name").fill("Amelia")
    page.get_by_label("Last name").fill("Hart")
    page.get_by_label("Date of birth").fill("1988-03-14")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Phone").fill("+1 212 555 0143")
    page.get_by_label("What would you like help with?").select_option(label="Psoriasis")
    page.get_by_label("Anything else we should know").fill("Plaques on elbows since 2019")
    page.get_by_role("button", name="Confirm booking").click()
    # Bad input first: the wrong email and the unticked notice are named, nothing booked.
    expect(page.get_by_text("Enter a valid email address, like name@example.com.")).to_be_visible()
    expect(page.get_by_text("Tick the box to agree to the privacy notice")).to_be_visible()
    visitor.look("details-errors", axe=True)
    assert not Appointment.objects.filter(patient__family_name="Hart").exists()

    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("I have read the privacy notice").check()
    visitor.look("details", axe=True)
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are booked")
    visitor.look("booked", axe=True)

    booking = Appointment.objects.get(patient__email=EMAIL)
    assert booking.source == BookingSource.ONLINE
    assert booking.service.slug == "ldn-consultation"
    assert booking.identity_review == ""  # a new patient, nobody to mix up

    # The email: service, time and place, an .ics for the same time, the manage link; no
    # clinical words (the condition and the reason stay in the clinic).
    confirmation = only_email_to(EMAIL, "")
    event = ics_event(confirmation)
    assert event.decoded("dtstart") == booking.start
    bodies = [confirmation.body] + [alt[0] for alt in confirmation.alternatives]
    for text in [confirmation.subject, *bodies, event.to_ical().decode()]:
        assert "soriasis" not in text and "elbows" not in text
    manage_url = MANAGE_LINK.search(confirmation.body).group(0)

    # Through the link: choose another time the next week, move.
    mail.outbox.clear()
    page.goto(path_of(manage_url))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your appointment")
    visitor.look("manage", axe=True)
    page.get_by_role("link", name="Choose another time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Move your appointment")
    settled(page)
    page.get_by_role("link", name=re.compile("Later week")).click()
    settled(page)
    page.locator("a.slot").nth(2).click()
    expect(page.get_by_role("heading", name=re.compile("^Move to"))).to_be_visible()
    visitor.look("move-confirm", axe=True)
    page.get_by_role("button", name="Move my appointment").click()
    page.wait_for_load_state()
    visitor.look("moved", axe=True)

    old_start = booking.start
    booking.refresh_from_db()
    assert booking.start > old_start + dt.timedelta(days=1)
    assert AuditEvent.objects.filter(
        code=Event.APPOINTMENT_RESCHEDULED, subject_id=str(booking.pk)
    ).exists()
    moved_email = only_email_to(EMAIL, "")
    assert ics_event(moved_email).decoded("dtstart") == booking.start
    new_manage_url = MANAGE_LINK.search(moved_email.body).group(0)
    assert new_manage_url != manage_url

    # The first link was replaced by the move: it says so instead of showing stale facts.
    response = page.goto(path_of(manage_url))
    assert response.status == 410
    expect(page.get_by_text("replaced")).to_be_visible()
    visitor.look("old-link")

    # The front desk opens the calendar on that day and finds Amelia at the new time.
    desk = open_browser("frontdesk")
    desk.log_in("frontdesk@demo.ldnclinic.test", DEMO_PASSWORD)
    desk.page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar").click()
    expect(desk.page.get_by_role("heading", level=1)).to_have_text("Wednesday, 25 November 2026")
    local = booking.start.astimezone(tz)
    desk.page.goto(f"/calendar/?view=day&date={local:%Y-%m-%d}")
    block = desk.page.locator(f'[data-appointment="{booking.pk}"]')
    expect(block).to_contain_text("Hart")
    expect(block).to_contain_text(f"{local:%H:%M}")
    settled(desk.page)
    desk.look("calendar-moved", axe=True)
