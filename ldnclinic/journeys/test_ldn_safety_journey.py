"""Issue 4's acceptance journey ("Done when"): a new patient books online; the confirmation
invites them to the intake. On a phone they follow the email's links, choose a password,
fill the intake listing "Tylenol with codeine", submit it and sign the LDN off-label
consent. The clinician opens the chart's Safety screen tab, sees the contraindication naming
codeine with its rule, source and grade, and can only proceed with a written override,
which is audited."""

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import expect

from ldnclinic.accounts.models import Membership
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.consents.models import ConsentDocument, ConsentSignature, ConsentVersion
from ldnclinic.consents.seed import seed_default_documents
from ldnclinic.intake.models import IntakeResponse, IntakeStatus
from ldnclinic.patients.models import Patient
from ldnclinic.scheduling.public import PatientDetails, do_public_booking
from ldnclinic.scheduling.tests.conftest import consult_service
from ldnclinic.screening.actions import latest_screening
from ldnclinic.screening.status import may_prescribe

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
EMAIL = "nora.quinn@example.org"
PASSWORD = "a long portal password 42"
SECTION = "Before your visit: fill in your health questions and sign the consents"
LDN_CONSENT = "Consent to off-label treatment with low dose naltrexone"
OPIOID = "ldn.opioid.current"
WASHOUT = "ldn.opioid.washout_short"


@pytest.fixture
def documents(transactional_db):
    # An earlier transactional test may have flushed what the data migration seeded.
    seed_default_documents(ConsentDocument, ConsentVersion)


def next_weekday_nine(clinic):
    """09:00 clinic time on a weekday at least three days ahead."""
    day = dt.datetime.now(clinic.tz).date() + dt.timedelta(days=3)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(9), tzinfo=clinic.tz)


def path_in(text, pattern):
    return urlsplit(re.search(pattern, text).group(0)).path


def answer(page, question, choice):
    page.get_by_role("group", name=question).get_by_label(choice, exact=True).check()


def finding(page, rule):
    return page.locator("li.screen-finding").filter(has_text=rule)


def test_ldn_safety_from_booking_to_written_override(open_browser, clinic, users, documents):
    cache.clear()  # the public booking rate limit counts per address in the cache
    service = consult_service(
        clinic,
        Membership.objects.get(user=users["clinician"]),
        name="LDN consultation",
        slug="ldn-consult",
        min_notice_hours=2,
        horizon_days=60,
    )
    do_public_booking(
        Actor(user=None, ip="203.0.113.9", via="web"),
        service=service,
        start=next_weekday_nine(clinic),
        details=PatientDetails("Nora", "Quinn", EMAIL, "+1 555 0101", dt.date(1985, 3, 4)),
    )
    patient_record = Patient.objects.get(email=EMAIL)
    (confirmation,) = [m for m in mail.outbox if EMAIL in m.to]
    assert SECTION in confirmation.body
    set_password = path_in(confirmation.body, r"https?://\S+/password-reset/\S+/")
    intake_link = path_in(confirmation.body, r"https?://\S+/portal/intake/")
    assert intake_link == "/portal/intake/"

    # The patient, on a phone: the email's first link, a password.
    patient = open_browser("patient")
    page = patient.page
    page.set_viewport_size(PHONE)
    page.goto(set_password)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    patient.look("set-password", axe=True)
    page.locator("#id_new_password1").fill(PASSWORD)
    page.locator("#id_new_password2").fill(PASSWORD)
    page.get_by_role("button", name="Save password").click()
    expect(page.get_by_role("heading", name="Password saved")).to_be_visible()
    patient.look("password-saved", axe=True)

    # The second link: sign in, then straight to the intake.
    page.goto(intake_link)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    patient.look("sign-in-to-intake", axe=True)
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your intake", level=1)).to_be_visible()
    assert urlsplit(page.url).path == f"/portal/intake/{patient_record.pk}/"
    patient.look("intake-empty", axe=True)

    answer(page, "What would you like help with?", "Psoriasis")
    page.get_by_label("When did it start?").fill("2019-04-01")
    answer(page, "How severe is it now?", "Moderate")
    answer(page, "Do you take any medicines or supplements?", "Yes")
    answer(page, "Have you taken any opioid in the last 30 days?", "Yes")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved")).to_be_visible()
    page.get_by_label("Your medicines and supplements").fill("Tylenol with codeine")
    page.get_by_label("Which opioid(s)?").fill("Tylenol with codeine")
    page.get_by_label("How many days ago was your last dose? (days)").fill("2")
    answer(page, "Was it methadone or buprenorphine", "No")
    answer(page, "Do you have any allergies?", "No")
    answer(page, "reaction to naltrexone", "No")
    answer(page, "Are you planning surgery", "No")
    answer(page, "Do you have liver disease?", "No")
    answer(page, "Do you have kidney disease?", "No")
    answer(page, "Are you pregnant?", "No")
    answer(page, "Are you breastfeeding?", "No")
    answer(page, "Are you planning a pregnancy?", "No")
    answer(page, "Do you have thyroid disease?", "No")
    answer(page, "Do you take thyroid hormone?", "No")
    answer(page, "immunosuppressants", "No")
    answer(page, "depression", "No")
    answer(page, "Are you considering a skin procedure", "No")
    patient.look("intake-filled", axe=True)
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("your intake is submitted")).to_be_visible()
    expect(page.get_by_text("Tylenol with codeine").first).to_be_visible()
    patient.look("intake-submitted", axe=True)
    response = IntakeResponse.objects.get(patient=patient_record)
    assert response.status == IntakeStatus.SUBMITTED
    assert response.answers["current_medications"] == ["Tylenol with codeine"]

    # The consents: at least the LDN off-label one.
    page.goto("/portal/consents/")
    row = page.locator(".consent-row", has_text=LDN_CONSENT)
    expect(row).to_contain_text("Not signed")
    row.get_by_role("link", name=re.compile("Read and sign")).click()
    expect(page.get_by_role("heading", name=LDN_CONSENT)).to_be_visible()
    page.get_by_label(re.compile("^Your full name")).fill("Nora Quinn")
    page.get_by_label("I have read this document and I agree to it").check()
    page.get_by_role("button", name="Sign this consent").click()
    expect(page.get_by_text(f"You signed “{LDN_CONSENT}”")).to_be_visible()
    expect(page.locator(".consent-row", has_text=LDN_CONSENT)).to_contain_text("Signed version 1")
    patient.look("consent-signed", axe=True)
    assert ConsentSignature.objects.filter(patient=patient_record).count() == 1

    # The clinician: the Safety screen tab names codeine, the rule, its source and grade.
    screening = latest_screening(patient_record)
    source = screening.finding(OPIOID)["source"]
    assert may_prescribe(patient_record) is False
    clinician = open_browser("clinician")
    cpage = clinician.page
    clinician.log_in("clinician@x.test")
    cpage.goto(f"/patients/{patient_record.pk}/")
    cpage.get_by_role("link", name="Safety screen").click()
    expect(cpage.get_by_role("heading", name="Safety screen", level=2)).to_be_visible()
    opioid = finding(cpage, OPIOID)
    expect(opioid.get_by_text("Contraindicated", exact=True)).to_be_visible()
    expect(opioid.get_by_text("Tylenol with codeine → codeine")).to_be_visible()
    expect(opioid.get_by_text(source)).to_be_visible()
    expect(opioid.locator("dt:text-is('Evidence grade') + dd")).to_have_text("A")
    expect(cpage.get_by_text("LDN may not be prescribed yet")).to_be_visible()
    clinician.look("screen", axe=True)

    # No reason: refused. Then a written reason: overridden and audited.
    opioid.get_by_role("button", name="Override with this reason").click()
    opioid = finding(cpage, OPIOID)
    expect(opioid.get_by_text("Write the reason for overriding")).to_be_visible()
    clinician.look("override-no-reason", axe=True)
    assert may_prescribe(patient_record) is False
    assert not AuditEvent.objects.filter(code=Event.SCREENING_OVERRIDDEN).exists()

    reason = "Codeine stopped; last dose confirmed with the pharmacy three weeks ago."
    opioid.get_by_label("Reason for overriding").fill(reason)
    opioid.get_by_role("button", name="Override with this reason").click()
    expect(cpage.get_by_text("Contraindication overridden")).to_be_visible()
    expect(cpage.get_by_role("table").get_by_text(reason)).to_be_visible()
    clinician.look("overridden", axe=True)
    (audited,) = AuditEvent.objects.filter(code=Event.SCREENING_OVERRIDDEN)
    assert audited.patient == patient_record and audited.actor == users["clinician"]
    assert OPIOID in str(audited.payload)
    # The washout contraindication still stands until it is reviewed too.
    assert screening.finding(WASHOUT) is not None
    assert may_prescribe(patient_record) is False
