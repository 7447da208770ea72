"""Journeys through the foundation: sign-in, the patient list and chart, the portal, and
the clinic admin's settings, staff and audit trail, each clicked through as a person would.

Each page is screenshotted into var/screenshots/ and checked for Content Security Policy
errors; the login, patient list, chart and audit pages also for serious axe violations.
Set UPDATE_DOCS_SCREENSHOTS=1 to rewrite docs/screenshots/patient-list.png.
"""

import datetime
import os
import re

import pytest
from django.contrib.staticfiles import finders
from playwright.sync_api import expect

from ldnclinic.accounts.models import Clinic, Role
from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient, make_user
from ldnclinic.journeys.conftest import ROOT, SCREENSHOTS, VIEWPORT
from ldnclinic.patients.models import Patient

pytestmark = pytest.mark.browser

CHART_URL = re.compile(r"/patients/\d+/$")


def field(scope, label):
    """The input labelled `label`; a required field's label also holds a hidden "*"."""
    return scope.get_by_label(re.compile(rf"^{label}( \*)?$"))


def clinician_reads_chart(clinician, patient):
    """The clinician finds `patient` with the live search, opens the chart and its history."""
    page = clinician.page
    expect(page.get_by_role("heading", name="Patients", exact=True)).to_be_visible()
    clinician.look("patient-list", axe=True)

    page.evaluate("() => { window.beforeSearch = true; }")
    page.get_by_role("searchbox").fill(patient.family_name)
    results = page.locator("#patient-results")
    expect(results).to_contain_text(f"1 patient matching “{patient.family_name}”")
    expect(page).to_have_url(re.compile(rf"\?q={patient.family_name}"))
    # Typing alone updated the results in place: htmx, not a page load.
    assert page.evaluate("() => window.beforeSearch === true")
    clinician.look("search-results", axe=True)

    results.get_by_role("link", name=f"{patient.family_name}, {patient.given_name}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(patient.full_name)
    expect(page.get_by_role("link", name="Overview")).to_have_attribute("aria-current", "page")
    clinician.look("chart", axe=True)

    page.get_by_role("link", name="Record history").click()
    expect(page.get_by_role("heading", name="Record history")).to_be_visible()
    expect(page.get_by_role("link", name="Record history")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.locator(".timeline > li").last).to_contain_text("Created")
    clinician.look("history", axe=True)


def test_admin_adds_a_patient(open_browser, clinic, users):
    admin = open_browser("admin")
    page = admin.page
    admin.log_in("admin@x.test")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    expect(page.get_by_role("heading", name="Patients", exact=True)).to_be_visible()
    expect(page.get_by_text("0 patients")).to_be_visible()
    admin.look("patient-list", axe=True)

    page.get_by_role("link", name="Add patient").click()
    expect(page.get_by_role("heading", name="New patient")).to_be_visible()
    admin.look("new-patient-form")

    field(page, "First name").fill("Nora")
    field(page, "Last name").fill("Quinn")
    field(page, "Sex at birth").select_option(label="Female")
    field(page, "Email").fill("nora.quinn@example.org")
    field(page, "Phone").fill("+1 718 555 0142")
    field(page, "City").fill("Brooklyn")
    field(page, "Emergency contact name").fill("Liam Quinn")
    next_month = datetime.date.today() + datetime.timedelta(days=30)
    field(page, "Date of birth").fill(next_month.isoformat())
    page.get_by_role("button", name="Add patient").click()

    expect(page.get_by_role("alert")).to_have_text("Please correct the fields marked below.")
    birth_field = page.locator(".field.has-error")
    expect(birth_field).to_have_count(1)
    expect(birth_field).to_contain_text("The date of birth cannot be in the future.")
    expect(field(birth_field, "Date of birth")).to_have_value(next_month.isoformat())
    expect(field(birth_field, "Date of birth")).to_have_attribute("aria-invalid", "true")
    expect(field(page, "First name")).to_have_value("Nora")
    admin.look("new-patient-future-birth", axe=True)
    assert not Patient.objects.exists()

    field(page, "Date of birth").fill("1986-03-09")
    page.get_by_role("button", name="Add patient").click()

    expect(page).to_have_url(CHART_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Nora Quinn")
    expect(page.get_by_role("status")).to_contain_text("Added Nora Quinn (X")
    expect(page.get_by_role("link", name="Edit details")).to_be_visible()
    contact = page.get_by_role("region", name="Contact", exact=True)
    expect(contact).to_contain_text("nora.quinn@example.org")
    expect(contact).to_contain_text("Brooklyn")
    admin.look("new-patient-chart", axe=True)

    patient = Patient.objects.get()
    assert page.url.endswith(f"/patients/{patient.pk}/")
    assert (patient.clinic, patient.date_of_birth) == (clinic, datetime.date(1986, 3, 9))
    assert (patient.sex_at_birth, patient.email) == ("female", "nora.quinn@example.org")
    assert patient.emergency_contact_name == "Liam Quinn"
    assert AuditEvent.objects.filter(code=Event.PATIENT_CREATED, patient=patient).count() == 1


def test_clinician_finds_a_patient_and_reads_its_history(open_browser, users, patient_a, patient_b):
    clinician = open_browser("clinician")
    clinician.log_in("clinician@x.test")

    clinician_reads_chart(clinician, patient_a)

    expect(clinician.page.locator("main")).not_to_contain_text("Brown")
    viewed = AuditEvent.objects.filter(actor_label="clinician@x.test", patient=patient_a)
    assert viewed.filter(code=Event.PATIENT_VIEWED).count() == 1
    assert viewed.filter(code=Event.PATIENT_HISTORY_VIEWED).count() == 1


def test_patient_sees_their_own_record_and_no_one_elses(open_browser, patient_a, patient_b):
    visitor = open_browser("patient")
    page = visitor.page
    visitor.log_in("patient@x.test")

    expect(page.get_by_role("heading", name="My care")).to_be_visible()
    expect(page.get_by_role("link", name="My care")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("link", name="Patients")).to_have_count(0)
    visitor.look("portal", axe=True)

    page.get_by_role("link", name="View my record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alice Adams")
    expect(page.get_by_text(patient_a.mrn)).to_be_visible()
    expect(page.get_by_role("link", name="Edit details")).to_have_count(0)
    expect(page.get_by_role("button", name="Deactivate record")).to_have_count(0)
    visitor.look("own-chart", axe=True)

    response = page.goto(f"/patients/{patient_b.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Brown")
    visitor.look("other-chart-404", axe=True)


def test_admin_audits_who_viewed_a_patient(open_browser, users, patient_a, patient_b):
    clinician = open_browser("clinician")
    clinician.log_in("clinician@x.test")
    clinician_reads_chart(clinician, patient_a)

    admin = open_browser("admin")
    page = admin.page
    admin.log_in("admin@x.test")
    main_nav = page.get_by_role("navigation", name="Main")

    main_nav.get_by_role("link", name="Clinic").click()
    expect(page.get_by_role("heading", name="Clinic settings")).to_be_visible()
    expect(page.get_by_role("heading", name="Locations")).to_be_visible()
    admin.look("clinic-settings", axe=True)

    main_nav.get_by_role("link", name="Staff").click()
    expect(page.get_by_role("heading", name="Staff", exact=True)).to_be_visible()
    staff = page.get_by_role("table")
    expect(staff.get_by_role("row", name=re.compile("clinician@x.test"))).to_contain_text(
        "Clinician"
    )
    admin.look("staff", axe=True)

    main_nav.get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    admin.look("audit-trail", axe=True)

    page.get_by_label("Patient").fill(patient_a.mrn)
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(rf"patient={patient_a.mrn}"))
    rows = page.get_by_role("table").locator("tbody tr")
    viewed = rows.filter(has_text="Patient record viewed")
    expect(viewed).to_have_count(1)
    expect(viewed).to_contain_text("clinician@x.test")
    expect(rows.filter(has_text="Patient record history viewed")).to_have_count(1)
    expect(rows.filter(has_text="Patient created")).to_have_count(1)
    for row in rows.all():
        expect(row).to_contain_text(f"Alice Adams {patient_a.mrn}")
    admin.look("audit-trail-filtered", axe=True)


def test_the_audit_trail_shows_every_event_it_counts(open_browser, users, patient_a, patient_b):
    admin = open_browser("admin")
    page = admin.page
    admin.log_in("admin@x.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit trail").click()

    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    admin.look("audit-trail")
    rows = page.get_by_role("table").locator("tbody tr")
    counted = int(page.get_by_text(re.compile(r"^\d+ events?\.")).inner_text().split()[0])
    assert rows.count() == counted
    # The two oldest events: the fixtures created Alice's record, then Bob's.
    assert rows.filter(has_text="Patient created").count() == 2


def test_a_wrong_password_is_refused(open_browser, users):
    visitor = open_browser("clinician")
    visitor.log_in("clinician@x.test", "not the password")

    expect(visitor.page.get_by_role("alert")).to_have_text("The email or password is not correct.")
    expect(visitor.page).to_have_url(re.compile(r"/login/$"))
    expect(visitor.page.get_by_label("Email")).to_have_value("clinician@x.test")
    expect(visitor.page.get_by_label("Password")).to_have_value("")
    visitor.look("login-refused", axe=True)
    assert AuditEvent.objects.filter(code=Event.LOGIN_FAILED).count() == 1


def test_the_page_checks_catch_what_they_look_for(open_browser):
    """The checks every journey relies on do fail: on inline script and on a serious
    accessibility violation (an image without a text alternative)."""
    visitor = open_browser("anonymous")
    visitor.page.goto("/login/")
    with pytest.raises(Exception, match="Refused|Content Security Policy|CSP"):
        visitor.page.add_script_tag(content="document.title = 'inline';")
    assert visitor.csp_errors()
    assert visitor.page.title() != "inline"

    visitor.page.evaluate("() => document.querySelector('main').append(new Image())")
    with pytest.raises(AssertionError, match="image-alt"):
        visitor.assert_accessible()


PATIENTS_FOR_DOCS = [
    ("Maya", "Thompson", "1984-02-11", "+1 718 555 0101"),
    ("Daniel", "Okafor", "1979-09-30", "+1 718 555 0102"),
    ("Priya", "Raman", "1991-06-04", "+1 347 555 0103"),
    ("Sofia", "García", "1988-12-19", "+1 917 555 0104"),
    ("James", "O'Neill", "1975-04-23", "+1 646 555 0105"),
    ("Aiko", "Tanaka", "1995-08-14", "+1 718 555 0106"),
    ("Lena", "Fischer", "1969-01-07", "+1 347 555 0107"),
    ("Marcus", "Bell", "1982-10-02", "+1 917 555 0108"),
    ("Hannah", "Cohen", "1990-03-27", "+1 646 555 0109"),
    ("Omar", "Haddad", "1986-07-15", "+1 718 555 0110"),
]


def test_patient_list_for_the_readme(open_browser):
    clinic = Clinic.objects.create(
        name="Demo Skin & Wellness Clinic",
        slug="demo",
        time_zone="America/New_York",
        mrn_prefix="D",
    )
    make_user("clinician@demo.ldnclinic.test", clinic, Role.CLINICIAN)
    for given, family, born, phone in PATIENTS_FOR_DOCS:
        email = f"{given}.{family}@example.org".lower().replace("'", "")
        make_patient(
            clinic,
            given_name=given,
            family_name=family,
            date_of_birth=datetime.date.fromisoformat(born),
            email=email.replace("í", "i"),
            phone=phone,
        )

    clinician = open_browser("clinician")
    clinician.log_in("clinician@demo.ldnclinic.test")
    page = clinician.page
    expect(page.get_by_text("10 patients")).to_be_visible()
    expect(page.get_by_role("table").locator("tbody tr")).to_have_count(10)
    clinician.look("patient-list", axe=True)

    if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
        target = ROOT / "docs" / "screenshots" / "patient-list.png"
    else:
        target = SCREENSHOTS / "patient_list_for_the_readme-docs.png"
    page.set_viewport_size(VIEWPORT)
    page.screenshot(path=target)


def test_static_files_are_found():
    assert finders.find("ldnclinic/app.css") is not None
    assert finders.find("ldnclinic/htmx.min.js") is not None
