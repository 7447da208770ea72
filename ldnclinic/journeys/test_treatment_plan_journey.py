"""Issue 5's journey: the clinician builds a psoriasis plan (low-and-slow LDN, liquid
1 mg/mL, four laser sessions), sees its calendar and sig, activates it and signs the
prescription; the front desk confirms the laser series; the patient sees today's dose and
reports insomnia; the clinician moves the dose to the morning, making version 2.

Nothing is frozen: the plan starts today in the clinic's time zone (New York), and the
laser service books up to a year ahead so that all four sessions book."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ldnclinic.accounts.models import Membership
from ldnclinic.plans.models import Plan, SideEffectReport
from ldnclinic.prescriptions.models import Prescription
from ldnclinic.prescriptions.tests.factories import clear_screen, make_pharmacy
from ldnclinic.protocols.library import ensure_global_protocols
from ldnclinic.scheduling.models import Appointment, Resource
from ldnclinic.scheduling.tests.conftest import consult_service
from ldnclinic.series.models import PlanSession

pytestmark = pytest.mark.browser

LOW_AND_SLOW = "Low and slow: 0.5 mg steps every 7 days to 4.5 mg"
FIRST_SIG = "Take 0.5 mL (0.5 mg) by mouth at bedtime for 7 days, then"


@pytest.fixture
def world(clinic, users, patient_a):
    """Clinic X with a laser (a device) that Dr. Clinician runs weekday mornings, a
    pharmacy, and patient A with a clean safety screen."""
    ensure_global_protocols()  # an earlier journey's flush may have emptied the library
    clinician = Membership.objects.get(user=users["clinician"])
    location = clinic.locations.first()
    laser = Resource.objects.create(
        clinic=clinic, location=location, name="Nd:YAG laser", kind=Resource.Kind.DEVICE
    )
    consult_service(
        clinic,
        clinician,
        name="Laser session",
        slug="laser-session",
        duration_minutes=45,
        buffer_after_minutes=0,
        min_notice_hours=0,
        horizon_days=365,
        resource=laser,
    )
    make_pharmacy(clinic)
    clear_screen(patient_a, users["clinician"])
    return {"clinic": clinic, "patient": patient_a}


def settled(page):
    """htmx wires up swapped-in content once it has settled."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling,"
        " .htmx-added')"
    )


def test_a_psoriasis_plan_from_builder_to_version_2(open_browser, world):
    clinic, patient = world["clinic"], world["patient"]
    today = timezone.now().astimezone(clinic.tz).date()

    # 1. The clinician builds the plan from the chart.
    doctor = open_browser("clinician")
    page = doctor.page
    doctor.log_in("clinician@x.test")
    page.goto(f"/patients/{patient.pk}/")
    page.get_by_role("navigation", name="Chart sections").get_by_role("link", name="Plans").click()
    expect(page.get_by_role("heading", name="Treatment plans")).to_be_visible()
    doctor.look("plans-tab", axe=True)
    page.get_by_role("link", name="New plan").click()
    page.get_by_label("Condition").select_option("psoriasis")
    settled(page)
    expect(page.get_by_label("Protocol")).to_have_value("psoriasis-ldn")
    page.get_by_role("radio", name=LOW_AND_SLOW).check()
    settled(page)
    expect(page.get_by_label("Start dose (mg)")).to_have_value("0.5")
    expect(page.get_by_role("radio", name=re.compile("^Liquid"))).to_be_checked()
    expect(page.get_by_label("Concentration", exact=False)).to_have_value("1")
    expect(page.get_by_label("Include Laser (Nd:YAG)")).to_be_checked()
    expect(page.get_by_label("Sessions", exact=True)).to_have_value("4")
    preview = page.locator("#plan-preview")
    expect(preview.locator(".plan-sig")).to_contain_text(FIRST_SIG)
    expect(preview.get_by_role("table").first).to_contain_text("0.5 mL")
    expect(preview.get_by_role("listitem").filter(has_text="Session 4")).to_have_count(1)
    doctor.look("builder-preview", axe=True)
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft plan saved")).to_be_visible()
    plan = Plan.objects.get(patient=patient)
    assert plan.status == "draft"
    doctor.look("draft", axe=True)
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_text("Plan activated.")).to_be_visible()
    plan.refresh_from_db()
    assert plan.status == "active"
    expect(page.locator(".plan-sig")).to_contain_text(FIRST_SIG)
    doctor.look("active", axe=True)

    # 2. The prescription: drafted for the pharmacy, signed with the password (a wrong
    # one first), its PDF served.
    page.get_by_label("Pharmacy").select_option(label="Brooklyn Compounding")
    page.get_by_role("button", name="Draft prescription").click()
    expect(page.get_by_text("Prescription drafted")).to_be_visible()
    doctor.look("prescription-draft", axe=True)
    page.get_by_label("Your password").fill("not my password")
    page.get_by_role("button", name="Sign prescription").click()
    expect(page.get_by_text("That is not your password")).to_be_visible()
    doctor.look("prescription-wrong-password", axe=True)
    page.get_by_label("Your password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign prescription").click()
    expect(page.get_by_text("Prescription signed.")).to_be_visible()
    prescription = Prescription.objects.get(plan=plan)
    assert prescription.status == "signed"
    doctor.look("prescription-signed", axe=True)
    pdf_link = page.get_by_role("link", name=re.compile("PDF")).first
    pdf = page.request.get(pdf_link.get_attribute("href"))
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    # 3. The front desk confirms the laser series in one step.
    desk = open_browser("frontdesk")
    page = desk.page
    desk.log_in("frontdesk@x.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Series").click()
    row = page.get_by_role("row", name=re.compile(patient.family_name))
    expect(row).to_contain_text("Psoriasis")
    desk.look("series-list", axe=True)
    row.get_by_role("link", name="Psoriasis").click()
    expect(page.get_by_role("heading", name="Psoriasis sessions")).to_be_visible()
    expect(page.locator(".series-table tbody tr")).to_have_count(4)
    desk.look("series-proposed", axe=True)
    page.get_by_role("button", name="Confirm series").click()
    expect(page.get_by_text(f"Booked 4 sessions for {patient.full_name}.")).to_be_visible()
    desk.look("series-booked", axe=True)
    sessions = list(PlanSession.objects.filter(plan=plan).order_by("sequence"))
    assert len(sessions) == 4
    booked = Appointment.objects.filter(patient=patient, service__slug="laser-session")
    assert booked.count() == 4
    assert all(s.appointment_id for s in sessions)

    # 4. The patient sees today's dose and the session dates, and reports insomnia.
    me = open_browser("patient")
    page = me.page
    me.log_in("patient@x.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My plan").click()
    page.get_by_role("link", name="Open the plan").first.click()
    expect(page.locator(".today-dose")).to_have_text("Take 0.5 mL (0.5 mg) at bedtime.")
    sessions_card = page.locator("section", has=page.get_by_role("heading", name="Your sessions"))
    first = booked.order_by("start").first().start.astimezone(clinic.tz)
    expect(sessions_card).to_contain_text(f"{first:%A} {first.day} {first:%B %Y}")
    expect(sessions_card.get_by_role("listitem")).to_have_count(4)
    me.look("my-plan", axe=True)
    report_form = page.locator("form.side-effect-form")
    report_form.get_by_role("radio", name="Insomnia").check()
    report_form.get_by_role("radio", name="Moderate").check()
    expect(report_form.get_by_label("Since when?")).to_have_value(today.isoformat())
    started = today  # the plan started today; the default date is today in the clinic zone
    report_form.get_by_label("Anything to add").fill("Awake at 3 every night")
    report_form.get_by_role("button", name="Send the report").click()
    expect(page.get_by_text("your report is with the clinic")).to_be_visible()
    expect(page.locator(".side-effect-reports")).to_contain_text("Insomnia (moderate)")
    me.look("reported", axe=True)
    report = SideEffectReport.objects.get(plan=plan)
    assert (report.symptom, report.severity) == ("insomnia", 2)

    # 5. The clinician sees the report and moves the dose to the morning: version 2.
    page = doctor.page
    page.goto(f"/patients/{patient.pk}/plans/")
    expect(page.get_by_text("1 new side effect")).to_be_visible()
    page.get_by_role("link", name="Psoriasis").click()
    panel = page.locator(
        "section", has=page.get_by_role("heading", name=re.compile("^Side effects"))
    )
    expect(panel).to_contain_text("Insomnia")
    expect(panel).to_contain_text("Awake at 3 every night")
    doctor.look("report-on-plan", axe=True)
    panel.get_by_role("link", name="Adjust the plan").click()
    reason = f"Insomnia (moderate) since {started:%Y-%m-%d}, reported by the patient"
    expect(page.get_by_label("Reason")).to_have_value(reason)
    expect(page.get_by_label("Prompted by")).to_have_value("side_effect")
    page.get_by_role("radio", name="Move the dose to the morning").check()
    settled(page)
    expect(page.locator("#adjust-preview")).to_contain_text("In the morning")
    doctor.look("adjust", axe=True)
    page.get_by_role("button", name="Save the adjustment").click()
    expect(page.get_by_text("Plan adjusted: a new version is on record.")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("version 2"))).to_be_visible()
    history = page.locator("table.plan-versions")
    expect(history.get_by_role("row")).to_have_count(3)  # the header and two versions
    expect(history).to_contain_text(reason)
    expect(page.locator(".plan-sig")).to_contain_text("in the morning")
    expect(page.get_by_text("Needs a new prescription.")).to_be_visible()
    doctor.look("version-2", axe=True)
    report.refresh_from_db()
    version = plan.versions.get(number=2)
    assert (report.status, report.resolved_by_version) == ("reviewed", version)
    prescription.refresh_from_db()
    assert prescription.status == "superseded"
