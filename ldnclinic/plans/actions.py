"""Every change to a treatment plan goes through here: drafting, editing the draft,
activating, adjusting (hold, step back, timing, pause, resume, stop) and completing.
Each action checks everything before it writes, so a refusal leaves nothing half-saved;
each new version or state change is audited and handed to prescriptions and the session
series (their hooks run in the same transaction)."""

import dataclasses
import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from ldnclinic.accounts.access import CLINICAL_ROLES
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.plans.models import LIVE_STATUSES, Plan, PlanStatus, PlanVersion, VersionKind
from ldnclinic.plans.params import check_params
from ldnclinic.plans.titration import ADJUSTMENT_KINDS, Adjustment, PlanInputError
from ldnclinic.prescriptions import hooks as prescription_hooks
from ldnclinic.screening.status import blocking_findings
from ldnclinic.series import hooks as series_hooks

SOURCES = {
    "visit": "Visit",
    "side_effect": "Side effect",
    "patient_request": "Patient request",
    "other": "Other",
}
LIVE_EXISTS = (
    "This patient already has an active or paused plan for {condition}: complete or stop it "
    "before starting another."
)
NOT_DRAFT = "Only a draft plan can be {verb}; this plan is {status}."
NOT_LIVE = "This plan is {status}: only an active or paused plan can be adjusted."
# What each adjustment makes of the plan: the version kind, the audit event, the new status.
ADJUSTMENT_EFFECTS = {
    "pause": (VersionKind.PAUSED, Event.PLAN_PAUSED, PlanStatus.PAUSED),
    "resume": (VersionKind.RESUMED, Event.PLAN_RESUMED, PlanStatus.ACTIVE),
    "stop": (VersionKind.STOPPED, Event.PLAN_STOPPED, PlanStatus.STOPPED),
}
REASON_MAX = 2000


def _invalid(error: PlanInputError) -> ValidationError:
    return ValidationError({field: [message] for field, message in error.errors.items()})


def _checked(params, adjustments=()):
    try:
        return check_params(params, adjustments)
    except PlanInputError as error:
        raise _invalid(error) from None


def _locked(plan) -> Plan:
    """The plan re-read under a row lock (PostgreSQL), so two changes cannot interleave."""
    return (
        Plan.objects.select_for_update()
        .select_related("patient__clinic", "protocol_version__protocol")
        .get(pk=plan.pk)
    )


def _changed(actor, plan, version):
    prescription_hooks.plan_changed(actor, plan, version)
    series_hooks.plan_changed(actor, plan, version)


def _new_version(plan, actor: Actor, *, kind, params, adjustments, steps, effective_from, **extra):
    last = plan.versions.aggregate(n=Max("number"))["n"] or 0
    return PlanVersion.objects.create(
        plan=plan,
        number=last + 1,
        kind=kind,
        params=params,
        adjustments=adjustments,
        steps=steps,
        effective_from=effective_from,
        created_by=actor.user,
        **extra,
    )


def _check_clinician(patient, clinician):
    if clinician is None:
        return
    if clinician.clinic_id != patient.clinic_id or not clinician.is_active:
        raise ValidationError({"clinician": "Choose a clinician of this clinic."})
    if clinician.role not in CLINICAL_ROLES:
        raise ValidationError({"clinician": "Only a clinician or a clinic admin can lead a plan."})


def _condition(protocol_version, condition):
    data_condition = protocol_version.data.get("condition") or {}
    slug = data_condition.get("slug") or protocol_version.protocol.condition_slug
    if condition and condition != slug:
        raise ValidationError(
            {"condition": f"This protocol is for {data_condition.get('name', slug)}."}
        )
    return slug, data_condition.get("name") or slug.replace("-", " ").capitalize()


@transaction.atomic
def do_create_plan(actor: Actor, patient, *, protocol_version, condition, params, clinician=None):
    """A draft plan, version 1, with its dose calendar computed from `params`."""
    protocol = protocol_version.protocol
    if protocol.clinic_id not in (None, patient.clinic_id):
        raise ValidationError({"protocol": "This protocol is not one of this clinic's."})
    slug, name = _condition(protocol_version, condition)
    _check_clinician(patient, clinician)
    checked = _checked(params)
    plan = Plan.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        condition_slug=slug,
        condition_name=name,
        protocol_version=protocol_version,
        clinician=clinician,
        created_by=actor.user,
    )
    version = _new_version(
        plan,
        actor,
        kind=VersionKind.CREATED,
        params=checked.params,
        adjustments=[],
        steps=checked.calendar.to_list(),
        effective_from=checked.calendar.start_date,
    )
    record(
        Event.PLAN_CREATED,
        actor,
        patient=patient,
        subject=plan,
        condition=slug,
        protocol=protocol.code,
        protocol_version=protocol_version.number,
        scheme=checked.params["scheme_code"],
    )
    _changed(actor, plan, version)
    return plan


@transaction.atomic
def do_edit_plan(actor: Actor, plan, *, params, clinician=None, reason=""):
    """A new version of a draft's params (a live plan changes through adjustments)."""
    plan = _locked(plan)
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(NOT_DRAFT.format(verb="edited", status=plan.get_status_display()))
    _check_clinician(plan.patient, clinician)
    checked = _checked(params)
    version = _new_version(
        plan,
        actor,
        kind=VersionKind.EDITED,
        params=checked.params,
        adjustments=[],
        steps=checked.calendar.to_list(),
        effective_from=checked.calendar.start_date,
        reason=reason[:REASON_MAX],
    )
    if clinician is not None and clinician.pk != plan.clinician_id:
        plan.clinician = clinician
    plan.save()
    record(
        Event.PLAN_EDITED,
        actor,
        patient=plan.patient,
        subject=plan,
        version=version.number,
        scheme=checked.params["scheme_code"],
    )
    _changed(actor, plan, version)
    return plan


def _refuse_blocked(patient):
    findings = blocking_findings(patient)
    if findings:
        titles = "; ".join(f["title"] for f in findings)
        raise ValidationError(
            "The plan puts the patient on LDN, and the safety screen has findings still "
            f"waiting for a clinician's review: {titles}. Review them on the Safety screen "
            "tab, then activate the plan.",
            code="screening",
        )


def _refuse_second_live(plan):
    others = Plan.objects.filter(
        patient_id=plan.patient_id, condition_slug=plan.condition_slug, status__in=LIVE_STATUSES
    ).exclude(pk=plan.pk)
    if others.exists():
        raise ValidationError(LIVE_EXISTS.format(condition=plan.condition_name), code="live")


@transaction.atomic
def do_activate_plan(actor: Actor, plan):
    """Draft -> active. Refused while the safety screen blocks LDN, or while the patient
    has another live plan for the same condition (the database constraint backs this)."""
    plan = _locked(plan)
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(NOT_DRAFT.format(verb="activated", status=plan.get_status_display()))
    _refuse_blocked(plan.patient)
    _refuse_second_live(plan)
    plan.status = PlanStatus.ACTIVE
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        # Another activation won the race between the check and the save.
        raise ValidationError(
            LIVE_EXISTS.format(condition=plan.condition_name), code="live"
        ) from None
    version = plan.current_version
    record(Event.PLAN_ACTIVATED, actor, patient=plan.patient, subject=plan, version=version.number)
    _changed(actor, plan, version)
    return plan


def _adjustment(value) -> Adjustment:
    if isinstance(value, Adjustment):
        return value
    try:
        return Adjustment.from_dict(dict(value))
    except PlanInputError as error:
        raise _invalid(error) from None
    except (TypeError, ValueError, KeyError):
        raise ValidationError({"kind": "Choose an adjustment and its date."}) from None


def _check_adjustment(plan, adjustment: Adjustment, previous: list, reason, source, appointment):
    if plan.status not in LIVE_STATUSES:
        raise ValidationError(
            NOT_LIVE.format(status=plan.get_status_display().lower()), code="not_live"
        )
    errors = {}
    if adjustment.kind not in ADJUSTMENT_KINDS:
        errors["kind"] = "Choose one of the adjustments offered."
    elif plan.status == PlanStatus.ACTIVE and adjustment.kind == "resume":
        errors["kind"] = "The plan is not paused, so there is nothing to resume."
    if not reason.strip():
        errors["reason"] = (
            "Say why the plan stops." if adjustment.kind == "stop" else "Say why, for the record."
        )
    if source not in SOURCES:
        errors["source"] = "Choose what prompted the change."
    if appointment is not None and appointment.patient_id != plan.patient_id:
        errors["appointment"] = "Choose one of this patient's appointments."
    if previous:
        last = datetime.date.fromisoformat(previous[-1]["effective_date"])
        if adjustment.effective_date < last:
            errors["effective_date"] = (
                f"The last change took effect on {last.isoformat()}; a new one cannot take "
                "effect before it."
            )
    if errors:
        raise ValidationError(errors)


def _before_the_start(adjustment: Adjustment, steps) -> Adjustment:
    """A plan stopped before its first dose stops from its first day (no dose at all)."""
    if adjustment.kind != "stop" or not steps:
        return adjustment
    first = datetime.date.fromisoformat(steps[0]["start_date"])
    if adjustment.effective_date < first:
        return dataclasses.replace(adjustment, effective_date=first)
    return adjustment


@transaction.atomic
def do_adjust_plan(actor: Actor, plan, *, adjustment, reason, source, appointment=None):
    """A new version from `adjustment.effective_date`: the same params, the adjustments so
    far plus this one, the calendar recomputed. Pause, resume and stop change the state too
    (a stop keeps its reason as the plan's stop reason)."""
    plan = _locked(plan)
    adjustment = _adjustment(adjustment)
    reason = (reason or "").strip()[:REASON_MAX]
    current = plan.current_version
    _check_adjustment(plan, adjustment, current.adjustments, reason, source, appointment)
    adjustment = _before_the_start(adjustment, current.steps)
    entry = {**adjustment.to_dict(), "reason": reason}
    adjustments = [*current.adjustments, entry]
    checked = _checked(current.params, adjustments)
    kind, event, status = ADJUSTMENT_EFFECTS.get(
        adjustment.kind, (VersionKind.ADJUSTED, Event.PLAN_ADJUSTED, plan.status)
    )
    version = _new_version(
        plan,
        actor,
        kind=kind,
        params=current.params,
        adjustments=adjustments,
        steps=checked.calendar.to_list(),
        effective_from=adjustment.effective_date,
        reason=reason,
        source=source,
        appointment=appointment,
    )
    plan.status = status
    if adjustment.kind == "stop":
        plan.stop_reason = reason
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        # Resuming while another plan for the condition went live meanwhile.
        raise ValidationError(
            LIVE_EXISTS.format(condition=plan.condition_name), code="live"
        ) from None
    record(
        event,
        actor,
        patient=plan.patient,
        subject=plan,
        version=version.number,
        adjustment=entry,
        source=source,
    )
    _changed(actor, plan, version)
    return plan


@transaction.atomic
def do_complete_plan(actor: Actor, plan, *, reason=""):
    """An active or paused plan has run its course."""
    plan = _locked(plan)
    if plan.status not in LIVE_STATUSES:
        raise ValidationError(
            f"This plan is {plan.get_status_display().lower()}: only an active or paused plan "
            "can be completed.",
            code="not_live",
        )
    plan.status = PlanStatus.COMPLETED
    plan.save()
    version = plan.current_version
    record(
        Event.PLAN_COMPLETED,
        actor,
        patient=plan.patient,
        subject=plan,
        version=version.number,
        reason=(reason or "").strip()[:REASON_MAX],
    )
    _changed(actor, plan, version)
    return plan
