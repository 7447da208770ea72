"""A visitor asks "Could LDN be right for me?": a wrong answer is named, then codeine in
their pain relief rules LDN out in plain words, and the page leads to booking."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from ldnclinic.conftest import make_user
from ldnclinic.scheduling.tests.conftest import consult_service

pytestmark = pytest.mark.browser


def choose(page, question, answer):
    page.get_by_role("group", name=question).get_by_label(answer, exact=True).check()


def test_a_visitor_checks_and_is_led_to_booking(open_browser, clinic):
    cache.clear()
    consult_service(clinic, make_user("doc@x.test", clinic, "clinician").memberships.get())
    visitor = open_browser("visitor")
    page = visitor.page
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto("/self-check/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Could LDN be right for me?")
    visitor.look("questions", axe=True)

    page.get_by_label("How old are you?").fill("52")
    page.get_by_label("Which medicines and supplements do you take?").fill(
        "Tylenol with codeine\nlevothyroxine 50 mcg"
    )
    choose(page, "Have you taken an opioid", "No, not in the last two weeks")
    choose(page, "Do you have an operation or procedure planned?", "No")
    choose(page, "Do you have liver disease?", "No")
    choose(page, "Do you have kidney disease?", "No")
    choose(page, "Are you pregnant", "No")
    choose(page, "Do you take thyroid hormone", "Yes")
    choose(page, "Have you had an organ transplant", "No")
    choose(page, "Have you ever reacted badly to naltrexone", "No")
    page.get_by_role("button", name="See what my answers mean").click()
    # One question left out: it is named, and nothing is judged yet.
    expect(page.get_by_text("Choose an answer about depression.")).to_be_visible()
    expect(page.locator(".self-check-result")).to_have_count(0)
    visitor.look("missing-answer", axe=True)

    choose(page, "Do you have depression", "No")
    page.get_by_role("button", name="See what my answers mean").click()
    result = page.locator(".self-check-result")
    expect(result.get_by_role("heading")).to_have_text(
        "LDN is probably not safe for you at the moment"
    )
    expect(result).to_contain_text("opioid")
    expect(result).to_contain_text("thyroid")
    visitor.look("result", axe=True)

    result.get_by_role("link", name="Book a consultation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Book at {clinic.name}")
    visitor.look("booking")
