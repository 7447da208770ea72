"""may_prescribe / blocking_findings: the one answer prescribing asks for."""

import pytest

from ldnclinic.audit.log import Actor
from ldnclinic.intake import actions as intake_actions
from ldnclinic.intake.tests.test_portal import COMPLETE
from ldnclinic.screening import actions
from ldnclinic.screening.status import blocking_findings, may_prescribe

NO_OPIOIDS = {
    **COMPLETE,
    "current_medications": "vitamin D",
    "opioid_use": "no",
    "opioid_name": "",
    "opioid_last_dose_days": "",
    "opioid_long_acting": "",
}


@pytest.fixture
def clinician(users):
    return Actor(user=users["clinician"], ip=None, via="test")


def screen(patient, clinician, answers):
    intake_actions.do_edit_intake(clinician, patient, answers)
    return actions.latest_screening(patient)


def rules(patient):
    return sorted(f["rule"] for f in blocking_findings(patient))


def test_never_screened_blocks(patient_a):
    assert rules(patient_a) == ["screening.none"]
    assert may_prescribe(patient_a) is False


def test_a_clear_screen_allows(patient_a, clinician):
    screening = screen(patient_a, clinician, NO_OPIOIDS)
    assert screening.status == "clear", screening.findings
    assert may_prescribe(patient_a) is True


def test_an_unacknowledged_caution_blocks_until_acknowledged(patient_a, clinician):
    screening = screen(patient_a, clinician, {**NO_OPIOIDS, "thyroid_hormone": "yes"})
    assert rules(patient_a) == ["ldn.thyroid"]
    actions.do_acknowledge_finding(clinician, screening, "ldn.thyroid")
    assert may_prescribe(patient_a) is True


def test_a_contraindication_blocks_until_overridden(patient_a, clinician):
    screening = screen(patient_a, clinician, COMPLETE)
    assert rules(patient_a) == ["ldn.opioid.current", "ldn.opioid.washout_short"]
    actions.do_override_finding(clinician, screening, "ldn.opioid.current", "Reason enough.")
    assert rules(patient_a) == ["ldn.opioid.washout_short"]
    actions.do_override_finding(clinician, screening, "ldn.opioid.washout_short", "Also fine.")
    assert may_prescribe(patient_a) is True


def test_an_incomplete_screen_blocks_until_acknowledged(patient_a, clinician):
    screening = actions.do_run_screening(clinician, patient_a)
    assert "screening.incomplete" in rules(patient_a)
    for finding in blocking_findings(patient_a):
        actions.do_acknowledge_finding(clinician, screening, finding["rule"])
    assert may_prescribe(patient_a) is True


def test_only_the_latest_screening_counts(patient_a, clinician):
    first = screen(patient_a, clinician, {**NO_OPIOIDS, "thyroid_hormone": "yes"})
    actions.do_acknowledge_finding(clinician, first, "ldn.thyroid")
    assert may_prescribe(patient_a) is True
    actions.do_run_screening(clinician, patient_a)  # the same answers, screened again
    assert rules(patient_a) == ["ldn.thyroid"]
    screen(patient_a, clinician, NO_OPIOIDS)
    assert may_prescribe(patient_a) is True
