"""The dose explainer in a browser: the page draws, htmx swaps the chart when the dose or
time changes, the form works with JavaScript off, and axe finds nothing serious."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

URL = "/ldn/explainer/"


def test_dose_explainer(open_browser):
    visitor = open_browser("visitor")
    page = visitor.page
    page.goto(URL)
    expect(page.get_by_role("heading", name="Dose explainer")).to_be_visible()
    chart = page.get_by_role("img", name="4.5 mg of naltrexone at 22:00")
    expect(chart).to_be_visible()
    visitor.look("default", axe=True)

    # Changing the dose swaps only the result, without a page load.
    page.evaluate("() => { window.__sameDocument = true }")
    page.get_by_label("Dose").select_option("1.5")
    expect(page.get_by_role("img", name="1.5 mg of naltrexone at 22:00")).to_be_visible()
    assert page.evaluate("() => window.__sameDocument") is True
    expect(page.locator(".dx-summary")).to_contain_text("1.5 mg at 22:00")

    page.get_by_label("Time you take it").fill("08:00")
    expect(page.get_by_role("img", name="1.5 mg of naltrexone at 08:00")).to_be_visible()

    page.get_by_text("The numbers, hour by hour").click()
    table = page.get_by_role("table")
    expect(table.get_by_role("rowheader", name="09:00")).to_be_visible()
    visitor.look("morning-table", axe=True)

    # Narrow screens: nothing overflows sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    visitor.look("phone", axe=True)


def test_dose_explainer_without_javascript(new_context):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(URL)
    page.get_by_label("Dose").select_option("0.5")
    page.get_by_role("button", name="Show the curve").click()
    page.wait_for_load_state()
    assert "dose_mg=0.5" in page.url
    expect(page.get_by_role("img", name="0.5 mg of naltrexone at 22:00")).to_be_visible()
    page.goto(f"{URL}?dose_mg=9")
    expect(page.get_by_text("The dose must be at most 4.5 mg.").first).to_be_visible()
