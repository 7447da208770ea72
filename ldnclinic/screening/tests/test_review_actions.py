"""Stored screenings: run on every intake change, reviewed per screening, never changed."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient
from ldnclinic.intake import actions as intake_actions
from ldnclinic.intake.tests.test_portal import COMPLETE
from ldnclinic.screening import actions
from ldnclinic.screening.models import FindingReview, Screening, ScreeningIsFinal

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def actor(users, persona):
    return Actor(user=users[persona], ip="127.0.0.1", via="test")


@pytest.fixture
def submitted(patient_a, users):
    intake_actions.do_submit_intake(actor(users, "patient"), patient_a, COMPLETE)
    return actions.latest_screening(patient_a)


def test_submitting_the_intake_stores_a_screening_naming_codeine(submitted, patient_a):
    assert submitted.status == "contraindicated"
    assert submitted.intake_response.is_submitted
    assert submitted.ruleset_version
    assert submitted.procedures == ["ldn"]
    finding = submitted.finding("ldn.opioid.current")
    assert finding["severity"] == "contraindicated"
    assert finding["matched"]["medications"] == ["Tylenol with codeine → codeine"]
    assert finding["grade"] == "A" and finding["source"]
    event = AuditEvent.objects.get(code=Event.SCREENING_RUN)
    assert event.patient == patient_a
    assert "ldn.opioid.current" in event.payload["rules"]


def test_a_draft_is_screened_as_incomplete(patient_a, users):
    intake_actions.do_save_intake_draft(
        actor(users, "patient"), patient_a, {"takes_medications": "no"}
    )
    screening = actions.latest_screening(patient_a)
    assert screening.status == "review"
    assert screening.finding("screening.incomplete") is not None
    assert "liver_disease" in screening.unanswered


def test_age_comes_from_the_birth_date_in_the_clinics_time_zone(clinic, users):
    # 03:00 UTC on 17 May is still 16 May in New York: not yet 18 there.
    teen = make_patient(clinic, date_of_birth=dt.date(2008, 5, 17))
    with time_machine.travel(dt.datetime(2026, 5, 17, 3, 0, tzinfo=dt.UTC), tick=False):
        screening = actions.do_run_screening(actor(users, "clinician"), teen)
    assert screening.finding("ldn.age.under_18")["matched"] == {"age_years": 17}
    assert screening.intake_response is None


def test_staff_editing_an_answer_rescreens_and_needs_a_new_acknowledgement(
    submitted, patient_a, users
):
    clinician = actor(users, "clinician")
    intake_actions.do_edit_intake(clinician, patient_a, {**COMPLETE, "thyroid_hormone": "yes"})
    first = actions.latest_screening(patient_a)
    assert first.pk != submitted.pk
    actions.do_acknowledge_finding(clinician, first, "ldn.thyroid")

    intake_actions.do_edit_intake(
        clinician, patient_a, {**COMPLETE, "thyroid_hormone": "yes", "depression": "yes"}
    )
    second = actions.latest_screening(patient_a)
    assert second.pk != first.pk
    assert second.finding("ldn.thyroid") is not None
    # The earlier acknowledgement stays on the earlier screening; nothing carries over.
    assert not second.reviews.exists()
    assert FindingReview.objects.get().screening == first
    assert Screening.objects.filter(patient=patient_a).count() == 3


def test_it_acknowledges_a_caution_and_audits_it(submitted, patient_a, users):
    clinician = actor(users, "clinician")
    intake_actions.do_edit_intake(clinician, patient_a, {**COMPLETE, "thyroid_hormone": "yes"})
    screening = actions.latest_screening(patient_a)
    review = actions.do_acknowledge_finding(clinician, screening, "ldn.thyroid")
    assert review.kind == "acknowledge" and review.by == users["clinician"]
    event = AuditEvent.objects.get(code=Event.SCREENING_ACKNOWLEDGED)
    assert event.payload["rule"] == "ldn.thyroid"
    with pytest.raises(ValidationError, match="already been reviewed"):
        actions.do_acknowledge_finding(clinician, screening, "ldn.thyroid")


@pytest.mark.parametrize("reason", ["", "   ", "because"])
def test_an_override_needs_a_written_reason(submitted, users, reason):
    with pytest.raises(ValidationError) as error:
        actions.do_override_finding(
            actor(users, "clinician"), submitted, "ldn.opioid.current", reason
        )
    assert "reason" in error.value.message_dict
    assert not FindingReview.objects.exists()
    assert not AuditEvent.objects.filter(code=Event.SCREENING_OVERRIDDEN).exists()


def test_it_overrides_with_a_reason_and_audits_it(submitted, users):
    reason = "Stopped codeine; confirmed by pharmacy record."
    review = actions.do_override_finding(
        actor(users, "admin"), submitted, "ldn.opioid.current", reason
    )
    assert review.kind == "override" and review.reason == reason
    event = AuditEvent.objects.get(code=Event.SCREENING_OVERRIDDEN)
    assert event.payload["reason"] == reason


def test_the_wrong_review_for_the_severity_is_refused(submitted, users):
    clinician = actor(users, "clinician")
    with pytest.raises(ValidationError, match="written reason"):
        actions.do_acknowledge_finding(clinician, submitted, "ldn.opioid.current")
    with pytest.raises(ValidationError, match="no such finding"):
        actions.do_acknowledge_finding(clinician, submitted, "ldn.thyroid")


@pytest.mark.parametrize("persona", ["frontdesk", "patient", "other_staff"])
def test_only_clinical_roles_review(submitted, users, persona):
    with pytest.raises(PermissionDenied):
        actions.do_override_finding(
            actor(users, persona), submitted, "ldn.opioid.current", "A long enough reason."
        )


def test_screenings_and_reviews_are_immutable(submitted, users):
    review = actions.do_override_finding(
        actor(users, "clinician"), submitted, "ldn.opioid.current", "A long enough reason."
    )
    submitted.status = "clear"
    with pytest.raises(ScreeningIsFinal):
        submitted.save()
    with pytest.raises(ScreeningIsFinal):
        submitted.delete()
    with pytest.raises(ScreeningIsFinal):
        Screening.objects.filter(pk=submitted.pk).update(status="clear")
    with pytest.raises(ScreeningIsFinal):
        Screening.objects.all().delete()
    review.reason = "changed"
    with pytest.raises(ScreeningIsFinal):
        review.save()
    with pytest.raises(ScreeningIsFinal):
        review.delete()
    with pytest.raises(ScreeningIsFinal):
        FindingReview.objects.all().update(reason="")
    assert Screening.objects.get(pk=submitted.pk).status == "contraindicated"
    assert submitted.history.count() == 1
