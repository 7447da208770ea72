"""Issue 4's clinician review: a patient's submitted intake lists "Tylenol with codeine";
the clinician opens the Safety screen tab, sees the contraindication naming codeine with
its rule, source and grade, cannot override it without a written reason, overrides with
one, and LDN may be prescribed only once the remaining caution is acknowledged too."""

import pytest
from playwright.sync_api import expect

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.intake import actions as intake_actions
from ldnclinic.intake.tests.test_portal import COMPLETE
from ldnclinic.screening.actions import latest_screening
from ldnclinic.screening.status import may_prescribe

pytestmark = pytest.mark.browser

OPIOID = "ldn.opioid.current"
WASHOUT = "ldn.opioid.washout_short"


def finding(page, rule):
    return page.locator("li.screen-finding").filter(has_text=rule)


def test_a_clinician_reviews_the_safety_screen(open_browser, users, patient_a):
    patient_actor = Actor(user=users["patient"], ip=None, via="test")
    intake_actions.do_submit_intake(
        patient_actor,
        patient_a,
        {**COMPLETE, "thyroid_hormone": "yes", "thyroid_hormone_dose": "Levothyroxine 50 mcg"},
    )
    screening = latest_screening(patient_a)
    assert screening.intake_response.is_submitted
    assert screening.intake_response.answers["current_medications"][0] == "Tylenol with codeine"
    source = screening.finding(OPIOID)["source"]

    clinician = open_browser("clinician")
    page = clinician.page
    clinician.log_in("clinician@x.test")
    page.goto(f"/patients/{patient_a.pk}/")
    page.get_by_role("link", name="Safety screen").click()
    expect(page.get_by_role("heading", name="Safety screen", level=2)).to_be_visible()
    opioid = finding(page, OPIOID)
    expect(opioid.get_by_text("Contraindicated", exact=True)).to_be_visible()
    expect(opioid.get_by_text("Tylenol with codeine → codeine")).to_be_visible()
    expect(opioid.get_by_text(source)).to_be_visible()
    expect(opioid.locator("dt:text-is('Evidence grade') + dd")).to_have_text("A")
    expect(page.get_by_text("LDN may not be prescribed yet")).to_be_visible()
    clinician.look("screen", axe=True)

    # No reason: refused, the error shown on that finding's form.
    opioid.get_by_role("button", name="Override with this reason").click()
    opioid = finding(page, OPIOID)
    expect(opioid.get_by_text("Write the reason for overriding")).to_be_visible()
    clinician.look("override-no-reason", axe=True)
    assert may_prescribe(patient_a) is False

    opioid.get_by_label("Reason for overriding").fill(
        "Last codeine dose confirmed 3 weeks ago with the pharmacy."
    )
    opioid.get_by_role("button", name="Override with this reason").click()
    expect(page.get_by_text("Contraindication overridden")).to_be_visible()
    washout = finding(page, WASHOUT)
    washout.get_by_label("Reason for overriding").fill(
        "Answer was wrong: patient stopped codeine weeks ago; corrected with them."
    )
    washout.get_by_role("button", name="Override with this reason").click()
    expect(page.get_by_text("Contraindication overridden")).to_be_visible()
    # The thyroid caution still stands.
    assert may_prescribe(patient_a) is False
    expect(page.get_by_text("LDN may not be prescribed yet")).to_be_visible()
    clinician.look("overridden", axe=True)

    finding(page, "ldn.thyroid").get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Finding acknowledged")).to_be_visible()
    expect(page.get_by_text("nothing in the safety screen stands in the way")).to_be_visible()
    expect(page.get_by_role("table").get_by_text("Last codeine dose confirmed")).to_be_visible()
    clinician.look("reviewed", axe=True)
    assert may_prescribe(patient_a) is True
    assert AuditEvent.objects.filter(code=Event.SCREENING_OVERRIDDEN).count() == 2
    assert AuditEvent.objects.filter(code=Event.SCREENING_ACKNOWLEDGED).count() == 1
