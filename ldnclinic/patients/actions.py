"""Every change to a patient record goes through these functions."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict

from ldnclinic.accounts.actions import (
    deactivate_user_if_orphaned,
    reactivate_user,
    send_account_invite,
)
from ldnclinic.accounts.models import Clinic, User
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.patients.models import MRN_TAKEN, Patient

EDITABLE_FIELDS = (
    "mrn",
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "sex_at_birth",
    "gender_identity",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "country",
    "preferred_language",
    "emergency_contact_name",
    "emergency_contact_relationship",
    "emergency_contact_phone",
)


def _snapshot(patient, fields=EDITABLE_FIELDS):
    data = model_to_dict(patient, fields=fields)
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}


def _next_mrn(clinic_id):
    # Locks the clinic row (an IMMEDIATE transaction on SQLite) so two new patients
    # never draw the same number.
    clinic = Clinic.objects.select_for_update().get(pk=clinic_id)
    while True:
        mrn = f"{clinic.mrn_prefix}-{clinic.next_mrn:06d}"
        clinic.next_mrn += 1
        if not Patient.objects.filter(clinic=clinic, mrn=mrn).exists():
            break
    Clinic.objects.filter(pk=clinic.pk).update(next_mrn=clinic.next_mrn)
    return mrn


def _validate(patient, exclude=None):
    """full_clean, with a taken MRN reported on the `mrn` field (the constraint spans
    clinic and mrn, so Django would call it a form-wide error)."""
    try:
        patient.full_clean(exclude=exclude)
    except ValidationError as error:
        errors = error.message_dict
        general = errors.pop(NON_FIELD_ERRORS, [])
        if MRN_TAKEN in general:
            general.remove(MRN_TAKEN)
            errors.setdefault("mrn", []).append(MRN_TAKEN)
        if general:
            errors[NON_FIELD_ERRORS] = general
        raise ValidationError(errors) from None


def _save(patient, actor):
    patient._history_user = actor.user
    try:
        with transaction.atomic():
            patient.save()
    except IntegrityError as exc:
        # A concurrent writer took the same number between validation and save.
        raise ValidationError({"mrn": [MRN_TAKEN]}) from exc


def _clean_values(values):
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: ["Unknown field."] for name in sorted(unknown)})
    return {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}


@transaction.atomic
def do_create_patient(actor: Actor, clinic, **values) -> Patient:
    values = _clean_values(values)
    patient = Patient(clinic=clinic, **values)
    if not patient.mrn:
        _validate(patient, exclude=["mrn"])
        patient.mrn = _next_mrn(clinic.pk)
    _validate(patient)
    _save(patient, actor)
    record(Event.PATIENT_CREATED, actor, patient=patient, subject=patient, after=_snapshot(patient))
    return patient


@transaction.atomic
def do_update_patient(actor: Actor, patient: Patient, **values) -> Patient:
    values = _clean_values(values)
    if "mrn" in values and not values["mrn"]:
        raise ValidationError({"mrn": ["The medical record number cannot be blank."]})
    before = _snapshot(patient)
    saved = {name: getattr(patient, name) for name in values}
    for name, value in values.items():
        setattr(patient, name, value)
    try:
        _validate(patient)
    except ValidationError:
        # Leave the caller's object as stored, not half-changed (the edit page shows it).
        for name, value in saved.items():
            setattr(patient, name, value)
        raise
    after = _snapshot(patient)
    changed = sorted(k for k in after if after[k] != before[k])
    if not changed:
        return patient
    _save(patient, actor)
    record(
        Event.PATIENT_UPDATED,
        actor,
        patient=patient,
        subject=patient,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    return patient


@transaction.atomic
def do_deactivate_patient(actor: Actor, patient: Patient, reason: str) -> Patient:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the record is being deactivated."]})
    if len(reason) > 200:
        raise ValidationError({"reason": ["Keep the reason under 200 characters."]})
    if not patient.is_active:
        raise ValidationError("This patient is already inactive.")
    patient.is_active = False
    patient.deactivated_reason = reason
    patient._history_user = actor.user
    patient.save(update_fields=["is_active", "deactivated_reason", "updated_at"])
    record(Event.PATIENT_DEACTIVATED, actor, patient=patient, subject=patient, reason=reason)
    if patient.user_id is not None:
        # A portal login with nothing else left to see is switched off with the record.
        deactivate_user_if_orphaned(actor, patient.user, patient.clinic)
    return patient


@transaction.atomic
def do_reactivate_patient(actor: Actor, patient: Patient) -> Patient:
    if patient.is_active:
        raise ValidationError("This patient is already active.")
    patient.is_active = True
    patient.deactivated_reason = ""
    patient._history_user = actor.user
    patient.save(update_fields=["is_active", "deactivated_reason", "updated_at"])
    reactivated_login = patient.user_id is not None and reactivate_user(patient.user)
    record(
        Event.PATIENT_REACTIVATED,
        actor,
        patient=patient,
        subject=patient,
        **({"user_reactivated": True} if reactivated_login else {}),
    )
    return patient


@transaction.atomic
def do_invite_patient_to_portal(
    actor: Actor, patient: Patient, *, site_url, send_invite=True
) -> Patient:
    """Give the patient a portal login: link the account with their email, or create one
    and email a link to choose a password (`send_invite=False`: the caller's own email
    carries that link, as the booking confirmation does)."""
    if not patient.is_active:
        raise ValidationError("Reactivate the record before inviting the patient.")
    if not patient.email:
        raise ValidationError({"email": ["Add the patient's email address first."]})
    if patient.user_id is not None:
        raise ValidationError("This patient already has a portal login.")
    user = User.objects.filter(email__iexact=patient.email).first()
    if user is not None and user.patient_records.filter(clinic=patient.clinic).exists():
        raise ValidationError(
            {"email": ["That email already has the portal login of another patient here."]}
        )
    created = user is None
    if created:
        user = User(email=patient.email.lower(), full_name=patient.full_name)
        user.set_unusable_password()
        user.full_clean()
        user.save()
    patient.user = user
    patient._history_user = actor.user
    patient.save(update_fields=["user", "updated_at"])
    record(
        Event.PATIENT_PORTAL_INVITED,
        actor,
        patient=patient,
        subject=patient,
        email=user.email,
        new_login=created,
    )
    if send_invite and (created or not user.has_usable_password()):
        transaction.on_commit(
            lambda: send_account_invite(user, patient.clinic, site_url, as_patient=True)
        )
    return patient
