"""Actions save, keep an attributed version, audit with the clinic and refresh the public
pages once committed."""

import pytest
from django.core.exceptions import ValidationError

from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.core import public_cache
from ldnclinic.evidence import actions
from ldnclinic.evidence.library import get_condition, studies_for
from ldnclinic.evidence.models import Condition, Study
from ldnclinic.evidence.tests.conftest import study_data

pytestmark = pytest.mark.django_db


def test_saving_a_global_condition_makes_an_attributed_clinic_copy(
    clinic, admin_actor, users, django_capture_on_commit_callbacks
):
    psoriasis = get_condition(clinic, "psoriasis")
    before = public_cache.version()
    with django_capture_on_commit_callbacks(execute=True):
        copy = actions.do_save_condition(
            admin_actor, clinic, psoriasis, {"certainty": "low", "therapies": ["laser"]}
        )
    assert (copy.clinic, copy.replaces, copy.slug) == (clinic, psoriasis, "psoriasis")
    assert copy.therapies == "laser"
    assert copy.history.get().history_user == users["admin"]
    event = AuditEvent.objects.get(code=Event.EVIDENCE_CONDITION_SAVED)
    assert (event.clinic, event.actor) == (clinic, users["admin"])
    assert event.payload["changed"] == ["certainty", "therapies"]
    assert event.payload["copied_from_global"] is True
    assert public_cache.version() > before
    # A second save edits the copy in place, with a second version.
    again = actions.do_save_condition(admin_actor, clinic, copy, {"summary": "New words."})
    assert again.pk == copy.pk and copy.history.count() == 2


def test_nothing_changed_saves_nothing(clinic, admin_actor):
    psoriasis = get_condition(clinic, "psoriasis")
    assert actions.do_save_condition(admin_actor, clinic, psoriasis, {}) == psoriasis
    assert not Condition.objects.filter(clinic=clinic).exists()
    assert not AuditEvent.objects.filter(code=Event.EVIDENCE_CONDITION_SAVED).exists()


def test_bad_data_is_a_field_error(clinic, admin_actor):
    psoriasis = get_condition(clinic, "psoriasis")
    with pytest.raises(ValidationError) as caught:
        actions.do_save_condition(admin_actor, clinic, psoriasis, {"certainty": "certain"})
    assert "certainty" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        actions.do_save_study(admin_actor, clinic, psoriasis, study_data(pmid="PMID1"))
    assert "pmid" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        actions.do_save_study(admin_actor, clinic, psoriasis, study_data(doi="10.1/x"))
    assert "doi" in caught.value.message_dict


def test_adding_a_study_makes_a_clinic_owned_one(clinic, admin_actor, users):
    lpp = get_condition(clinic, "lichen-planopilaris")
    study = actions.do_save_study(admin_actor, clinic, lpp, study_data())
    assert (study.clinic, study.replaces, study.condition) == (clinic, None, lpp)
    assert study.history.get().history_user == users["admin"]
    event = AuditEvent.objects.get(code=Event.EVIDENCE_STUDY_SAVED)
    assert event.clinic == clinic and event.payload["created"] is True


def test_editing_a_global_study_twice_uses_one_copy(clinic, admin_actor):
    lpp = get_condition(clinic, "lichen-planopilaris")
    original = studies_for(clinic, lpp)[0]
    first = actions.do_save_study(admin_actor, clinic, lpp, study_data(n="35"), original)
    second = actions.do_save_study(admin_actor, clinic, lpp, study_data(n="36"), original)
    assert first.pk == second.pk and second.replaces == original
    assert Study.objects.filter(clinic=clinic, replaces=original).count() == 1


def test_retiring_a_global_study_hides_it_for_the_clinic_only(
    clinic, other_clinic, admin_actor, users
):
    lpp = get_condition(clinic, "lichen-planopilaris")
    original = studies_for(clinic, lpp)[0]
    retired = actions.do_retire_study(admin_actor, clinic, original, "Superseded")
    assert retired.is_retired and retired.replaces == original and not original.is_retired
    assert original not in studies_for(clinic, lpp)
    assert original in studies_for(other_clinic, lpp)
    version = retired.history.get()
    assert (version.history_user, version.history_change_reason) == (users["admin"], "Superseded")
    assert AuditEvent.objects.get(code=Event.EVIDENCE_STUDY_RETIRED).clinic == clinic
    # Retiring again changes nothing.
    assert actions.do_retire_study(admin_actor, clinic, retired).pk == retired.pk
    assert AuditEvent.objects.filter(code=Event.EVIDENCE_STUDY_RETIRED).count() == 1


def test_another_clinics_entries_cannot_be_changed(
    clinic, other_clinic, admin_actor, other_admin_actor
):
    lpp = get_condition(clinic, "lichen-planopilaris")
    study = actions.do_save_study(admin_actor, clinic, lpp, study_data())
    copy = actions.do_save_condition(admin_actor, clinic, lpp, {"summary": "X only."})
    y = other_clinic
    with pytest.raises(ValidationError):
        actions.do_save_study(other_admin_actor, y, lpp, study_data(n="9"), study)
    with pytest.raises(ValidationError):
        actions.do_retire_study(other_admin_actor, y, study)
    with pytest.raises(ValidationError):
        actions.do_save_condition(other_admin_actor, y, copy, {"summary": "Y."})
