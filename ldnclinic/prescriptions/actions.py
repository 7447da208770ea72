"""Drafting, signing, superseding and voiding prescriptions, and the clinic's compounding
settings and pharmacies: every change to prescriptions goes through here."""

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ldnclinic.accounts.access import CLINICAL_ROLES
from ldnclinic.accounts.models import Membership
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.plans.models import PlanStatus
from ldnclinic.prescriptions import engine
from ldnclinic.prescriptions.models import (
    CompoundingSettings,
    Pharmacy,
    Prescription,
    PrescriptionStatus,
)
from ldnclinic.scheduling.public import hourly_claims_used_up, take_hourly_claim
from ldnclinic.screening.status import blocking_findings

WRONG_PASSWORD = "That is not your password. Re-enter the password you sign in with."
SIGNING_FAILURES_PER_HOUR = 5
SIGNING_LOCKED = (
    "Too many wrong passwords: signing is locked until the next hour. "
    "Ask a clinic admin if this was not you."
)
NOT_A_PRESCRIBER = "Only a clinician or clinic admin of this clinic may sign prescriptions."
PLAN_CLOSED = "This plan is {status}: there is nothing left to prescribe."
PLAN_CHANGED = "The plan has changed since this draft. Draft a new prescription."
NOT_A_DRAFT = "Only a draft can be signed; this prescription is {status}."
NO_PHARMACY = "Choose one of the clinic's active pharmacies."
REFUSED = "The safety screen blocks prescribing: {findings}. Review them on the safety screen."
PRESCRIBABLE = (PlanStatus.DRAFT, PlanStatus.ACTIVE, PlanStatus.PAUSED)


class PrescribingRefused(ValidationError):
    """Signing refused by the safety screen; `findings` are what blocks it."""

    def __init__(self, findings):
        self.findings = findings
        titles = "; ".join(f["title"] for f in findings)
        super().__init__(REFUSED.format(findings=titles))


def _input_error(error) -> ValidationError:
    return ValidationError({field: [message] for field, message in error.errors.items()})


def prescriber_membership(user, clinic):
    """The user's clinical membership in `clinic`, or None."""
    if user is None:
        return None
    return (
        Membership.objects.filter(user=user, clinic=clinic, is_active=True, role__in=CLINICAL_ROLES)
        .select_related("user", "clinic")
        .first()
    )


def _require_prescriber(actor, clinic):
    membership = prescriber_membership(actor.user, clinic)
    if membership is None:
        raise PermissionDenied(NOT_A_PRESCRIBER)
    return membership


def patient_snapshot(patient) -> dict:
    address = ", ".join(
        part
        for part in (
            patient.address_line1,
            patient.address_line2,
            patient.city,
            patient.region,
            patient.postal_code,
            patient.country if patient.address_line1 else "",
        )
        if part
    )
    return {
        "name": patient.full_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "mrn": patient.mrn,
        "address": address,
        "phone": patient.phone,
    }


def prescriber_snapshot(membership) -> dict:
    user, clinic = membership.user, membership.clinic
    location = clinic.locations.filter(is_active=True).first()
    clinic_address = ""
    if location is not None:
        clinic_address = ", ".join(
            p
            for p in (location.address_line1, location.city, location.region, location.postal_code)
            if p
        )
    return {
        "name": user.full_name or user.email,
        "credentials": membership.title,
        "role": membership.get_role_display(),
        "email": user.email,
        "clinic": clinic.name,
        "clinic_phone": clinic.phone,
        "clinic_address": clinic_address,
    }


def clinic_bud_days(clinic) -> dict:
    return CompoundingSettings.for_clinic(clinic).bud_days()


def default_period(plan, calendar, *, now=None):
    """From the later of the plan's start and today (clinic time) to the plan's end."""
    today = timezone.localdate(now or timezone.now(), plan.clinic.tz)
    return max(calendar.start_date, today), calendar.end_date


@transaction.atomic
def do_draft_prescription(
    actor: Actor, plan, *, pharmacy, period_start=None, period_end=None, now=None
):
    """A draft prescription for the plan's current version over the period."""
    _require_prescriber(actor, plan.clinic)
    if plan.status not in PRESCRIBABLE:
        raise ValidationError(PLAN_CLOSED.format(status=plan.get_status_display().lower()))
    if pharmacy is None or pharmacy.clinic_id != plan.clinic_id or not pharmacy.is_active:
        raise ValidationError({"pharmacy": NO_PHARMACY})
    version = plan.current_version
    if version is None:
        raise ValidationError("The plan has no version to prescribe from.")
    try:
        formulation = engine.formulation_of(version)
        calendar = engine.calendar_for_version(version)
        if not calendar.steps:
            raise ValidationError("The plan has no dose left to prescribe.")
        start, end = default_period(plan, calendar, now=now)
        if period_start is None and start > end:
            raise ValidationError("The plan has no dose left to prescribe from today.")
        start, end = period_start or start, period_end or end
        if end < start:
            raise ValidationError({"period_end": "The period must end on or after its start."})
        settings = CompoundingSettings.for_clinic(plan.clinic)
        rx = engine.period_rx(calendar, formulation, start, end, bud_days=settings.bud_days())
    except engine.PlanInputError as error:
        raise _input_error(error) from None
    dispense = rx.dispense
    prescription = Prescription.objects.create(
        clinic=plan.clinic,
        patient=plan.patient,
        plan=plan,
        plan_version=version,
        formulation=version.params["formulation"],
        period_start=start,
        period_end=end,
        steps=rx.steps,
        dispense=dispense.to_dict(),
        sig=rx.sig,
        sig_lines=rx.sig_lines,
        dosage_instruction=rx.dosage_instruction,
        beyond_use_days=dispense.beyond_use_days,
        preparation=dispense.preparation,
        storage=settings.storage_override(dispense.preparation) or dispense.storage,
        refills=dispense.refills,
        pharmacy=pharmacy,
        pharmacy_snapshot=pharmacy.snapshot(),
        patient_snapshot=patient_snapshot(plan.patient),
        created_by=actor.user,
    )
    record(
        Event.PRESCRIPTION_DRAFTED,
        actor,
        patient=plan.patient,
        subject=prescription,
        plan=plan.pk,
        plan_version=version.number,
        period=[start.isoformat(), end.isoformat()],
    )
    return prescription


def _refuse_if_blocked(actor, prescription):
    """Runs outside the signing transaction so that the refusal stays in the audit trail."""
    findings = blocking_findings(prescription.patient)
    if findings:
        record(
            Event.PRESCRIPTION_REFUSED,
            actor,
            patient=prescription.patient,
            subject=prescription,
            findings=[f["rule"] for f in findings],
        )
        raise PrescribingRefused(findings)


def _check_signing_password(user, password):
    """The password re-entered to sign. Wrong ones are counted per user: after
    SIGNING_FAILURES_PER_HOUR, signing is locked for the rest of the hour, right password
    or not, so a session left open cannot be used to guess it."""
    key = f"prescription-sign-failures:{user.pk}"
    if hourly_claims_used_up(key, SIGNING_FAILURES_PER_HOUR):
        raise ValidationError({"password": SIGNING_LOCKED})
    if password and user.check_password(password):
        return
    if take_hourly_claim(key, SIGNING_FAILURES_PER_HOUR) is not None:
        raise ValidationError({"password": SIGNING_LOCKED})
    raise ValidationError({"password": WRONG_PASSWORD})


def do_sign_prescription(actor: Actor, prescription, *, password, now=None):
    """The prescriber signs a draft by re-entering their password. Refused (and the
    refusal audited) while the safety screen has findings nobody reviewed."""
    membership = _require_prescriber(actor, prescription.clinic)
    _check_signing_password(actor.user, password)
    _refuse_if_blocked(actor, prescription)
    return _sign(actor, prescription, membership, now=now or timezone.now())


@transaction.atomic
def _sign(actor, prescription, membership, *, now):
    from ldnclinic.prescriptions.pdf import render_prescription_pdf

    prescription = (
        Prescription.objects.select_for_update().select_related("plan").get(pk=prescription.pk)
    )
    if prescription.status != PrescriptionStatus.DRAFT:
        raise ValidationError(NOT_A_DRAFT.format(status=prescription.get_status_display().lower()))
    current = prescription.plan.current_version
    if current is None or current.pk != prescription.plan_version_id:
        raise ValidationError(PLAN_CHANGED)
    if prescription.plan.status not in PRESCRIBABLE:
        raise ValidationError(
            PLAN_CLOSED.format(status=prescription.plan.get_status_display().lower())
        )
    prescription.status = PrescriptionStatus.SIGNED
    prescription.prescriber = membership
    prescription.prescriber_snapshot = prescriber_snapshot(membership)
    prescription.patient_snapshot = patient_snapshot(prescription.patient)
    prescription.signed_at = now
    pdf = render_prescription_pdf(prescription)
    prescription.pdf = pdf
    prescription.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    prescription.save()
    record(
        Event.PRESCRIPTION_SIGNED,
        actor,
        patient=prescription.patient,
        subject=prescription,
        plan=prescription.plan_id,
        pdf_sha256=prescription.pdf_sha256,
    )
    # The new prescription replaces the plan's other live ones.
    others = Prescription.objects.live().filter(plan=prescription.plan).exclude(pk=prescription.pk)
    for other in others:
        _close(
            actor,
            other,
            PrescriptionStatus.SUPERSEDED,
            f"Replaced by prescription {prescription.pk}.",
            now=now,
            superseded_by=prescription,
        )
    return prescription


def _close(actor, prescription, status, reason, *, now, superseded_by=None):
    prescription.status = status
    prescription.closed_reason = reason
    prescription.closed_at = now
    prescription.closed_by = actor.user
    prescription.superseded_by = superseded_by
    try:
        prescription.save()
    except IntegrityError:  # pragma: no cover - constraints are checked above
        raise ValidationError("The prescription could not be closed.") from None
    record(
        Event.PRESCRIPTION_SUPERSEDED,
        actor,
        patient=prescription.patient,
        subject=prescription,
        status=status,
        reason=reason,
        superseded_by=superseded_by.pk if superseded_by else None,
    )


@transaction.atomic
def do_void_prescription(actor: Actor, prescription, *, reason, now=None):
    """Withdraw a draft or signed prescription, with the reason."""
    _require_prescriber(actor, prescription.clinic)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the prescription is void."})
    prescription = Prescription.objects.select_for_update().get(pk=prescription.pk)
    if not prescription.is_live:
        raise ValidationError(
            f"This prescription is {prescription.get_status_display().lower()} already."
        )
    _close(actor, prescription, PrescriptionStatus.VOID, reason, now=now or timezone.now())
    return prescription


def supersede_for_plan_change(actor, plan, version, *, now=None):
    """Live prescriptions of older versions whose doses the new version changes (or all of
    them when the plan stopped) become superseded. Nothing is signed automatically."""
    now = now or timezone.now()
    live = list(Prescription.objects.live().filter(plan=plan).select_related("plan_version"))
    if not live:
        return []
    closed_plan = plan.status in (PlanStatus.STOPPED, PlanStatus.COMPLETED)
    calendar = formulation = None
    if version is not None and not closed_plan:
        try:
            calendar = engine.calendar_for_version(version)
            formulation = version.params["formulation"]
        except engine.PlanInputError:
            calendar = None
    changed = []
    for prescription in live:
        if not closed_plan and version is not None and prescription.plan_version_id == version.pk:
            continue
        # A signed prescription whose doses the change leaves alone stays valid; a draft
        # of an older version is always replaced (signing needs the current version).
        signed = prescription.status == PrescriptionStatus.SIGNED
        if signed and not closed_plan and calendar is not None:
            same = (
                prescription.formulation == formulation
                and prescription.steps
                == engine.clip(
                    calendar, prescription.period_start, prescription.period_end
                ).to_list()
            )
            if same:
                continue
        number = version.number if version is not None else None
        reason = (
            f"The plan is {plan.get_status_display().lower()}."
            if closed_plan
            else f"The plan changed (version {number}): a new prescription is needed."
        )
        _close(actor, prescription, PrescriptionStatus.SUPERSEDED, reason, now=now)
        changed.append(prescription)
    return changed


@transaction.atomic
def do_save_compounding_settings(actor: Actor, clinic, **values):
    settings = CompoundingSettings.for_clinic(clinic)
    before = {name: getattr(settings, name) for name in values}
    for name, value in values.items():
        setattr(settings, name, value)
    settings.updated_by = actor.user
    settings.full_clean()
    settings.save()
    changed = {k: [before[k], v] for k, v in values.items() if before[k] != v}
    record(Event.COMPOUNDING_DEFAULTS_SAVED, actor, clinic=clinic, subject=settings, **changed)
    return settings


PHARMACY_FIELDS = ("name", "address", "phone", "fax", "email")


@transaction.atomic
def do_save_pharmacy(actor: Actor, clinic, pharmacy=None, **values):
    """Add a pharmacy to the clinic's directory, or edit one."""
    pharmacy = pharmacy or Pharmacy(clinic=clinic)
    if pharmacy.clinic_id != clinic.pk:
        raise PermissionDenied("This pharmacy is not one of your clinic's.")
    adding = pharmacy.pk is None
    for name in PHARMACY_FIELDS:
        if name in values:
            setattr(pharmacy, name, (values[name] or "").strip())
    pharmacy.full_clean()
    pharmacy.save()
    record(
        Event.COMPOUNDING_DEFAULTS_SAVED,
        actor,
        clinic=clinic,
        subject=pharmacy,
        pharmacy=pharmacy.name,
        change="added" if adding else "edited",
    )
    return pharmacy


@transaction.atomic
def do_set_pharmacy_active(actor: Actor, pharmacy, *, active: bool):
    pharmacy.is_active = active
    pharmacy.save(update_fields=["is_active"])
    record(
        Event.COMPOUNDING_DEFAULTS_SAVED,
        actor,
        clinic=pharmacy.clinic,
        subject=pharmacy,
        pharmacy=pharmacy.name,
        change="reactivated" if active else "deactivated",
    )
    return pharmacy
