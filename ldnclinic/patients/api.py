import datetime
from typing import Literal

from ninja import Query, Router, Schema, Status
from pydantic import Field

from ldnclinic.accounts.access import CLINICAL_ROLES, WRITE_ROLES, require_staff, require_write
from ldnclinic.api import ERRORS, ErrorOut, Page, StrictSchema, paginate
from ldnclinic.audit.log import Actor
from ldnclinic.patients import actions
from ldnclinic.patients.access import (
    audit_patient_list,
    get_patient_for_update,
    get_patient_for_user,
    patients_for_request,
)

router = Router(tags=["patients"])

Sex = Literal["female", "male", "intersex", "unknown"]
Name = Field(min_length=1, max_length=100)


class PatientOut(Schema):
    id: int
    clinic_id: int
    mrn: str
    given_name: str
    family_name: str
    preferred_name: str
    date_of_birth: datetime.date
    sex_at_birth: str
    gender_identity: str
    email: str
    phone: str
    address_line1: str
    address_line2: str
    city: str
    region: str
    postal_code: str
    country: str
    preferred_language: str
    emergency_contact_name: str
    emergency_contact_relationship: str
    emergency_contact_phone: str
    is_active: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime


class PatientListOut(Schema):
    items: list[PatientOut]
    page: Page


class PatientCreateIn(StrictSchema):
    given_name: str = Name
    family_name: str = Name
    date_of_birth: datetime.date
    mrn: str = Field("", max_length=20)
    preferred_name: str = Field("", max_length=100)
    sex_at_birth: Sex = "unknown"
    gender_identity: str = Field("", max_length=60)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=30)
    address_line1: str = Field("", max_length=200)
    address_line2: str = Field("", max_length=200)
    city: str = Field("", max_length=100)
    region: str = Field("", max_length=100)
    postal_code: str = Field("", max_length=20)
    country: str = Field("US", max_length=2)
    preferred_language: str = Field("en", max_length=35)
    emergency_contact_name: str = Field("", max_length=150)
    emergency_contact_relationship: str = Field("", max_length=60)
    emergency_contact_phone: str = Field("", max_length=30)


class PatientUpdateIn(StrictSchema):
    given_name: str | None = Field(None, min_length=1, max_length=100)
    family_name: str | None = Field(None, min_length=1, max_length=100)
    date_of_birth: datetime.date | None = None
    mrn: str | None = Field(None, min_length=1, max_length=20)
    preferred_name: str | None = Field(None, max_length=100)
    sex_at_birth: Sex | None = None
    gender_identity: str | None = Field(None, max_length=60)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=30)
    address_line1: str | None = Field(None, max_length=200)
    address_line2: str | None = Field(None, max_length=200)
    city: str | None = Field(None, max_length=100)
    region: str | None = Field(None, max_length=100)
    postal_code: str | None = Field(None, max_length=20)
    country: str | None = Field(None, max_length=2)
    preferred_language: str | None = Field(None, max_length=35)
    emergency_contact_name: str | None = Field(None, max_length=150)
    emergency_contact_relationship: str | None = Field(None, max_length=60)
    emergency_contact_phone: str | None = Field(None, max_length=30)


class DeactivateIn(StrictSchema):
    reason: str = Field(min_length=1, max_length=200)


class ListFilters(Schema):
    q: str = Field("", max_length=100, description="Name, email, phone, MRN or YYYY-MM-DD")
    include_inactive: bool = False
    page: int = 1
    page_size: int | None = Field(None, ge=1, le=100)


@router.get("", response={200: PatientListOut, ERRORS: ErrorOut}, summary="Search patients")
def list_patients(request, filters: Query[ListFilters]):
    patients = patients_for_request(request).search(filters.q)
    if not filters.include_inactive:
        patients = patients.filter(is_active=True)
    items, page = paginate(patients, filters.page, filters.page_size)
    audit_patient_list(request, items, query=filters.q, page=page.page)
    return {"items": items, "page": page}


@router.post("", response={201: PatientOut, ERRORS: ErrorOut}, summary="Create a patient (staff)")
def create_patient(request, payload: PatientCreateIn):
    membership = require_staff(request, WRITE_ROLES)
    require_write(request)
    patient = actions.do_create_patient(
        Actor.from_request(request), membership.clinic, **payload.model_dump()
    )
    return Status(201, patient)


@router.get(
    "/{int:patient_id}", response={200: PatientOut, ERRORS: ErrorOut}, summary="Read one patient"
)
def read_patient(request, patient_id: int):
    return get_patient_for_user(request, patient_id)


@router.patch(
    "/{int:patient_id}",
    response={200: PatientOut, ERRORS: ErrorOut},
    summary="Change a patient (staff)",
)
def update_patient(request, patient_id: int, payload: PatientUpdateIn):
    patient = get_patient_for_update(request, patient_id, roles=WRITE_ROLES)
    return actions.do_update_patient(
        Actor.from_request(request), patient, **payload.model_dump(exclude_unset=True)
    )


@router.post(
    "/{int:patient_id}/deactivate",
    response={200: PatientOut, ERRORS: ErrorOut},
    summary="Deactivate",
)
def deactivate_patient(request, patient_id: int, payload: DeactivateIn):
    patient = get_patient_for_update(request, patient_id, roles=CLINICAL_ROLES)
    return actions.do_deactivate_patient(Actor.from_request(request), patient, payload.reason)


@router.post(
    "/{int:patient_id}/reactivate",
    response={200: PatientOut, ERRORS: ErrorOut},
    summary="Reactivate",
)
def reactivate_patient(request, patient_id: int):
    patient = get_patient_for_update(request, patient_id, roles=CLINICAL_ROLES)
    return actions.do_reactivate_patient(Actor.from_request(request), patient)
