import copy

import pytest
from django.core.exceptions import ValidationError

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.intake import actions
from ldnclinic.intake.models import IntakeRecordsAreKept, Questionnaire, QuestionnaireVersion

ACTOR = Actor.system(via="test")


@pytest.mark.django_db
def test_the_ldn_intake_is_seeded_once():
    first = actions.ensure_ldn_intake()
    again = actions.ensure_ldn_intake()
    assert first.pk == again.pk and first.number == 1 and first.published_at is not None
    assert Questionnaire.objects.filter(slug="ldn-intake").count() == 1
    assert AuditEvent.objects.filter(code=Event.QUESTIONNAIRE_PUBLISHED).count() == 1


@pytest.mark.django_db
def test_a_published_version_is_immutable():
    version = actions.ensure_ldn_intake()
    version.definition["sections"][0]["title"] = "Changed"
    with pytest.raises(ValidationError):
        version.save()
    with pytest.raises(IntakeRecordsAreKept):
        version.delete()
    version.refresh_from_db()
    assert version.definition["sections"][0]["title"] != "Changed"


@pytest.mark.django_db
def test_a_bad_definition_is_not_saved():
    questionnaire = Questionnaire.objects.create(slug="x", title="X")
    with pytest.raises(ValidationError):
        actions.do_publish_questionnaire_version(ACTOR, questionnaire, {"sections": []})


@pytest.mark.django_db
def test_old_answers_keep_their_version(patient_a):
    v1 = actions.ensure_ldn_intake()
    response, _ = actions.do_save_intake_draft(ACTOR, patient_a, {"pregnant": "no"})
    definition = copy.deepcopy(v1.definition)
    definition["sections"][0]["title"] = "Your skin"
    v2 = actions.do_publish_questionnaire_version(ACTOR, v1.questionnaire, definition)
    assert v2.number == 2
    assert actions.current_version(patient_a.clinic) == v2
    response.refresh_from_db()
    assert response.version == v1 and response.answers == {"pregnant": "no"}
    actions.do_save_intake_draft(ACTOR, patient_a, {"pregnant": "yes"})
    response.refresh_from_db()
    assert response.version == v1  # editing keeps the version answered
    v1.refresh_from_db()
    assert v1.definition["sections"][0]["title"] == "Your condition"


@pytest.mark.django_db
def test_a_clinic_questionnaire_wins_over_the_global_one(clinic, other_clinic):
    shared = actions.ensure_ldn_intake()
    own = Questionnaire.objects.create(clinic=clinic, slug="ldn-intake", title="Ours")
    ours = actions.do_publish_questionnaire_version(ACTOR, own, shared.definition)
    assert actions.current_version(clinic) == ours
    assert actions.current_version(other_clinic) == shared
    assert QuestionnaireVersion.objects.count() == 2
