"""Publishing consent versions and signing them: every change to consents goes through here."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.consents.models import ConsentSignature, ConsentVersion
from ldnclinic.consents.pdf import render_signature_pdf

NAME_MISMATCH = "Type your full name exactly as it is on your record: {name}."
MUST_AGREE = "Tick the box to confirm that you have read and agree."
NOT_CURRENT = "A newer version of this document has been published. Please read it and sign that."
ALREADY_SIGNED = "You have already signed this version."
USER_AGENT_MAX = 300


def _normal(name):
    return " ".join(name.split()).casefold()


@transaction.atomic
def do_publish_consent_version(actor: Actor, document, body: str, *, now=None):
    """Publish the next version of `document`. Patients who signed an older one are then
    asked to sign again (consents.status)."""
    body = body.strip()
    if not body:
        raise ValidationError({"body": "The text cannot be empty."})
    current = document.current_version()
    if current is not None and current.body.strip() == body:
        raise ValidationError({"body": "The text is the same as the current version."})
    last = document.versions.aggregate(n=Max("number"))["n"] or 0
    version = ConsentVersion.objects.create(
        document=document, number=last + 1, body=body, published_at=now or timezone.now()
    )
    record(
        Event.CONSENT_DOCUMENT_PUBLISHED,
        actor,
        clinic=document.clinic,
        subject=version,
        kind=document.kind,
        number=version.number,
        content_hash=version.content_hash,
    )
    return version


@transaction.atomic
def do_sign_consent(
    actor: Actor, patient, version, *, typed_name: str, agreed: bool, user_agent="", now=None
):
    """The patient signs the current version of a document; the PDF copy is made here, so
    the row is complete when written (it is never updated)."""
    now = now or timezone.now()
    document = version.document
    errors = {}
    if _normal(typed_name) != _normal(patient.full_name):
        errors["typed_name"] = NAME_MISMATCH.format(name=patient.full_name)
    if not agreed:
        errors["agree"] = MUST_AGREE
    if errors:
        raise ValidationError(errors)
    if document.clinic_id not in (None, patient.clinic_id):
        raise ValidationError("This document is not one of your clinic's.")
    current = document.current_version()
    if current is None or current.pk != version.pk:
        raise ValidationError(NOT_CURRENT)
    if ConsentSignature.objects.filter(patient=patient, version=version).exists():
        raise ValidationError(ALREADY_SIGNED)
    signed_local = now.astimezone(patient.clinic.tz)
    typed = " ".join(typed_name.split())
    facts = [
        ("Patient", patient.full_name),
        ("Date of birth", patient.date_of_birth.isoformat()),
        ("Record", patient.mrn or "-"),
        ("Clinic", patient.clinic.name),
        ("Typed signature", typed),
        (
            "Signed at",
            signed_local.strftime("%Y-%m-%d %H:%M:%S %Z") + f" ({patient.clinic.time_zone})",
        ),
        ("IP address", actor.ip or "unknown"),
        ("Agreed", "Yes: 'I have read and agree' was ticked"),
    ]
    pdf = render_signature_pdf(
        title=document.title,
        version_number=version.number,
        content_hash=version.content_hash,
        body=version.body,
        facts=facts,
    )
    try:
        with transaction.atomic():
            signature = ConsentSignature.objects.create(
                patient=patient,
                version=version,
                typed_name=typed,
                signed_at=now,
                ip_address=actor.ip,
                user_agent=(user_agent or "")[:USER_AGENT_MAX],
                content_hash=version.content_hash,
                pdf=pdf,
            )
    except IntegrityError:
        # A double submit that raced the check above.
        raise ValidationError(ALREADY_SIGNED) from None
    record(
        Event.CONSENT_SIGNED,
        actor,
        patient=patient,
        subject=signature,
        kind=document.kind,
        number=version.number,
        content_hash=version.content_hash,
    )
    return signature
