"""Treatment plans over the API: list, draft, read, edit the draft, activate, adjust,
pause, resume, complete, stop, and the version history. Patients read their own plans;
the clinic's staff read its plans; clinicians and admins change them. (The stateless
POST /plans/preview lives in api_preview; every route here takes an integer id, so the
two never meet.)"""

import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from ldnclinic.accounts.access import CLINICAL_ROLES, request_memberships, require_write
from ldnclinic.api import ERRORS, ErrorOut, Page, StrictSchema, paginate
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.patients.access import get_patient_for_update, staff_role_for
from ldnclinic.plans import actions
from ldnclinic.plans.access import get_plan_for_update, get_plan_for_user, plans_for_request
from ldnclinic.plans.actions_side_effects import do_report_side_effect
from ldnclinic.plans.formulation import formulation_from_dict, volume_ml
from ldnclinic.plans.models import PlanVersion
from ldnclinic.plans.params import calendar_of, default_params, merge_params
from ldnclinic.plans.sig import full_sig
from ldnclinic.plans.titration import PlanInputError, fmt
from ldnclinic.protocols.library import get_protocol_version
from ldnclinic.scheduling.models import Appointment

router = Router(tags=["Plans"])

Status_ = Literal["draft", "active", "paused", "completed", "stopped"]
Source = Literal["visit", "side_effect", "patient_request", "other"]
Kind = Literal["hold", "step_back", "morning", "bedtime", "pause", "resume", "stop"]
Reason = Field(min_length=1, max_length=2000)


# Output -----------------------------------------------------------------------------------


class ConditionOut(Schema):
    slug: str
    name: str


class ProtocolRefOut(Schema):
    code: str
    version: int
    name: str


class StepOut(Schema):
    start_date: datetime.date
    end_date: datetime.date
    dose_mg: str
    timing: str
    days: int
    volume_ml: str | None = None


class VersionOut(Schema):
    number: int
    kind: str
    effective_from: datetime.date
    reason: str
    source: str
    appointment_id: int | None
    params: dict
    adjustments: list[dict]
    steps: list[StepOut]
    sig: str
    created_by: str | None = Field(None, description="Email of the staff member (staff only)")
    created_at: datetime.datetime


class TodayOut(Schema):
    date: datetime.date
    dose_mg: str | None = Field(description="None when no dose is due today")
    timing: str | None


class PlanOut(Schema):
    id: int
    patient_id: int
    clinic_id: int
    condition: ConditionOut
    protocol: ProtocolRefOut
    status: str
    stop_reason: str
    clinician_id: int | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    today: TodayOut
    current_version: VersionOut


class PlanSummaryOut(Schema):
    id: int
    patient_id: int
    condition: ConditionOut
    protocol: ProtocolRefOut
    status: str
    version: int
    start_date: datetime.date | None
    created_at: datetime.datetime


class PlanListOut(Schema):
    items: list[PlanSummaryOut]
    page: Page


class VersionListOut(Schema):
    items: list[VersionOut]


def _protocol(plan):
    version = plan.protocol_version
    return {"code": version.protocol.code, "version": version.number, "name": version.name}


def _condition(plan):
    return {"slug": plan.condition_slug, "name": plan.condition_name}


def _steps(version):
    rows = []
    liquid = version.params["formulation"]["type"] == "liquid"
    formulation = formulation_from_dict(dict(version.params["formulation"]))
    for step in calendar_of(version.steps).steps:
        rows.append(
            {
                "start_date": step.start_date,
                "end_date": step.end_date,
                "dose_mg": fmt(step.dose_mg),
                "timing": step.timing,
                "days": step.days,
                "volume_ml": fmt(volume_ml(step.dose_mg, formulation)) if liquid else None,
            }
        )
    return rows


def _version_out(version, *, staff: bool):
    formulation = formulation_from_dict(dict(version.params["formulation"]))
    return {
        "number": version.number,
        "kind": version.kind,
        "effective_from": version.effective_from,
        "reason": version.reason,
        "source": version.source,
        "appointment_id": version.appointment_id,
        "params": version.params,
        "adjustments": version.adjustments,
        "steps": _steps(version),
        "sig": full_sig(calendar_of(version.steps), formulation),
        "created_by": version.created_by.email if staff and version.created_by else None,
        "created_at": version.created_at,
    }


def _today(plan):
    return timezone.now().astimezone(plan.patient.clinic.tz).date()


def _plan_out(request, plan):
    version = plan.versions.select_related("created_by").order_by("-number").first()
    today = _today(plan)
    step = calendar_of(version.steps).dose_on(today) if version.steps else None
    staff = staff_role_for(request, plan.patient) is not None
    return {
        "id": plan.pk,
        "patient_id": plan.patient_id,
        "clinic_id": plan.clinic_id,
        "condition": _condition(plan),
        "protocol": _protocol(plan),
        "status": plan.status,
        "stop_reason": plan.stop_reason,
        "clinician_id": plan.clinician_id,
        "created_at": plan.created_at,
        "updated_at": plan.updated_at,
        "today": {
            "date": today,
            "dose_mg": fmt(step.dose_mg) if step else None,
            "timing": step.timing if step else None,
        },
        "current_version": _version_out(version, staff=staff),
    }


# Input ------------------------------------------------------------------------------------


class PlanCreateIn(StrictSchema):
    patient: int
    protocol: str = Field(min_length=1, max_length=80, description="The protocol's code")
    protocol_version: int | None = Field(None, ge=1, description="Default: the latest")
    condition: str | None = Field(None, max_length=80, description="Default: the protocol's")
    params: dict = Field(
        default_factory=dict,
        description=(
            "The plan's params; anything left out takes the protocol's default (scheme_code "
            "picks the scheme, start_date defaults to today in the clinic's time zone)."
        ),
    )


class PlanUpdateIn(StrictSchema):
    params: dict = Field(description="Changes to the draft's params (merged over them)")
    reason: str = Field("", max_length=500)


class AdjustIn(StrictSchema):
    kind: Kind
    effective_date: datetime.date | None = Field(None, description="Default: today")
    days: int | None = Field(None, description="Hold only: 1 to 90 more days")
    reason: str = Reason
    source: Source = "other"
    appointment: int | None = None


class StateChangeIn(StrictSchema):
    effective_date: datetime.date | None = Field(None, description="Default: today")
    reason: str = Reason
    source: Source = "other"
    appointment: int | None = None


class ListFilters(Schema):
    patient: int | None = None
    status: Status_ | None = None
    page: int = 1
    page_size: int | None = Field(None, ge=1, le=100)


def _invalid(error: PlanInputError) -> ValidationError:
    return ValidationError({f"params.{k}": [v] for k, v in error.errors.items()})


def _lead(request, patient):
    return next(
        (
            m
            for m in request_memberships(request)
            if m.clinic_id == patient.clinic_id and m.role in CLINICAL_ROLES
        ),
        None,
    )


# Endpoints --------------------------------------------------------------------------------


@router.get("/plans", response={200: PlanListOut, ERRORS: ErrorOut}, summary="List plans")
def list_plans(request, filters: Query[ListFilters]):
    plans = plans_for_request(request).select_related(
        "protocol_version__protocol", "patient__clinic"
    )
    if filters.patient is not None:
        plans = plans.filter(patient_id=filters.patient)
    if filters.status is not None:
        plans = plans.filter(status=filters.status)
    plans = plans.prefetch_related(
        Prefetch("versions", queryset=PlanVersion.objects.order_by("-number"))
    )
    items, page = paginate(plans.order_by("-created_at", "-id"), filters.page, filters.page_size)
    latest = {plan.pk: plan.versions.all()[0] for plan in items}
    for patient_id in dict.fromkeys(p.patient_id for p in items):
        mine = [p for p in items if p.patient_id == patient_id]
        record(
            Event.PLAN_VIEWED,
            Actor.from_request(request),
            patient=mine[0].patient,
            plan_ids=[p.pk for p in mine],
            listed=True,
        )
    return {
        "items": [
            {
                "id": p.pk,
                "patient_id": p.patient_id,
                "condition": _condition(p),
                "protocol": _protocol(p),
                "status": p.status,
                "version": latest[p.pk].number,
                "start_date": latest[p.pk].params.get("start_date"),
                "created_at": p.created_at,
            }
            for p in items
        ],
        "page": page,
    }


@router.post(
    "/plans",
    response={201: PlanOut, ERRORS: ErrorOut},
    summary="Draft a plan from a protocol (clinicians and admins)",
)
def create_plan(request, payload: PlanCreateIn):
    patient = get_patient_for_update(request, payload.patient, roles=CLINICAL_ROLES)
    try:
        version = get_protocol_version(patient.clinic, payload.protocol, payload.protocol_version)
    except Http404:
        raise ValidationError(
            {"protocol": "No such protocol (or version) for this clinic."}
        ) from None
    today = timezone.now().astimezone(patient.clinic.tz).date()
    scheme_code = payload.params.get("scheme_code")
    try:
        base = default_params(
            version.data, start_date=today, scheme_code=str(scheme_code) if scheme_code else None
        )
    except PlanInputError as error:
        raise _invalid(error) from None
    params = merge_params(base, payload.params)
    plan = actions.do_create_plan(
        Actor.from_request(request),
        patient,
        protocol_version=version,
        condition=payload.condition,
        params=params,
        clinician=_lead(request, patient),
    )
    return Status(201, _plan_out(request, plan))


@router.get(
    "/plans/{int:plan_id}",
    response={200: PlanOut, ERRORS: ErrorOut},
    summary="Read a plan with its current version, steps and sig",
)
def read_plan(request, plan_id: int):
    return _plan_out(request, get_plan_for_user(request, plan_id))


@router.patch(
    "/plans/{int:plan_id}",
    response={200: PlanOut, ERRORS: ErrorOut},
    summary="Change a draft's params (a new version)",
)
def update_plan(request, plan_id: int, payload: PlanUpdateIn):
    plan = get_plan_for_update(request, plan_id)
    current = plan.current_version
    try:
        params = merge_params(current.params, payload.params, plan.protocol_version.data)
    except PlanInputError as error:
        raise _invalid(error) from None
    plan = actions.do_edit_plan(
        Actor.from_request(request), plan, params=params, reason=payload.reason
    )
    return _plan_out(request, plan)


@router.post(
    "/plans/{int:plan_id}/activate",
    response={200: PlanOut, ERRORS: ErrorOut},
    summary="Activate a draft (refused while the safety screen blocks LDN)",
)
def activate_plan(request, plan_id: int):
    plan = get_plan_for_update(request, plan_id)
    return _plan_out(request, actions.do_activate_plan(Actor.from_request(request), plan))


def _appointment(plan, pk):
    if pk is None:
        return None
    appointment = Appointment.objects.filter(pk=pk, patient_id=plan.patient_id).first()
    if appointment is None:
        raise ValidationError({"appointment": "Choose one of this patient's appointments."})
    return appointment


def _adjust(request, plan, kind, payload, days=None):
    adjustment = {
        "kind": kind,
        "effective_date": (payload.effective_date or _today(plan)).isoformat(),
        "days": days,
    }
    plan = actions.do_adjust_plan(
        Actor.from_request(request),
        plan,
        adjustment=adjustment,
        reason=payload.reason,
        source=payload.source,
        appointment=_appointment(plan, payload.appointment),
    )
    return _plan_out(request, plan)


@router.post(
    "/plans/{int:plan_id}/adjust",
    response={200: PlanOut, ERRORS: ErrorOut},
    summary="Adjust a live plan from a date (a new version)",
)
def adjust_plan(request, plan_id: int, payload: AdjustIn):
    plan = get_plan_for_update(request, plan_id)
    return _adjust(request, plan, payload.kind, payload, payload.days)


@router.post(
    "/plans/{int:plan_id}/pause", response={200: PlanOut, ERRORS: ErrorOut}, summary="Pause"
)
def pause_plan(request, plan_id: int, payload: StateChangeIn):
    return _adjust(request, get_plan_for_update(request, plan_id), "pause", payload)


@router.post(
    "/plans/{int:plan_id}/resume", response={200: PlanOut, ERRORS: ErrorOut}, summary="Resume"
)
def resume_plan(request, plan_id: int, payload: StateChangeIn):
    return _adjust(request, get_plan_for_update(request, plan_id), "resume", payload)


@router.post(
    "/plans/{int:plan_id}/stop",
    response={200: PlanOut, ERRORS: ErrorOut},
    summary="Stop (a reason is required)",
)
def stop_plan(request, plan_id: int, payload: StateChangeIn):
    return _adjust(request, get_plan_for_update(request, plan_id), "stop", payload)


@router.post(
    "/plans/{int:plan_id}/complete",
    response={200: PlanOut, ERRORS: ErrorOut},
    summary="Complete a live plan",
)
def complete_plan(request, plan_id: int):
    plan = get_plan_for_update(request, plan_id)
    return _plan_out(request, actions.do_complete_plan(Actor.from_request(request), plan))


@router.get(
    "/plans/{int:plan_id}/versions",
    response={200: VersionListOut, ERRORS: ErrorOut},
    summary="Every version of a plan, newest first",
)
def plan_versions(request, plan_id: int):
    plan = get_plan_for_user(request, plan_id)
    staff = staff_role_for(request, plan.patient) is not None
    versions = plan.versions.select_related("created_by").order_by("-number")
    return {"items": [_version_out(v, staff=staff) for v in versions]}


# Side effects -----------------------------------------------------------------------------


class SideEffectOut(Schema):
    id: int
    plan_id: int
    symptom: str
    symptom_label: str
    severity: int
    severity_label: str
    started_on: datetime.date
    note: str
    status: str
    reported_by_patient: bool
    created_at: datetime.datetime
    reviewed_at: datetime.datetime | None
    resolved_by_version: int | None = Field(None, description="The plan version that answered it")


class SideEffectListOut(Schema):
    items: list[SideEffectOut]


class SideEffectIn(StrictSchema):
    symptom: Literal["vivid_dreams", "insomnia", "headache", "nausea", "other"]
    severity: int = Field(ge=1, le=3, description="1 mild, 2 moderate, 3 severe")
    started_on: datetime.date = Field(description="Not in the future (clinic time zone)")
    note: str = Field("", max_length=1000)


def _side_effect_out(report):
    return {
        "id": report.pk,
        "plan_id": report.plan_id,
        "symptom": report.symptom,
        "symptom_label": report.get_symptom_display(),
        "severity": report.severity,
        "severity_label": report.get_severity_display(),
        "started_on": report.started_on,
        "note": report.note,
        "status": report.status,
        "reported_by_patient": report.reported_by_id is not None
        and report.reported_by_id == report.patient.user_id,
        "created_at": report.created_at,
        "reviewed_at": report.reviewed_at,
        "resolved_by_version": (
            report.resolved_by_version.number if report.resolved_by_version else None
        ),
    }


@router.get(
    "/plans/{int:plan_id}/side-effects",
    response={200: SideEffectListOut, ERRORS: ErrorOut},
    summary="The side effects reported on a plan, newest first",
)
def list_side_effects(request, plan_id: int):
    plan = get_plan_for_user(request, plan_id)
    reports = plan.side_effect_reports.select_related("patient", "resolved_by_version")
    return {"items": [_side_effect_out(r) for r in reports.order_by("-created_at", "-id")]}


@router.post(
    "/plans/{int:plan_id}/side-effects",
    response={201: SideEffectOut, ERRORS: ErrorOut},
    summary="Report a side effect on a live plan (its patient, or clinicians and admins)",
)
def report_side_effect(request, plan_id: int, payload: SideEffectIn):
    plan = get_plan_for_user(request, plan_id, event=None)
    role = staff_role_for(request, plan.patient)
    if role is not None and role not in CLINICAL_ROLES:
        raise PermissionDenied("Only a clinician or a clinic admin can report for a patient.")
    require_write(request)
    report = do_report_side_effect(
        Actor.from_request(request),
        plan,
        symptom=payload.symptom,
        severity=payload.severity,
        started_on=payload.started_on,
        note=payload.note,
    )
    return Status(201, _side_effect_out(report))
