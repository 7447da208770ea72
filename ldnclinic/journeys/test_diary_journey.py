"""The diary on a phone (390×844): the patient logs tonight's dose and a night of insomnia
in a few taps, corrects it (one entry, edited), fills in a missed earlier day, and sees the
last 14 days with the missed doses marked; the clinician sees them in the chart's Diary tab.
Runs on the real clock (the browser's session cookie would expire under a frozen one)."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from ldnclinic.diary.models import DiaryEntry
from ldnclinic.diary.schedule import today_for
from ldnclinic.prescriptions.tests.factories import make_plan

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_diary_on_a_phone(open_browser, users, patient_a):  # noqa: F811
    today = today_for(patient_a)
    make_plan(patient_a, start=today - dt.timedelta(days=9))
    patient = open_browser("patient")
    page = patient.page
    page.set_viewport_size(PHONE)
    patient.log_in("patient@x.test")

    page.goto("/portal/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My diary").click()
    expect(page.get_by_role("heading", name="My diary", level=1)).to_be_visible()
    expect(page.locator(".diary-planned")).to_contain_text("mL (")
    expect(page.locator(".diary-planned")).to_contain_text("at bedtime")
    expect(page.locator(".diary-days")).to_contain_text("MISSED")
    # Nothing overflows sideways on a phone.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    patient.look("today", axe=True)

    page.get_by_text("Yes, I took it").click()
    page.locator("fieldset", has_text="Trouble sleeping").get_by_text("Moderate").click()
    page.locator("fieldset", has_text="Itch").get_by_text("4", exact=True).click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved your diary")).to_be_visible()
    first_row = page.locator(".diary-days li").first
    expect(first_row).to_contain_text("Dose taken")
    expect(first_row).to_contain_text("Trouble sleeping moderate")
    patient.look("saved", axe=True)

    # A second save the same day edits the entry.
    page.locator("fieldset", has_text="Trouble sleeping").get_by_text("Severe").click()
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".diary-days li").first).to_contain_text("Trouble sleeping severe")
    assert DiaryEntry.objects.filter(patient=patient_a).count() == 1
    assert DiaryEntry.objects.get(patient=patient_a).insomnia == 3

    # Tap yesterday (missed) and fill it in.
    page.locator(".diary-days li").nth(1).get_by_role("link").click()
    expect(page.get_by_role("heading", name=re.compile(r"\w+day \d+ \w+"), level=2)).to_be_visible()
    page.get_by_text("No, I missed it").click()
    page.get_by_label("Note (optional)").fill("Forgot, out late")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".diary-days li").nth(1)).to_contain_text("MISSED")
    patient.look("yesterday", axe=True)
    assert DiaryEntry.objects.filter(patient=patient_a).count() == 2

    clinician = open_browser("clinician")
    clinician.log_in("clinician@x.test")
    clinician.page.goto(f"/patients/{patient_a.pk}/")
    clinician.page.get_by_role("link", name="Diary").click()
    table = clinician.page.locator("table.diary-table")
    expect(table).to_contain_text("Forgot, out late")
    expect(table).to_contain_text("MISSED")
    clinician.look("chart", axe=True)
