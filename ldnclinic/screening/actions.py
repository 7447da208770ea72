"""State changes for stored screenings: running the screen, and the clinician's review."""

import dataclasses

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from ldnclinic.accounts.access import CLINICAL_ROLES
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import record
from ldnclinic.intake.facts import facts_from_answers
from ldnclinic.intake.models import IntakeResponse
from ldnclinic.screening.actions_rules import ruleset_for_clinic
from ldnclinic.screening.engine import Facts, evaluate
from ldnclinic.screening.models import (
    REASON_MIN_LENGTH,
    FindingReview,
    ReviewKind,
    Screening,
)

# intake.actions.LDN_INTAKE; not imported from there, because intake.actions calls this
# module whenever answers change.
INTAKE_SLUG = "ldn-intake"

ACKNOWLEDGEABLE = ("caution", "review", "info")
OVERRIDABLE = ("contraindicated",)
REASON_TOO_SHORT = f"Write the reason for overriding (at least {REASON_MIN_LENGTH} characters)."


def latest_intake(patient):
    return (
        IntakeResponse.objects.filter(patient=patient, version__questionnaire__slug=INTAKE_SLUG)
        .order_by("-updated_at", "-id")
        .first()
    )


def latest_screening(patient):
    return Screening.objects.filter(patient=patient).order_by("-created_at", "-id").first()


def _serialised(finding):
    data = dataclasses.asdict(finding)
    data["applies_to"] = list(finding.applies_to)
    # A medicine listed twice (say, under medicines and under opioids) shows once.
    data["matched"] = {
        key: list(dict.fromkeys(value)) if isinstance(value, list) else value
        for key, value in finding.matched.items()
    }
    return data


@transaction.atomic
def do_run_screening(actor, patient, *, intake_response=None, procedures=("ldn",)):
    """Screen the patient's latest intake (or `intake_response`) and store the result.
    No intake at all screens nothing as known: the result is incomplete, never clear."""
    if intake_response is None:
        intake_response = latest_intake(patient)
    answers = intake_response.answers if intake_response is not None else {}
    facts = Facts(**facts_from_answers(answers, patient.age))
    result = evaluate(facts, procedures=procedures, ruleset=ruleset_for_clinic(patient.clinic))
    screening = Screening(
        clinic_id=patient.clinic_id,
        patient=patient,
        intake_response=intake_response,
        ruleset_version=result.ruleset_version,
        status=result.status,
        findings=[_serialised(f) for f in result.findings],
        unmatched_medications=list(result.unmatched_medications),
        unanswered=list(result.unanswered),
        procedures=list(result.procedures),
    )
    screening.save()
    record(
        Event.SCREENING_RUN,
        actor,
        patient=patient,
        subject=screening,
        status=screening.status,
        ruleset=screening.ruleset_version,
        rules=[f["rule"] for f in screening.findings],
        intake=intake_response.pk if intake_response is not None else None,
    )
    return screening


def _require_clinical(actor, screening):
    user = actor.user
    if (
        user is None
        or not user.memberships.filter(
            clinic_id=screening.clinic_id, role__in=CLINICAL_ROLES, is_active=True
        ).exists()
    ):
        raise PermissionDenied("Only a clinician or a clinic admin may review findings.")


def _finding_to_review(screening, rule_id, severities, verb):
    finding = screening.finding(rule_id)
    if finding is None:
        raise ValidationError("This screening has no such finding.")
    if finding["severity"] not in severities:
        if verb == "acknowledge":
            raise ValidationError(
                "A contraindication is overridden with a written reason, not acknowledged."
            )
        raise ValidationError("Only a contraindication is overridden; acknowledge this finding.")
    if FindingReview.objects.filter(screening=screening, rule=rule_id).exists():
        raise ValidationError("This finding has already been reviewed.")
    return finding


def _locked(screening):
    # Two clinicians reviewing the same finding at once: the second waits, then sees
    # the first review and is refused.
    return Screening.objects.select_for_update().get(pk=screening.pk)


@transaction.atomic
def do_acknowledge_finding(actor, screening, rule_id):
    """A clinician has seen a caution, review or info finding of this screening."""
    _require_clinical(actor, screening)
    screening = _locked(screening)
    finding = _finding_to_review(screening, rule_id, ACKNOWLEDGEABLE, "acknowledge")
    review = FindingReview(
        screening=screening, rule=rule_id, kind=ReviewKind.ACKNOWLEDGE, by=actor.user
    )
    review.save()
    record(
        Event.SCREENING_ACKNOWLEDGED,
        actor,
        patient=screening.patient,
        subject=review,
        screening=screening.pk,
        rule=rule_id,
        severity=finding["severity"],
    )
    return review


@transaction.atomic
def do_override_finding(actor, screening, rule_id, reason):
    """A clinician proceeds despite a contraindication, and writes down why."""
    _require_clinical(actor, screening)
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise ValidationError({"reason": REASON_TOO_SHORT})
    screening = _locked(screening)
    finding = _finding_to_review(screening, rule_id, OVERRIDABLE, "override")
    review = FindingReview(
        screening=screening, rule=rule_id, kind=ReviewKind.OVERRIDE, reason=reason, by=actor.user
    )
    review.save()
    record(
        Event.SCREENING_OVERRIDDEN,
        actor,
        patient=screening.patient,
        subject=review,
        screening=screening.pk,
        rule=rule_id,
        severity=finding["severity"],
        reason=reason,
    )
    return review
