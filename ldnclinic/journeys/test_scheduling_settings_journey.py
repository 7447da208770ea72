"""The clinic admin sets up scheduling: a room or device, a service that needs it, a
practitioner's weekly hours and a closure, meeting an error on the way, as a person would.

Each page is screenshotted into var/screenshots/ and checked for Content Security Policy
errors and serious axe violations.
"""

import datetime
import re

import pytest
from playwright.sync_api import expect

from ldnclinic.accounts.models import Membership
from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.scheduling.availability import find_service_slots
from ldnclinic.scheduling.models import ClinicClosure, Resource, Service, WorkingHours

pytestmark = pytest.mark.browser


def field(scope, label):
    """The input labelled `label`; a required field's label also holds a hidden "*"."""
    return scope.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def next_weekday(weekday, weeks_ahead=2):
    today = datetime.date.today()
    return today + datetime.timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks_ahead)


def test_admin_sets_up_scheduling(open_browser, clinic, users):
    admin = open_browser("admin")
    page = admin.page
    admin.log_in("admin@x.test")
    tabs = page.get_by_role("navigation", name="Scheduling settings")

    # The Scheduling link in the admin's part of the main navigation.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Scheduling").click()
    expect(page.get_by_role("heading", name="Scheduling")).to_be_visible()
    expect(tabs.get_by_role("link", name="Services")).to_have_attribute("aria-current", "page")
    expect(page.get_by_text("No services yet.")).to_be_visible()
    admin.look("services-empty", axe=True)

    # A device.
    tabs.get_by_role("link", name="Rooms and devices").click()
    page.get_by_role("link", name="Add a room or device").click()
    expect(page.get_by_role("heading", name="New room or device")).to_be_visible()
    field(page, "Name").fill("Fractional laser")
    field(page, "Kind").select_option(label="Device")
    field(page, "Location").select_option(label="Main")
    field(page, "Capacity").fill("1")
    admin.look("resource-form", axe=True)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("“Fractional laser” saved.")
    row = page.get_by_role("row", name=re.compile("Fractional laser"))
    expect(row).to_contain_text("Device")
    expect(row).to_contain_text("0 active services")
    admin.look("resources", axe=True)

    # A service that needs it; a duration too short is refused first.
    tabs.get_by_role("link", name="Services").click()
    page.get_by_role("link", name="Add a service").click()
    expect(page.get_by_role("heading", name="New service")).to_be_visible()
    field(page, "Name").fill("Laser session")
    field(page, "Price shown to patients").fill("$250")
    field(page, "Duration (minutes)").fill("3")
    field(page, "Buffer after (minutes)").fill("15")
    page.get_by_role("checkbox", name="Clinician", exact=True).check()
    field(page, "Room or device needed").select_option(label="Fractional laser")
    admin.look("service-form", axe=True)
    page.get_by_role("button", name="Save service").click()

    expect(page.get_by_role("alert")).to_have_text("Please correct the fields marked below.")
    bad = page.locator(".field.has-error")
    expect(bad).to_have_count(1)
    expect(bad).to_contain_text("Ensure this value is greater than or equal to 5.")
    expect(field(bad, "Duration (minutes)")).to_have_attribute("aria-invalid", "true")
    expect(field(page, "Name")).to_have_value("Laser session")
    expect(page.get_by_role("checkbox", name="Clinician", exact=True)).to_be_checked()
    admin.look("service-form-error", axe=True)
    assert not Service.objects.exists()

    field(page, "Duration (minutes)").fill("60")
    page.get_by_role("button", name="Save service").click()
    expect(page.get_by_role("status")).to_contain_text("Service “Laser session” saved.")
    row = page.get_by_role("row", name=re.compile("Laser session"))
    expect(row).to_contain_text("laser-session")
    expect(row).to_contain_text("Clinician")
    expect(row).to_contain_text("needs Fractional laser")
    admin.look("services", axe=True)

    # The clinician's week: Monday morning and afternoon. "Add a row" is htmx; an
    # overlap is refused naming the day.
    tabs.get_by_role("link", name="Working hours").click()
    expect(page.get_by_role("row", name=re.compile("Clinician"))).to_contain_text("no hours yet")
    admin.look("hours-list", axe=True)
    page.get_by_role("link", name="Clinician", exact=True).click()
    expect(page.get_by_role("heading", name="Working hours of Clinician")).to_be_visible()
    rows = page.locator("#hours-rows tbody tr")
    expect(rows).to_have_count(2)
    for number, (start, end) in enumerate([("09:00", "12:00"), ("11:00", "13:00")], start=1):
        page.get_by_label(f"Day, row {number}").select_option(label="Monday")
        page.get_by_label(f"Start, row {number}").fill(start)
        page.get_by_label(f"End, row {number}").fill(end)
    page.evaluate("() => { window.beforeAddRow = true; }")
    page.get_by_role("button", name="Add a row").click()
    expect(rows).to_have_count(3)
    assert page.evaluate("() => window.beforeAddRow === true")  # swapped in place
    expect(page.get_by_label("Start, row 2")).to_have_value("11:00")
    page.get_by_label("Day, row 3").select_option(label="Wednesday")
    page.get_by_label("Start, row 3").fill("14:00")
    page.get_by_label("End, row 3").fill("16:30")
    page.get_by_role("button", name="Save working hours").click()

    expect(page.get_by_role("alert")).to_have_text(
        "Monday: 09:00–12:00 overlaps 11:00–13:00 at Main."
    )
    expect(page.get_by_label("Start, row 3")).to_have_value("14:00")
    admin.look("hours-overlap", axe=True)
    assert not WorkingHours.objects.exists()

    page.get_by_label("Start, row 2").fill("13:00")
    page.get_by_label("End, row 2").fill("17:00")
    page.get_by_role("button", name="Save working hours").click()
    expect(page.get_by_role("status")).to_contain_text("Working hours of Clinician saved.")
    week = page.get_by_role("row", name=re.compile("Clinician"))
    expect(week).to_contain_text("09:00–12:00 Main, 13:00–17:00 Main")
    expect(week).to_contain_text("14:00–16:30 Main")
    admin.look("hours-saved", axe=True)

    # Extra hours on a Saturday need their times and place: the form says so.
    saturday = next_weekday(5)
    week.get_by_role("link", name="None upcoming").click()
    expect(
        page.get_by_role("heading", name=re.compile("Time off and extra hours of"))
    ).to_be_visible()
    field(page, "Date").fill(saturday.isoformat())
    field(page, "Extra working hours (not time off)").check()
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Extra hours need a start, an end and a location."
    )
    expect(field(page, "Date")).to_have_value(saturday.isoformat())
    field(page, "From").fill("10:00")
    field(page, "Until").fill("13:00")
    field(page, "Location").select_option(label="Main")
    field(page, "Note").fill("Open day")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("status")).to_contain_text("Extra hours on")
    upcoming = page.get_by_role("region", name="Upcoming")
    expect(upcoming).to_contain_text("10:00–13:00")
    expect(upcoming).to_contain_text("Open day")
    admin.look("time-off", axe=True)

    # A closure on a Monday two weeks ahead: that Monday offers nothing, the next one does.
    closed = next_weekday(0)
    tabs.get_by_role("link", name="Closures").click()
    expect(page.get_by_text("No closures planned.")).to_be_visible()
    field(page, "Date").fill(closed.isoformat())
    field(page, "Reason").fill("Staff training")
    page.get_by_role("button", name="Add closure").click()
    expect(page.get_by_role("status")).to_contain_text("The clinic is closed on")
    upcoming = page.get_by_role("region", name="Days the clinic is closed")
    expect(upcoming).to_contain_text("Staff training")
    expect(upcoming.get_by_role("button", name=re.compile("Remove the closure"))).to_have_count(1)
    admin.look("closures", axe=True)

    clinician = Membership.objects.get(user=users["clinician"])
    service = Service.objects.get()
    assert service.resource == Resource.objects.get(name="Fractional laser")
    assert list(service.practitioners.all()) == [clinician]
    assert WorkingHours.objects.filter(practitioner=clinician).count() == 3
    assert ClinicClosure.objects.get().date == closed
    assert find_service_slots(service, closed, closed) == []
    after = closed + datetime.timedelta(days=7)
    assert find_service_slots(service, after, after)
    assert find_service_slots(service, saturday, saturday)[0].start.astimezone(
        clinic.tz
    ).time() == datetime.time(10)
    codes = set(AuditEvent.objects.values_list("code", flat=True))
    for event in (
        Event.RESOURCE_SAVED,
        Event.SERVICE_SAVED,
        Event.WORKING_HOURS_CHANGED,
        Event.CLOSURE_SAVED,
    ):
        assert int(event) in codes
