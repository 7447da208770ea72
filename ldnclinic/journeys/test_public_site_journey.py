"""Issue 7's acceptance journey: a visitor reads the clinic's public site without an
account (home, a condition page with its graded study table, the negative lichen
planopilaris trial, the dose explainer), checks every public page for accessibility, and
books a consultation from it.

Runs on the demo clinic (`seed_demo`) with the clock fixed on a Wednesday morning.
"""

import datetime as dt
import io
import re

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from playwright.sync_api import expect

from ldnclinic.accounts.models import Clinic
from ldnclinic.core.management.commands.seed_demo import DEMO_PASSWORD
from ldnclinic.evidence.models import Condition, Study
from ldnclinic.evidence.seed import seed_global_evidence
from ldnclinic.scheduling.models import Appointment
from ldnclinic.website.demo import seed_demo_site

pytestmark = pytest.mark.browser

NOW = dt.datetime(2026, 11, 25, 15, 40, tzinfo=dt.UTC)  # Wednesday 10:40 in New York
EMAIL = "lena.fox@example.org"


@pytest.fixture
def demo(transactional_db, settings):
    cache.clear()  # the public pages and the booking rate limit live in the cache
    settings.PUBLIC_CLINIC_SLUG = "demo"
    # Transactional tests empty the tables between tests, seed migrations included.
    if not Condition.objects.exists():
        seed_global_evidence(Condition, Study, Condition.history.model, Study.history.model)
    with time_machine.travel(NOW, tick=True):
        call_command("seed_demo", stdout=io.StringIO())
        clinic = Clinic.objects.get(slug="demo")
        seed_demo_site(clinic)
        yield clinic


def settled(page):
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling,"
        " .htmx-added')"
    )


def heading(page):
    return page.get_by_role("heading", level=1)


def test_a_visitor_reads_the_public_site_and_books(open_browser, demo):
    visitor = open_browser("visitor")
    page = visitor.page
    site_nav = page.get_by_role("navigation", name="Public site")

    # Home: the clinic, where and when, what LDN is, how a consultation goes.
    page.goto("/")
    expect(heading(page)).to_have_text(demo.name)
    expect(page.get_by_role("heading", name="How a consultation works")).to_be_visible()
    expect(page.get_by_text("Monday–Thursday")).to_be_visible()
    expect(page.get_by_role("link", name="Book a consultation")).to_be_visible()
    expect(page.get_by_text("It is not medical advice")).to_be_visible()
    visitor.look("home", axe=True)

    # The conditions, grouped, each with its certainty; psoriasis and its studies.
    site_nav.get_by_role("link", name="Conditions").click()
    expect(heading(page)).to_have_text("Conditions and the evidence for LDN")
    expect(page.get_by_role("heading", name="Skin conditions")).to_be_visible()
    visitor.look("conditions", axe=True)
    page.get_by_role("link", name="Psoriasis", exact=True).click()
    expect(heading(page)).to_have_text("Psoriasis and LDN")
    table = page.get_by_role("table").first
    expect(table).to_contain_text("Weinstock")
    expect(table).to_contain_text("Bridgman")
    expect(table.get_by_role("link", name=re.compile("^Weinstock"))).to_have_attribute(
        "href", "https://pubmed.ncbi.nlm.nih.gov/32196470/"
    )
    # Grade badges: the case series is C, the case report D.
    expect(table.locator(".badge", has_text="Grade C")).to_have_count(1)
    expect(table.locator(".badge", has_text="Grade D")).to_have_count(1)
    visitor.look("psoriasis", axe=True)

    # Lichen planopilaris: the one dermatology RCT, and it was negative.
    page.goto("/conditions/lichen-planopilaris/")
    expect(heading(page)).to_have_text(re.compile("Lichen planopilaris"))
    rct = page.get_by_role("row").filter(has_text="32449418")
    expect(rct).to_contain_text(re.compile("negative|No difference", re.I))
    visitor.look("lichen-planopilaris", axe=True)

    # A condition with no study says so.
    page.goto("/conditions/vitiligo/")
    expect(page.get_by_text("No study found").first).to_be_visible()
    visitor.look("vitiligo", axe=True)

    # About LDN: the dose explainer answers a change of dose and of time.
    site_nav.get_by_role("link", name="About LDN").click()
    expect(heading(page)).to_have_text("About low dose naltrexone (LDN)")
    expect(page.get_by_text("hypotheses, not established facts")).to_be_visible()
    result = page.locator("#dx-result")
    before = result.inner_html()
    page.get_by_label("Dose").select_option("4.5")
    settled(page)
    page.wait_for_function(
        "(old) => document.querySelector('#dx-result').innerHTML !== old", arg=before
    )
    after_dose = result.inner_html()
    assert "4.5" in after_dose
    page.get_by_label("Time you take it").fill("08:00")
    page.get_by_label("Time you take it").dispatch_event("change")
    page.wait_for_function(
        "(old) => document.querySelector('#dx-result').innerHTML !== old", arg=after_dose
    )
    settled(page)
    assert "08:00" in result.inner_html()
    visitor.look("ldn-explainer", axe=True)

    # Safety, the therapies, the 404 page, the self-check and the booking start.
    site_nav.get_by_role("link", name="Safety").click()
    expect(heading(page)).to_have_text("LDN safety: who must not take it")
    expect(page.get_by_text("tramadol").first).to_be_visible()
    visitor.look("safety", axe=True)
    site_nav.get_by_role("link", name="Therapies").click()
    visitor.look("therapies", axe=True)
    for slug, title in (
        ("laser", "Laser sessions"),
        ("microneedling-prp", "Microneedling with PRP"),
        ("led", "LED light therapy"),
        ("topicals", "Topical treatments"),
    ):
        page.goto(f"/therapies/{slug}/")
        expect(heading(page)).to_have_text(title)
        expect(page.get_by_role("heading", name="What a series looks like")).to_be_visible()
        visitor.look(f"therapy-{slug}", axe=True)
    response = page.goto("/conditions/no-such-condition/")
    assert response.status == 404
    expect(heading(page)).to_have_text("Page not found")
    expect(page.get_by_role("link", name="Book a consultation")).to_be_visible()
    visitor.look("not-found", axe=True)
    site_nav.get_by_role("link", name="Self-check").click()
    page.wait_for_load_state()
    visitor.look("self-check", axe=True)

    # Book from the site: the booking pages of issue 3 take over.
    page.goto("/conditions/psoriasis/")
    page.get_by_role("link", name="Book a consultation").click()
    expect(heading(page)).to_have_text(f"Book at {demo.name}")
    visitor.look("booking-start", axe=True)
    page.get_by_role("link", name="See free times for LDN consultation").click()
    settled(page)
    page.locator("a.slot").first.click()
    expect(heading(page)).to_have_text("Your details")
    page.get_by_label("First name").fill("Lena")
    page.get_by_label("Last name").fill("Fox")
    page.get_by_label("Date of birth").fill("1990-06-02")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Phone").fill("+1 212 555 0188")
    page.get_by_label("What would you like help with?").select_option(label="Psoriasis")
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_role("button", name="Confirm booking").click()
    expect(heading(page)).to_have_text("You are booked")
    visitor.look("booked", axe=True)
    assert Appointment.objects.filter(patient__email=EMAIL).count() == 1

    # The clinic admin rewrites the home page's text: preview (script made inert), publish.
    admin = open_browser("admin")
    admin.log_in("admin@demo.ldnclinic.test", DEMO_PASSWORD)
    admin.page.goto("/clinic/site/")
    expect(heading(admin.page)).to_have_text("Public site")
    admin.look("site-pages", axe=True)
    admin.page.get_by_role("link", name="Low dose naltrexone and skin care").click()
    editor = admin.page.get_by_label("Page text (Markdown)")
    editor.fill(
        "## Our approach\n\nWe explain the evidence before we prescribe.<script>alert('x')</script>"
    )
    admin.look("site-edit", axe=True)
    admin.page.get_by_role("button", name="Preview").click()
    expect(admin.page.get_by_text("Nothing is saved or published yet")).to_be_visible()
    expect(admin.page.get_by_role("heading", name="Our approach")).to_be_visible()
    admin.look("site-preview", axe=True)
    admin.page.get_by_role("button", name="Publish this").click()
    expect(admin.page.get_by_text("Published as version 1.")).to_be_visible()
    admin.look("site-published", axe=True)
    admin.page.goto("/clinic/site/branding/")
    expect(heading(admin.page)).to_have_text("Branding")
    admin.look("site-branding", axe=True)

    # The visitor's next request shows the published text, not the cached page.
    page.goto("/")
    expect(page.get_by_role("heading", name="Our approach")).to_be_visible()
    expect(page.get_by_text("We explain the evidence before we prescribe.")).to_be_visible()
    visitor.look("home-after-publish", axe=True)
