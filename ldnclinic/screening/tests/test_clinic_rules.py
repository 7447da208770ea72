"""Clinic-editable procedure rules: a clinic may switch a practice-convention skin rule off
or change its severity; sourced rules stay fixed; each variant has its own version."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient
from ldnclinic.intake import actions as intake_actions
from ldnclinic.screening import actions
from ldnclinic.screening.actions_rules import do_update_clinic_rule, ruleset_for_clinic
from ldnclinic.screening.clinic_rules import RuleChange, clinic_ruleset, derived_version
from ldnclinic.screening.engine import Facts, default_ruleset, evaluate
from ldnclinic.screening.models import ClinicRuleSetting

NOW = dt.datetime(2026, 11, 10, 15, 0, tzinfo=dt.UTC)
KELOID = "skin.keloid"  # convention, review, laser and microneedling
SOURCED = "ldn.opioid.current"
KELOID_FACTS = Facts(keloid_tendency=True)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def actor(users, persona="admin"):
    return Actor(user=users[persona], ip="127.0.0.1", via="test")


def rules(result):
    return [f.rule for f in result.findings]


def screen_keloid(users, patient):
    intake_actions.do_save_intake_draft(
        actor(users, "patient" if patient.user else "admin"),
        patient,
        {"skin_procedures": "yes", "keloid_tendency": "yes"},
    )
    return actions.do_run_screening(actor(users), patient, procedures=("laser",))


# The pure derivation ------------------------------------------------------------------


def test_without_changes_it_is_the_default_ruleset():
    base = default_ruleset()
    assert clinic_ruleset(base, [], label="demo", revision=3) is base
    unchanged = [RuleChange(KELOID, enabled=True, severity=None)]
    assert clinic_ruleset(base, unchanged, label="demo", revision=3) is base


def test_switching_a_convention_rule_off_drops_its_finding():
    base = default_ruleset()
    assert KELOID in rules(evaluate(KELOID_FACTS, procedures=["laser"], ruleset=base))
    derived = clinic_ruleset(base, [RuleChange(KELOID, enabled=False)], label="demo", revision=3)
    assert derived.version == f"{base.version}+demo.3"
    assert KELOID not in [r.id for r in derived.rules]
    result = evaluate(KELOID_FACTS, procedures=["laser"], ruleset=derived)
    assert KELOID not in rules(result)
    assert result.ruleset_version == f"{base.version}+demo.3"


def test_a_severity_override_applies():
    change = RuleChange(KELOID, severity="contraindicated")
    derived = clinic_ruleset(default_ruleset(), [change], label="demo", revision=1)
    result = evaluate(KELOID_FACTS, procedures=["laser"], ruleset=derived)
    [finding] = [f for f in result.findings if f.rule == KELOID]
    assert finding.severity == "contraindicated"
    assert result.status == "contraindicated"


def test_it_never_changes_a_sourced_rule_or_an_ldn_convention():
    base = default_ruleset()
    changes = [
        RuleChange(SOURCED, enabled=False),
        RuleChange("screening.medication.unrecognised", enabled=False),
        RuleChange("ldn.naltrexone.duplicate", severity="info"),
        RuleChange("no.such.rule", enabled=False),
        RuleChange(KELOID, severity="bogus"),
    ]
    assert clinic_ruleset(base, changes, label="demo", revision=9) is base


def test_the_version_fits_the_stored_field():
    version = derived_version("2026.11-1", "a-very-long-clinic-slug-" * 3, 12345)
    assert len(version) <= 40
    assert version.startswith("2026.11-1+a-very") and version.endswith(".12345")


# The action and the stored screens ----------------------------------------------------


def test_switching_a_rule_off_stops_its_finding_for_that_clinic_only(
    users, clinic, other_clinic, patient_a
):
    patient_y = make_patient(other_clinic, given_name="Yara", family_name="Young")
    assert screen_keloid(users, patient_a).finding(KELOID) is not None

    do_update_clinic_rule(actor(users), clinic, KELOID, enabled=False, note="We do test spots.")

    ours = screen_keloid(users, patient_a)
    assert ours.finding(KELOID) is None
    assert ours.ruleset_version == f"{default_ruleset().version}+clinic-x.1"
    theirs = screen_keloid(users, patient_y)
    assert theirs.finding(KELOID) is not None
    assert theirs.ruleset_version == default_ruleset().version


def test_a_severity_override_is_stored_and_audited(users, clinic, patient_a):
    do_update_clinic_rule(actor(users), clinic, KELOID, enabled=True, severity="caution")
    screening = screen_keloid(users, patient_a)
    assert screening.finding(KELOID)["severity"] == "caution"
    event = AuditEvent.objects.get(code=Event.CLINIC_UPDATED)
    assert event.clinic_id == clinic.pk
    assert event.payload["rule"] == KELOID
    assert event.payload["before"] == {"enabled": True, "severity": None, "note": ""}
    assert event.payload["after"] == {"enabled": True, "severity": "caution", "note": ""}
    setting = ClinicRuleSetting.objects.get(clinic=clinic, rule=KELOID)
    assert setting.updated_by == users["admin"]
    assert setting.history.first().history_user == users["admin"]


def test_each_change_gives_a_new_version(users, clinic):
    base = default_ruleset().version
    assert ruleset_for_clinic(clinic).version == base
    do_update_clinic_rule(actor(users), clinic, KELOID, enabled=False)
    first = ruleset_for_clinic(clinic).version
    do_update_clinic_rule(actor(users), clinic, KELOID, enabled=True, severity="info")
    second = ruleset_for_clinic(clinic).version
    assert len({base, first, second}) == 3
    do_update_clinic_rule(actor(users), clinic, KELOID, enabled=True)
    assert ruleset_for_clinic(clinic).version == base  # back on the defaults


def test_an_unchanged_save_writes_nothing(users, clinic):
    do_update_clinic_rule(actor(users), clinic, KELOID, enabled=True)
    assert not ClinicRuleSetting.objects.exists()
    assert not AuditEvent.objects.filter(code=Event.CLINIC_UPDATED).exists()


def test_it_refuses_sourced_rules(users, clinic):
    with pytest.raises(ValidationError, match="cited source"):
        do_update_clinic_rule(actor(users), clinic, SOURCED, enabled=False)
    with pytest.raises(ValidationError, match="also screens LDN"):
        do_update_clinic_rule(
            actor(users), clinic, "screening.medication.unrecognised", enabled=False
        )
    assert not ClinicRuleSetting.objects.exists()


def test_it_refuses_bad_input(users, clinic):
    with pytest.raises(ValidationError, match="no screening rule"):
        do_update_clinic_rule(actor(users), clinic, "no.such.rule", enabled=False)
    with pytest.raises(ValidationError) as error:
        do_update_clinic_rule(actor(users), clinic, KELOID, enabled=True, severity="fatal")
    assert "severity" in error.value.message_dict


def test_only_the_clinics_admin_may_change_rules(users, clinic):
    for persona in ("clinician", "frontdesk", "other_staff", "patient"):
        with pytest.raises(PermissionDenied):
            do_update_clinic_rule(actor(users, persona), clinic, KELOID, enabled=False)


# The admin page -----------------------------------------------------------------------


def edit_url(rule_id=KELOID):
    return reverse("screening_rules_edit", args=[rule_id])


def test_the_page_lists_every_rule_with_source_and_grade(client_for, users):
    response = client_for("admin").get(reverse("screening_rules"))
    assert response.status_code == 200
    body = response.content.decode()
    for rule in default_ruleset().rules:
        assert rule.id in body
    assert "practice convention" in body and "Grade A" in body and "Grade D" in body
    assert edit_url() in body
    assert edit_url(SOURCED) not in body


def test_the_admin_switches_a_rule_off(client_for, users, clinic):
    response = client_for("admin").post(edit_url(), {"severity": "", "note": "Test spot first."})
    assert response.status_code == 302
    assert response["Location"] == reverse("screening_rules")
    setting = ClinicRuleSetting.objects.get(clinic=clinic, rule=KELOID)
    assert setting.enabled is False and setting.note == "Test spot first."
    page = client_for("admin").get(reverse("screening_rules")).content.decode()
    assert "switched off" in page and "Test spot first." in page
    assert f"{default_ruleset().version}+clinic-x.1" in page


def test_the_admin_changes_the_severity(client_for, clinic):
    response = client_for("admin").post(edit_url(), {"enabled": "on", "severity": "caution"})
    assert response.status_code == 302
    assert ClinicRuleSetting.objects.get(clinic=clinic, rule=KELOID).severity == "caution"


def test_a_bad_severity_is_a_field_error(client_for):
    response = client_for("admin").post(edit_url(), {"enabled": "on", "severity": "fatal"})
    assert response.status_code == 200
    assert response.context["form"].errors["severity"]
    assert not ClinicRuleSetting.objects.exists()


def test_a_too_long_note_is_a_field_error(client_for):
    response = client_for("admin").post(edit_url(), {"enabled": "on", "note": "x" * 2001})
    assert response.status_code == 200
    assert response.context["form"].errors["note"]


def test_a_sourced_rule_is_shown_but_not_editable(client_for):
    page = client_for("admin").get(edit_url(SOURCED))
    assert page.status_code == 200
    assert "cited source" in page.content.decode()
    assert b'<form method="post" class="card form' not in page.content
    response = client_for("admin").post(edit_url(SOURCED), {"severity": ""})
    assert response.status_code == 403
    assert "cannot be switched off or changed" in response.content.decode()
    assert not ClinicRuleSetting.objects.exists()


def test_an_unknown_rule_is_404(client_for):
    assert client_for("admin").get(edit_url("no.such.rule")).status_code == 404


@pytest.mark.parametrize("persona", ["clinician", "frontdesk"])
def test_other_roles_are_refused(client_for, persona, clinic):
    assert client_for(persona).get(reverse("screening_rules")).status_code == 403
    assert client_for(persona).post(edit_url(), {}).status_code == 403
    assert not ClinicRuleSetting.objects.exists()


@pytest.mark.parametrize("persona", ["patient", "patient2"])
def test_patients_get_404(client_for, persona):
    assert client_for(persona).get(reverse("screening_rules")).status_code == 404
    assert client_for(persona).post(edit_url(), {}).status_code == 404


def test_another_clinics_admin_sees_and_changes_only_their_own(
    client_for, users, clinic, other_clinic
):
    do_update_clinic_rule(actor(users), clinic, KELOID, enabled=False, note="Clinic X note")
    page = client_for("other_staff").get(reverse("screening_rules")).content.decode()
    assert "Clinic X note" not in page and "switched off" not in page
    client_for("other_staff").post(edit_url(), {"enabled": "on", "severity": "info"})
    ours = ClinicRuleSetting.objects.get(clinic=clinic, rule=KELOID)
    assert ours.enabled is False and ours.severity is None
    theirs = ClinicRuleSetting.objects.get(clinic=other_clinic, rule=KELOID)
    assert theirs.severity == "info"


def test_the_clinic_settings_page_links_here(client_for):
    page = client_for("admin").get(reverse("clinic_settings")).content.decode()
    assert reverse("screening_rules") in page
