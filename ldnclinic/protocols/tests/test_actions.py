"""Saving, creating and archiving protocols: every change a new version, audited; a
clinic's edit of a global protocol is its own copy, which other clinics never see."""

import copy

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.protocols.actions import (
    do_archive_protocol,
    do_create_protocol,
    do_save_protocol_version,
)
from ldnclinic.protocols.library import (
    conditions_for,
    get_protocol,
    get_protocol_version,
    protocols_for,
)
from ldnclinic.protocols.models import Protocol, ProtocolVersion

CODE = "psoriasis-ldn"


def latest_data(clinic, code=CODE):
    return copy.deepcopy(get_protocol_version(clinic, code).data)


def test_a_clinic_sees_every_global_protocol(library, clinic):
    assert {p.code for p in protocols_for(clinic)} == set(library)
    conditions = conditions_for(clinic)
    assert len(conditions) == 11
    psoriasis = next(c for c in conditions if c["slug"] == "psoriasis")
    assert psoriasis["codes"] == {"icd10": "L40.9", "snomed": "9014002"}
    assert [p.code for p in psoriasis["protocols"]] == [CODE]


def test_editing_a_global_protocol_makes_the_clinics_own_copy(
    library, clinic, other_clinic, admin_actor
):
    data = latest_data(clinic)
    data["summary"] = "Our clinic's way."
    version = do_save_protocol_version(admin_actor, clinic, CODE, data, "Shorter laser series")
    assert version.number == 1
    assert version.protocol.clinic == clinic
    assert version.note == "Based on global v1. Shorter laser series"
    assert version.created_by == admin_actor.user
    # The global protocol is unchanged; this clinic now sees its own, the other the global.
    assert library[CODE].versions.get().data["summary"] != "Our clinic's way."
    assert get_protocol(clinic, CODE) == version.protocol
    assert get_protocol(other_clinic, CODE) == library[CODE]
    assert get_protocol_version(other_clinic, CODE).data["summary"] != "Our clinic's way."
    assert [p for p in protocols_for(clinic) if p.code == CODE] == [version.protocol]
    event = AuditEvent.objects.get(code=Event.PROTOCOL_VERSION_SAVED)
    assert event.clinic_id == clinic.pk
    assert event.payload["based_on_global"] == 1
    assert event.payload["number"] == 1


def test_a_second_edit_is_version_two_and_version_one_stays(library, clinic, admin_actor):
    first = latest_data(clinic)
    first["summary"] = "First edit."
    v1 = do_save_protocol_version(admin_actor, clinic, CODE, first, "")
    second = latest_data(clinic)
    second["summary"] = "Second edit."
    v2 = do_save_protocol_version(admin_actor, clinic, CODE, second, "Clearer")
    assert (v2.protocol, v2.number, v2.note) == (v1.protocol, 2, "Clearer")
    v1.refresh_from_db()
    assert v1.data["summary"] == "First edit."
    assert get_protocol_version(clinic, CODE).number == 2
    assert get_protocol_version(clinic, CODE, 1).data["summary"] == "First edit."
    with pytest.raises(ValueError):
        v1.save()


def test_bad_data_saves_nothing(library, clinic, admin_actor):
    data = latest_data(clinic)
    data["schemes"][0]["interval_days"] = 0
    with pytest.raises(ValidationError) as caught:
        do_save_protocol_version(admin_actor, clinic, CODE, data, "")
    assert "schemes[0].interval_days" in caught.value.message_dict
    assert not Protocol.objects.filter(clinic=clinic).exists()
    assert not AuditEvent.objects.filter(code=Event.PROTOCOL_VERSION_SAVED).exists()


def test_the_code_cannot_change(library, clinic, admin_actor):
    data = latest_data(clinic)
    data["code"] = "psoriasis-other"
    with pytest.raises(ValidationError) as caught:
        do_save_protocol_version(admin_actor, clinic, CODE, data, "")
    assert "code" in caught.value.message_dict


def test_a_clinic_cannot_save_another_clinics_protocol(
    library, clinic, other_clinic, admin_actor, other_actor
):
    data = latest_data(other_clinic)
    data["summary"] = "Clinic Y's way."
    do_save_protocol_version(other_actor, other_clinic, CODE, data, "")
    ours = get_protocol_version(clinic, CODE)
    assert ours.protocol.clinic_id is None
    new = copy.deepcopy(data)
    new["code"] = "y-only"
    do_create_protocol(other_actor, other_clinic, new, "")
    with pytest.raises(Http404):
        get_protocol(clinic, "y-only")
    with pytest.raises(Http404):
        do_save_protocol_version(admin_actor, clinic, "y-only", new, "")
    with pytest.raises(Http404):
        do_archive_protocol(admin_actor, clinic, "y-only")


def test_it_creates_a_new_protocol(library, clinic, admin_actor):
    data = latest_data(clinic)
    data.update(code="rosacea-ldn", name="Rosacea: LDN")
    data["condition"] = {"slug": "rosacea", "name": "Rosacea", "icd10": None, "snomed": None}
    version = do_create_protocol(admin_actor, clinic, data, "Trying it")
    assert (version.number, version.protocol.clinic, version.protocol.condition_slug) == (
        1,
        clinic,
        "rosacea",
    )
    assert version.note == "New protocol. Trying it"
    assert "rosacea" in [c["slug"] for c in conditions_for(clinic)]


def test_a_new_protocol_may_not_take_a_visible_code(library, clinic, admin_actor):
    data = latest_data(clinic)
    with pytest.raises(ValidationError) as caught:
        do_create_protocol(admin_actor, clinic, data, "")
    assert "code" in caught.value.message_dict


def test_archiving_a_global_protocol_hides_it_for_this_clinic_only(
    library, clinic, other_clinic, admin_actor
):
    archived = do_archive_protocol(admin_actor, clinic, CODE, "We stopped offering it")
    assert (archived.clinic, archived.is_active) == (clinic, False)
    assert CODE not in {p.code for p in protocols_for(clinic)}
    assert [p.code for p in protocols_for(clinic, archived=True)] == [CODE]
    assert CODE in {p.code for p in protocols_for(other_clinic)}
    assert library[CODE].is_active
    # Still readable (plans keep it), the data the global version's.
    assert get_protocol_version(clinic, CODE).data == library[CODE].versions.get().data
    event = AuditEvent.objects.get(code=Event.PROTOCOL_ARCHIVED)
    assert event.payload["reason"] == "We stopped offering it"
    with pytest.raises(ValidationError):
        do_archive_protocol(admin_actor, clinic, CODE)


def test_archiving_the_clinics_own_protocol_keeps_its_versions(library, clinic, admin_actor):
    data = latest_data(clinic)
    v1 = do_save_protocol_version(admin_actor, clinic, CODE, data, "")
    do_archive_protocol(admin_actor, clinic, CODE)
    v1.protocol.refresh_from_db()
    assert not v1.protocol.is_active
    assert ProtocolVersion.objects.filter(protocol=v1.protocol).count() == 1


def test_a_simultaneous_save_is_refused_not_a_crash(library, clinic, admin_actor, monkeypatch):
    from ldnclinic.protocols import actions

    data = latest_data(clinic)
    do_save_protocol_version(admin_actor, clinic, CODE, data, "")
    # The other writer took the next number between our read and our write.
    monkeypatch.setattr(actions, "_latest", lambda protocol: None)
    with pytest.raises(ValidationError) as caught:
        do_save_protocol_version(admin_actor, clinic, CODE, data, "")
    assert "same moment" in caught.value.messages[0]
    assert AuditEvent.objects.filter(code=Event.PROTOCOL_VERSION_SAVED).count() == 1


def test_a_simultaneous_copy_of_a_global_protocol_is_refused(
    library, clinic, admin_actor, monkeypatch
):
    from ldnclinic.protocols import actions

    data = latest_data(clinic)
    do_save_protocol_version(admin_actor, clinic, CODE, data, "")
    # Our read still saw the global protocol; the other admin's copy now exists.
    monkeypatch.setattr(actions, "get_protocol", lambda clinic, code: library[CODE])
    with pytest.raises(ValidationError) as caught:
        do_save_protocol_version(admin_actor, clinic, CODE, data, "")
    assert "same moment" in caught.value.messages[0]
