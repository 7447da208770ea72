"""do_create_condition: a clinic's own condition, validated, versioned, attributed, audited,
and the public pages refreshed once committed; the slug must be free in the global library
and in the clinic (another clinic's slugs do not count)."""

import pytest
from django.core.exceptions import ValidationError

from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.core import public_cache
from ldnclinic.evidence import actions
from ldnclinic.evidence.history import condition_history
from ldnclinic.evidence.library import all_conditions_for, conditions_for, get_condition
from ldnclinic.evidence.models import Condition
from ldnclinic.evidence.tests.conftest import study_data

pytestmark = pytest.mark.django_db


def condition_data(**values):
    data = {
        "slug": "prurigo-nodularis",
        "name": "Prurigo nodularis",
        "area": "dermatology",
        "synonyms": "nodular prurigo",
        "icd10": "L28.1",
        "snomed": "",
        "certainty": "very_low",
        "summary": "Case reports only; no trial yet.",
        "therapies": ["laser", "topicals"],
        "is_published": True,
    }
    data.update(values)
    return data


def test_it_creates_a_clinic_owned_condition(
    clinic, admin_actor, users, django_capture_on_commit_callbacks
):
    before = public_cache.version()
    with django_capture_on_commit_callbacks(execute=True):
        row = actions.do_create_condition(admin_actor, clinic, condition_data())
    row.refresh_from_db()
    assert (row.clinic, row.replaces, row.slug) == (clinic, None, "prurigo-nodularis")
    assert (row.name, row.area, row.icd10, row.certainty) == (
        "Prurigo nodularis",
        "dermatology",
        "L28.1",
        "very_low",
    )
    assert row.therapies == "laser,topicals" and row.is_published
    version = row.history.get()
    assert (version.history_type, version.history_user) == ("+", users["admin"])
    assert public_cache.version() > before


def test_it_audits_the_creation_with_the_clinic(clinic, admin_actor, users):
    row = actions.do_create_condition(admin_actor, clinic, condition_data())
    event = AuditEvent.objects.get(code=Event.EVIDENCE_CONDITION_SAVED)
    assert (event.clinic, event.actor, event.subject_id) == (clinic, users["admin"], str(row.pk))
    assert event.payload["created"] is True
    assert event.payload["slug"] == "prurigo-nodularis"
    assert event.payload["copied_from_global"] is False


def test_its_history_says_created_by_whom(clinic, admin_actor):
    row = actions.do_create_condition(admin_actor, clinic, condition_data())
    actions.do_save_condition(admin_actor, clinic, row, {"summary": "One case series now."})
    versions = condition_history(clinic, row)
    assert [v.kind for v in versions] == ["Changed", "Created"]
    assert {v.who for v in versions} == {"admin@x.test"} and versions[0].scope == "this clinic"
    assert ("Summary", "Case reports only; no trial yet.", "One case series now.") in (
        versions[0].changes
    )
    # Editing the clinic's own condition edits it in place: still one row.
    assert Condition.objects.filter(clinic=clinic).count() == 1


def test_the_clinic_sees_it_and_other_clinics_do_not(clinic, other_clinic, admin_actor):
    actions.do_create_condition(admin_actor, clinic, condition_data())
    assert get_condition(clinic, "prurigo-nodularis").clinic == clinic
    assert "prurigo-nodularis" in {c.slug for c in conditions_for(clinic)}
    assert get_condition(other_clinic, "prurigo-nodularis") is None
    assert "prurigo-nodularis" not in {c.slug for c in conditions_for(other_clinic)}
    assert get_condition(None, "prurigo-nodularis") is None


def test_studies_can_be_added_to_it(clinic, admin_actor):
    row = actions.do_create_condition(admin_actor, clinic, condition_data())
    study = actions.do_save_study(admin_actor, clinic, row, study_data())
    (condition,) = [c for c in all_conditions_for(clinic) if c.slug == "prurigo-nodularis"]
    assert condition.resolved_studies == [study] and study.condition == row


def test_an_unpublished_condition_stays_off_the_public_list(clinic, admin_actor):
    actions.do_create_condition(admin_actor, clinic, condition_data(is_published=False))
    assert "prurigo-nodularis" not in {c.slug for c in conditions_for(clinic)}
    assert "prurigo-nodularis" in {c.slug for c in all_conditions_for(clinic)}
    assert get_condition(clinic, "prurigo-nodularis") is None
    assert get_condition(clinic, "prurigo-nodularis", include_unpublished=True) is not None


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"slug": "Prurigo Nodularis"}, "slug"),
        ({"slug": "prurigo--nodularis"}, "slug"),
        ({"slug": "-prurigo"}, "slug"),
        ({"slug": ""}, "slug"),
        ({"slug": "x" * 61}, "slug"),
        ({"slug": "new"}, "slug"),
        ({"slug": "studies"}, "slug"),
        ({"name": ""}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"area": "cardiology"}, "area"),
        ({"certainty": "high"}, "certainty"),
        ({"summary": ""}, "summary"),
        ({"summary": "   "}, "summary"),
        ({"summary": "LDN cures it."}, "summary"),
        ({"therapies": ["botox"]}, "therapies"),
        ({"icd10": "L28-1"}, "icd10"),
        ({"snomed": "abc"}, "snomed"),
        ({"name": 12}, "name"),
    ],
)
def test_bad_input_is_a_field_error_and_saves_nothing(clinic, admin_actor, values, field):
    with pytest.raises(ValidationError) as caught:
        actions.do_create_condition(admin_actor, clinic, condition_data(**values))
    assert field in caught.value.message_dict
    assert not Condition.objects.filter(clinic=clinic).exists()
    assert not AuditEvent.objects.filter(code=Event.EVIDENCE_CONDITION_SAVED).exists()


def test_a_missing_summary_is_a_field_error(clinic, admin_actor):
    data = condition_data()
    del data["summary"]
    with pytest.raises(ValidationError) as caught:
        actions.do_create_condition(admin_actor, clinic, data)
    assert caught.value.message_dict == {"summary": ["Required."]}


def test_a_global_slug_is_taken(clinic, admin_actor):
    with pytest.raises(ValidationError) as caught:
        actions.do_create_condition(admin_actor, clinic, condition_data(slug="psoriasis"))
    (message,) = caught.value.message_dict["slug"]
    assert "global library" in message and "Psoriasis" in message
    assert not Condition.objects.filter(clinic=clinic).exists()


def test_a_global_slug_is_taken_even_after_the_clinic_copied_it(clinic, admin_actor):
    psoriasis = get_condition(clinic, "psoriasis")
    actions.do_save_condition(admin_actor, clinic, psoriasis, {"summary": "Our words."})
    with pytest.raises(ValidationError) as caught:
        actions.do_create_condition(admin_actor, clinic, condition_data(slug="psoriasis"))
    assert "global library" in caught.value.message_dict["slug"][0]


def test_the_clinics_own_slug_is_taken(clinic, admin_actor):
    actions.do_create_condition(admin_actor, clinic, condition_data())
    with pytest.raises(ValidationError) as caught:
        actions.do_create_condition(admin_actor, clinic, condition_data(name="Another"))
    assert "This clinic already has" in caught.value.message_dict["slug"][0]
    assert Condition.objects.filter(clinic=clinic).count() == 1


def test_another_clinics_slug_is_free(clinic, other_clinic, admin_actor, other_admin_actor):
    mine = actions.do_create_condition(admin_actor, clinic, condition_data())
    theirs = actions.do_create_condition(
        other_admin_actor, other_clinic, condition_data(summary="Clinic Y's words.")
    )
    assert mine.pk != theirs.pk
    assert get_condition(clinic, "prurigo-nodularis").summary == "Case reports only; no trial yet."
    assert get_condition(other_clinic, "prurigo-nodularis").summary == "Clinic Y's words."


def test_another_clinic_cannot_edit_or_add_studies_to_it(
    clinic, other_clinic, admin_actor, other_admin_actor
):
    row = actions.do_create_condition(admin_actor, clinic, condition_data())
    with pytest.raises(ValidationError):
        actions.do_save_condition(other_admin_actor, other_clinic, row, {"summary": "Y."})
    with pytest.raises(ValidationError):
        actions.do_save_study(other_admin_actor, other_clinic, row, study_data())
    assert get_condition(clinic, "prurigo-nodularis").summary != "Y."
    assert not row.studies.exists()


def test_a_new_condition_needs_a_clinic(admin_actor):
    with pytest.raises(ValidationError):
        actions.do_create_condition(admin_actor, None, condition_data())
    assert not Condition.objects.filter(slug="prurigo-nodularis").exists()
