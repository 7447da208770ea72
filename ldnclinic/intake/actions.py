"""State changes for questionnaires and intake answers; each one audited."""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.intake.definition import AnswerCheck, check_answers
from ldnclinic.intake.models import (
    IntakeResponse,
    IntakeStatus,
    Questionnaire,
    QuestionnaireVersion,
)
from ldnclinic.screening.actions import do_run_screening

LDN_INTAKE = "ldn-intake"
LDN_INTAKE_FILE = Path(__file__).parent / "data" / "ldn_intake_v1.json"


@transaction.atomic
def do_publish_questionnaire_version(actor, questionnaire, definition):
    """A new, immutable version numbered after the last one."""
    last = questionnaire.versions.select_for_update().order_by("-number").first()
    version = QuestionnaireVersion(
        questionnaire=questionnaire,
        number=(last.number + 1) if last else 1,
        definition=definition,
        published_at=timezone.now(),
    )
    version.save()
    record(
        Event.QUESTIONNAIRE_PUBLISHED,
        actor,
        clinic_id=questionnaire.clinic_id,
        subject=version,
        slug=questionnaire.slug,
        number=version.number,
    )
    return version


def ensure_ldn_intake():
    """The global LDN intake from its data file, loaded on first use (idempotent)."""
    data = json.loads(LDN_INTAKE_FILE.read_text(encoding="utf-8"))
    with transaction.atomic():
        questionnaire, _ = Questionnaire.objects.get_or_create(
            clinic=None, slug=LDN_INTAKE, defaults={"title": data["title"]}
        )
        version = questionnaire.versions.filter(number=data["version"]).first()
        if version is None:
            version = do_publish_questionnaire_version(
                Actor.system(via="seed"), questionnaire, data
            )
    return version


def current_version(clinic, slug=LDN_INTAKE):
    """The newest published version of `slug`: the clinic's own questionnaire if it has
    one, else the global one."""
    versions = QuestionnaireVersion.objects.filter(
        questionnaire__slug=slug, published_at__isnull=False
    ).select_related("questionnaire")
    own = versions.filter(questionnaire__clinic=clinic).order_by("-number").first()
    if own is not None:
        return own
    shared = versions.filter(questionnaire__clinic__isnull=True).order_by("-number").first()
    if shared is None and slug == LDN_INTAKE:
        return ensure_ldn_intake()
    return shared


def latest_response(patient, slug=LDN_INTAKE):
    return (
        IntakeResponse.objects.filter(patient=patient, version__questionnaire__slug=slug)
        .select_related("version__questionnaire")
        .order_by("-updated_at", "-id")
        .first()
    )


def check_for_patient(version, patient, raw) -> AnswerCheck:
    return check_answers(version.definition, raw, age_years=patient.age, today=patient.today())


def _response_to_change(patient):
    """The patient's latest response, locked; a new draft on the current version if none.
    Answers stay on the version they answered: an existing response keeps its version."""
    response = (
        IntakeResponse.objects.select_for_update()
        .filter(patient=patient, version__questionnaire__slug=LDN_INTAKE)
        .order_by("-updated_at", "-id")
        .first()
    )
    if response is None:
        response = IntakeResponse(patient=patient, version=current_version(patient.clinic))
    return response


def _checked(response, patient, raw) -> AnswerCheck:
    check = check_for_patient(response.version, patient, raw)
    if check.errors:
        raise ValidationError(check.errors)
    return check


@transaction.atomic
def do_save_intake_draft(actor, patient, raw):
    """Keep partial answers; impossible values are refused with a message per item."""
    response = _response_to_change(patient)
    check = _checked(response, patient, raw)
    response.answers = check.answers
    response.status = IntakeStatus.DRAFT
    response.save()
    record(
        Event.INTAKE_SAVED,
        actor,
        patient=patient,
        subject=response,
        version=response.version.number,
        missing=check.missing,
    )
    do_run_screening(actor, patient, intake_response=response)
    return response, check


@transaction.atomic
def do_submit_intake(actor, patient, raw):
    """Submit when complete; an incomplete intake is kept as a draft and the check says
    what is missing."""
    response = _response_to_change(patient)
    check = _checked(response, patient, raw)
    if check.missing:
        return do_save_intake_draft(actor, patient, raw)
    response.answers = check.answers
    response.status = IntakeStatus.SUBMITTED
    response.submitted_at = timezone.now()
    response.save()
    record(
        Event.INTAKE_SUBMITTED,
        actor,
        patient=patient,
        subject=response,
        version=response.version.number,
    )
    do_run_screening(actor, patient, intake_response=response)
    return response, check


@transaction.atomic
def do_edit_intake(actor, patient, raw):
    """Staff change the answers. A submitted intake stays submitted while complete."""
    response = _response_to_change(patient)
    before = dict(response.answers)
    check = _checked(response, patient, raw)
    response.answers = check.answers
    if check.missing:
        response.status = IntakeStatus.DRAFT
    response.save()
    changed = sorted(
        k for k in set(before) | set(check.answers) if before.get(k) != check.answers.get(k)
    )
    record(
        Event.INTAKE_EDITED,
        actor,
        patient=patient,
        subject=response,
        version=response.version.number,
        changed=changed,
        missing=check.missing,
    )
    do_run_screening(actor, patient, intake_response=response)
    return response, check
