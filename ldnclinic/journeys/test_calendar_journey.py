"""The front desk's day on the staff calendar: open it, book a patient into a free slot,
move the booking (losing a race for a time on the way), and mark another patient arrived.

Runs on the demo clinic (`seed_demo`) at a fixed Wednesday morning, so that the week
looks the same on every run. Screenshots go to var/screenshots/; set
UPDATE_DOCS_SCREENSHOTS=1 to rewrite docs/screenshots/calendar-week.png.
"""

import datetime as dt
import io
import itertools
import os
import re

import pytest
import time_machine
from django.core.management import call_command
from playwright.sync_api import expect

from ldnclinic.accounts.models import Clinic, Membership
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.core.management.commands.seed_demo import DEMO_PASSWORD
from ldnclinic.journeys.conftest import ROOT, SCREENSHOTS, Visitor
from ldnclinic.patients.models import Patient
from ldnclinic.scheduling.actions import do_book_appointment
from ldnclinic.scheduling.availability import find_service_slots
from ldnclinic.scheduling.models import Appointment, AppointmentStatus, BookingSource, Service

pytestmark = pytest.mark.browser

# Wednesday 25 November 2026, 10:40 in New York.
NOW = dt.datetime(2026, 11, 25, 15, 40, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 25)
TOMORROW = dt.date(2026, 11, 26)
DOCS_VIEWPORT = {"width": 1440, "height": 1200}
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def demo(transactional_db):
    with time_machine.travel(NOW, tick=True):
        call_command("seed_demo", stdout=io.StringIO())
        yield Clinic.objects.get(slug="demo")


def settled(page):
    """htmx wires up swapped-in content once it has settled (20 ms later): a person is
    never that quick, a test is."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling,"
        " .htmx-added')"
    )


def free_times(service, practitioner, day):
    return [
        slot.start
        for slot in find_service_slots(service, day, day, practitioner_ids={practitioner.pk})
    ]


def test_front_desk_books_moves_and_marks_arrived(open_browser, demo):
    tz = demo.tz
    raman = Membership.objects.get(clinic=demo, user__email="clinician@demo.ldnclinic.test")
    follow_up = Service.objects.get(clinic=demo, slug="ldn-follow-up")
    daniel = Patient.objects.get(clinic=demo, email="patient2@demo.ldnclinic.test")

    desk = open_browser("frontdesk")
    page = desk.page
    desk.log_in("frontdesk@demo.ldnclinic.test", DEMO_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wednesday, 25 November 2026")
    expect(page.locator(".cal-head-title")).to_have_text(["Dr. Priya Raman", "Jordan Lee"])
    desk.look("calendar-day", axe=True)

    # The week, swapped in by htmx, the address following.
    page.evaluate("() => { window.sameDocument = true; }")
    page.get_by_role("navigation", name="Calendar view").get_by_role("link", name="Week").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("23 Nov – 29 Nov 2026")
    expect(page).to_have_url(re.compile(r"view=week"))
    assert page.evaluate("() => window.sameDocument === true")
    expect(page.locator(".cal-appt").first).to_be_visible()
    settled(page)
    desk.look("calendar-week", axe=True)
    page.set_viewport_size(DOCS_VIEWPORT)
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
        target = ROOT / "docs" / "screenshots" / "calendar-week.png"
    else:
        target = SCREENSHOTS / "calendar_journey-docs-week.png"
    page.screenshot(path=target)

    # Tomorrow, Dr. Raman: an empty quarter hour opens the booking form at that time.
    page.get_by_role("navigation", name="Calendar view").get_by_role("link", name="Day").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wednesday, 25 November 2026")
    settled(page)
    page.get_by_role("link", name="Next day").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thursday, 26 November 2026")
    settled(page)
    first_free = free_times(follow_up, raman, TOMORROW)[0].astimezone(tz)
    clock = f"{first_free:%H:%M}"
    raman_column = page.locator(".cal-col").nth(0)
    raman_column.locator(f'a.cal-cell[title="Book at {clock}"]').click()
    panel = page.locator("#calendar-panel")
    expect(panel.get_by_role("heading", name="Book an appointment")).to_be_visible()
    settled(page)
    panel.get_by_label("Service").select_option(label="LDN follow-up (20 min)")
    expect(panel.get_by_role("radio", name=clock)).to_be_checked()
    settled(page)
    panel.get_by_label("Find a patient").fill("Okafor")
    panel.get_by_role("radio", name=re.compile("Daniel Okafor")).check()
    settled(page)
    panel.get_by_label("Reason for the visit").fill("Dose review")
    desk.look("book-form", axe=True)
    panel.get_by_role("button", name="Book", exact=True).click()

    expect(panel.get_by_role("status")).to_have_text(
        f"Booked Daniel Okafor for LDN follow-up on Thu 26 Nov at {clock}."
    )
    booked = Appointment.objects.get(patient=daniel, service=follow_up, start=first_free)
    assert (booked.source, booked.practitioner) == (BookingSource.STAFF, raman)
    block = page.locator(f'[data-appointment="{booked.pk}"]')
    expect(block).to_contain_text("Daniel Okafor")  # the board refreshed itself
    settled(page)
    desk.look("booked", axe=True)

    # Move it to a later time; a colleague takes that time first.
    panel.get_by_role("link", name="Move").click()
    expect(panel.get_by_role("heading", name="Move appointment")).to_be_visible()
    settled(page)
    later = [t for t in free_times(follow_up, raman, TOMORROW) if t > first_free + HOUR]
    wanted = later[0].astimezone(tz)
    panel.get_by_role("radio", name=f"{wanted:%H:%M}").check()
    someone_else = Patient.objects.filter(clinic=demo).exclude(pk=daniel.pk).first()
    do_book_appointment(
        Actor.system(via="test"),
        patient=someone_else,
        service=follow_up,
        start=wanted,
        practitioner=raman,
    )
    panel.get_by_role("button", name="Move here").click()
    expect(panel.get_by_role("alert")).to_contain_text("That time has just been taken.")
    expect(panel).to_contain_text("The next free times")
    settled(page)
    desk.look("move-taken", axe=True)
    # The panel offers what is free now: the next times after the one just lost.
    fallback = next(t for t in free_times(follow_up, raman, TOMORROW) if t > wanted)
    fallback_local = fallback.astimezone(tz)
    panel.get_by_role("radio", name=f"{fallback_local:%H:%M}").first.check()
    panel.get_by_role("button", name="Move here").click()
    expect(panel.get_by_role("status")).to_have_text(f"Moved to {fallback_local:%a %d %b, %H:%M}.")
    booked.refresh_from_db()
    assert booked.start == fallback
    expect(block).to_contain_text(f"{fallback_local:%H:%M}")
    settled(page)

    # Back to today: a patient who is booked for later this morning walks in.
    page.get_by_role("link", name="Today").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wednesday, 25 November 2026")
    settled(page)
    walk_in = (
        Appointment.objects.filter(
            clinic=demo, status=AppointmentStatus.BOOKED, start__date=TODAY, start__gt=NOW
        )
        .order_by("start")
        .first()
    )
    assert walk_in is not None, "the demo has bookings later today"
    page.locator(f'[data-appointment="{walk_in.pk}"] .cal-appt-open').click()
    expect(panel.get_by_role("heading", name=walk_in.service.name)).to_be_visible()
    settled(page)
    desk.look("appointment-panel", axe=True)
    panel.get_by_role("button", name="Arrived").click()
    expect(panel.get_by_role("status")).to_have_text("Marked arrived.")
    expect(page.locator(f'[data-appointment="{walk_in.pk}"]')).to_have_class(
        re.compile(r"\bcal-is-arrived\b")
    )
    settled(page)
    desk.look("arrived", axe=True)
    walk_in.refresh_from_db()
    assert walk_in.status == AppointmentStatus.ARRIVED
    changes = AuditEvent.objects.filter(
        code=Event.APPOINTMENT_STATUS_CHANGED, actor__email="frontdesk@demo.ldnclinic.test"
    )
    assert changes.count() == 1


def test_the_calendar_works_without_javascript(new_context, demo, axe_source):
    """Plain links and forms: every step is a page of its own."""
    context = new_context(java_script_enabled=False)
    shots = itertools.count(1)
    desk = Visitor(context.new_page(), "frontdesk", "calendar_no_js", shots, axe_source)
    page = desk.page
    # Not desk.log_in: its accessibility check runs axe, whose promises need scripts.
    page.goto("/login/")
    page.get_by_label("Email").fill("frontdesk@demo.ldnclinic.test")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wednesday, 25 November 2026")
    page.get_by_role("link", name="Next day").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thursday, 26 November 2026")
    page.get_by_role("navigation", name="Calendar view").get_by_role("link", name="Week").click()
    expect(page).to_have_url(re.compile(r"view=week&date=2026-11-26"))
    expect(page.get_by_role("heading", level=1)).to_have_text("23 Nov – 29 Nov 2026")

    page.get_by_role("link", name="Book appointment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book an appointment")
    page.get_by_label("Find a patient").fill("Okafor")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("radio", name=re.compile("Daniel Okafor")).check()
    page.get_by_label("Service").select_option(label="Topical review (15 min)")
    page.get_by_label("Practitioner").select_option(label="Jordan Lee")
    page.get_by_label("Day").fill("2026-11-27")
    page.get_by_role("button", name="Show free times").click()
    expect(page.get_by_role("radio", name=re.compile("Daniel Okafor"))).to_be_checked()
    page.get_by_role("radio", name=re.compile(r"^\d\d:\d\d$")).first.check()
    desk.look("book-page")
    existing = list(Appointment.objects.values_list("pk", flat=True))
    page.get_by_role("button", name="Book", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Topical review")
    expect(page.get_by_role("status")).to_contain_text("Booked Daniel Okafor for Topical review")
    booked = Appointment.objects.exclude(pk__in=existing).get()
    assert (booked.patient.email, booked.service.slug) == (
        "patient2@demo.ldnclinic.test",
        "topical-review",
    )
    assert booked.start.astimezone(demo.tz).date() == dt.date(2026, 11, 27)
    desk.look("appointment-page")

    page.get_by_text("Cancel the appointment").click()  # a <details>: no script needed
    page.get_by_label("Reason for cancelling").fill("Double-booked elsewhere")
    page.get_by_role("button", name="Cancel appointment").click()
    expect(page.get_by_role("status")).to_have_text("Cancelled.")
    booked.refresh_from_db()
    assert (booked.status, booked.cancelled_late) == (AppointmentStatus.CANCELLED, False)
