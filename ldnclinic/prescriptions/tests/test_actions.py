"""Drafting, signing, voiding and superseding prescriptions."""

import datetime
import hashlib

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import PASSWORD
from ldnclinic.plans.models import PlanStatus, VersionKind
from ldnclinic.prescriptions import actions, hooks
from ldnclinic.prescriptions.models import CompoundingSettings, Prescription, PrescriptionStatus
from ldnclinic.prescriptions.tests.factories import (
    CAPSULE,
    NOW,
    START,
    add_version,
    make_plan,
)

pytestmark = pytest.mark.django_db


def codes(patient):
    return list(AuditEvent.objects.filter(patient=patient).values_list("code", flat=True))


@time_machine.travel(NOW, tick=False)
def test_it_drafts_a_liquid_prescription_for_the_whole_plan(actor, plan, pharmacy):
    rx = actions.do_draft_prescription(actor, plan, pharmacy=pharmacy)
    assert rx.status == PrescriptionStatus.DRAFT
    assert (rx.period_start, rx.period_end) == (START, START + datetime.timedelta(days=83))
    assert rx.preparation == "liquid_non_preserved"
    assert rx.beyond_use_days == 14
    # 84 days in fills of at most 14 days: 6 fills, 5 refills.
    assert len(rx.dispense["fills"]) == 6
    assert rx.refills == 5
    assert rx.sig.startswith("Take 1.5 mL (1.5 mg) by mouth at bedtime for 7 days, then")
    assert rx.sig_lines[0] == "Take 1.5 mL (1.5 mg) by mouth at bedtime for 7 days"
    assert [d["sequence"] for d in rx.dosage_instruction] == [1, 2, 3]
    bounds = rx.dosage_instruction[0]["timing"]["repeat"]["boundsPeriod"]
    assert bounds == {"start": "2026-03-02", "end": "2026-03-08"}
    assert rx.pharmacy_snapshot["name"] == "Brooklyn Compounding"
    assert rx.patient_snapshot["name"] == "Alice Adams"
    assert Event.PRESCRIPTION_DRAFTED in codes(plan.patient)


@time_machine.travel(NOW, tick=False)
def test_it_uses_the_clinics_beyond_use_days(actor, plan, pharmacy, clinic, users):
    actions.do_save_compounding_settings(
        Actor(user=users["admin"]), clinic, bud_liquid_non_preserved=28
    )
    rx = actions.do_draft_prescription(actor, plan, pharmacy=pharmacy)
    assert rx.beyond_use_days == 28
    assert len(rx.dispense["fills"]) == 3
    assert rx.dispense["days_supply"] == 28


@time_machine.travel(NOW, tick=False)
def test_capsules_dispense_per_strength(actor, patient_a, pharmacy):
    plan = make_plan(patient_a, formulation=CAPSULE)
    rx = actions.do_draft_prescription(actor, plan, pharmacy=pharmacy)
    assert rx.beyond_use_days == 180
    assert rx.refills == 0
    assert rx.dispense["strengths"] == {"1.5": 7, "3": 7, "4.5": 70}
    assert rx.sig_lines[0] == "Take one 1.5 mg capsule by mouth at bedtime for 7 days"
    custom = CompoundingSettings.for_clinic(patient_a.clinic)
    assert custom.bud_days()["capsule"] == 180


@time_machine.travel(datetime.datetime(2026, 3, 20, 14, tzinfo=datetime.UTC), tick=False)
def test_the_default_period_starts_today_once_the_plan_has_started(actor, plan, pharmacy):
    rx = actions.do_draft_prescription(actor, plan, pharmacy=pharmacy)
    assert rx.period_start == datetime.date(2026, 3, 20)
    assert rx.steps[0]["dose_mg"] == "4.5"


@time_machine.travel(NOW, tick=False)
def test_it_drafts_a_given_period(actor, plan, pharmacy):
    rx = actions.do_draft_prescription(
        actor,
        plan,
        pharmacy=pharmacy,
        period_start=START,
        period_end=START + datetime.timedelta(days=9),
    )
    assert rx.sig == (
        "Take 1.5 mL (1.5 mg) by mouth at bedtime for 7 days, then take 3 mL (3 mg) by mouth"
        " at bedtime daily until March 11, 2026."
    )
    assert rx.dispense["dosing_days"] == 10
    assert [s["end_date"] for s in rx.steps] == ["2026-03-08", "2026-03-11"]


@time_machine.travel(NOW, tick=False)
def test_bad_drafts_are_refused(actor, plan, pharmacy, other_clinic, users):
    with pytest.raises(ValidationError) as error:
        actions.do_draft_prescription(
            actor,
            plan,
            pharmacy=pharmacy,
            period_start=START + datetime.timedelta(days=5),
            period_end=START,
        )
    assert "period_end" in error.value.message_dict
    with pytest.raises(ValidationError):
        actions.do_draft_prescription(actor, plan, pharmacy=None)
    pharmacy.is_active = False
    pharmacy.save()
    with pytest.raises(ValidationError):
        actions.do_draft_prescription(actor, plan, pharmacy=pharmacy)
    with pytest.raises(PermissionDenied):
        actions.do_draft_prescription(Actor(user=users["frontdesk"]), plan, pharmacy=pharmacy)
    assert not Prescription.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_stopped_plan_cannot_be_prescribed(actor, patient_a, pharmacy):
    plan = make_plan(patient_a, status=PlanStatus.STOPPED)
    with pytest.raises(ValidationError, match="stopped"):
        actions.do_draft_prescription(actor, plan, pharmacy=pharmacy)


@time_machine.travel(NOW, tick=False)
def test_it_signs_with_the_password(actor, plan, pharmacy, screened, users):
    rx = actions.do_draft_prescription(actor, plan, pharmacy=pharmacy)
    rx = actions.do_sign_prescription(actor, rx, password=PASSWORD)
    rx.refresh_from_db()
    assert rx.status == PrescriptionStatus.SIGNED
    assert rx.signed_at == NOW
    assert rx.prescriber.user == users["clinician"]
    assert rx.prescriber_snapshot["clinic"] == "Clinic X"
    pdf = bytes(rx.pdf)
    assert pdf.startswith(b"%PDF")
    assert rx.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
    assert b"by mouth at bedtime" in pdf
    assert b"Brooklyn Compounding" in pdf
    assert b"795" in pdf and b"Beyond-use" in pdf
    assert b"2026-03-02 09:00 EST" in pdf
    assert Event.PRESCRIPTION_SIGNED in codes(plan.patient)


@time_machine.travel(NOW, tick=False)
def test_a_wrong_password_is_refused(actor, plan, pharmacy, screened):
    rx = actions.do_draft_prescription(actor, plan, pharmacy=pharmacy)
    with pytest.raises(ValidationError) as error:
        actions.do_sign_prescription(actor, rx, password="not my password")
    assert error.value.message_dict == {"password": [actions.WRONG_PASSWORD]}
    rx.refresh_from_db()
    assert rx.status == PrescriptionStatus.DRAFT
    assert not rx.pdf_sha256


@time_machine.travel(NOW, tick=False)
def test_signing_locks_after_five_wrong_passwords_even_for_the_right_one(
    actor, plan, pharmacy, screened
):
    rx = actions.do_draft_prescription(actor, plan, pharmacy=pharmacy)
    messages = []
    for _ in range(actions.SIGNING_FAILURES_PER_HOUR + 1):
        with pytest.raises(ValidationError) as error:
            actions.do_sign_prescription(actor, rx, password="guess")
        messages.append(error.value.message_dict["password"][0])
    assert messages[:5] == [actions.WRONG_PASSWORD] * 5
    assert messages[5] == actions.SIGNING_LOCKED
    with pytest.raises(ValidationError) as error:
        actions.do_sign_prescription(actor, rx, password=PASSWORD)
    assert error.value.message_dict == {"password": [actions.SIGNING_LOCKED]}
    rx.refresh_from_db()
    assert rx.status == PrescriptionStatus.DRAFT
    # The next hour opens again.
    with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
        actions.do_sign_prescription(actor, rx, password=PASSWORD)
    rx.refresh_from_db()
    assert rx.status == PrescriptionStatus.SIGNED


@time_machine.travel(NOW, tick=False)
def test_the_front_desk_cannot_sign(actor, plan, pharmacy, screened, users):
    rx = actions.do_draft_prescription(actor, plan, pharmacy=pharmacy)
    with pytest.raises(PermissionDenied):
        actions.do_sign_prescription(Actor(user=users["frontdesk"]), rx, password=PASSWORD)


@time_machine.travel(NOW, tick=False)
def test_another_clinics_staff_cannot_sign(actor, plan, pharmacy, screened, users):
    rx = actions.do_draft_prescription(actor, plan, pharmacy=pharmacy)
    with pytest.raises(PermissionDenied):
        actions.do_sign_prescription(Actor(user=users["other_staff"]), rx, password=PASSWORD)


@time_machine.travel(NOW, tick=False)
def test_an_unreviewed_contraindication_refuses_signing(actor, plan, pharmacy, users):
    from ldnclinic.intake import actions as intake_actions
    from ldnclinic.intake.tests.test_portal import COMPLETE

    intake_actions.do_edit_intake(actor, plan.patient, COMPLETE)  # current opioids
    rx = actions.do_draft_prescription(actor, plan, pharmacy=pharmacy)
    with pytest.raises(actions.PrescribingRefused) as error:
        actions.do_sign_prescription(actor, rx, password=PASSWORD)
    rules = [f["rule"] for f in error.value.findings]
    assert "ldn.opioid.current" in rules
    assert "safety screen" in error.value.messages[0]
    rx.refresh_from_db()
    assert rx.status == PrescriptionStatus.DRAFT
    refusal = AuditEvent.objects.get(code=Event.PRESCRIPTION_REFUSED)
    assert "ldn.opioid.current" in refusal.payload["findings"]


@time_machine.travel(NOW, tick=False)
def test_never_screened_refuses_signing(actor, plan, pharmacy):
    rx = actions.do_draft_prescription(actor, plan, pharmacy=pharmacy)
    with pytest.raises(actions.PrescribingRefused):
        actions.do_sign_prescription(actor, rx, password=PASSWORD)


@time_machine.travel(NOW, tick=False)
def test_a_signed_prescription_is_immutable(actor, plan, pharmacy, screened):
    from ldnclinic.prescriptions.models import PrescriptionIsFinal

    rx = actions.do_draft_prescription(actor, plan, pharmacy=pharmacy)
    actions.do_sign_prescription(actor, rx, password=PASSWORD)
    rx = Prescription.objects.get(pk=rx.pk)
    rx.sig = "Take something else"
    with pytest.raises(PrescriptionIsFinal):
        rx.save()
    rx = Prescription.objects.get(pk=rx.pk)
    rx.status = PrescriptionStatus.DRAFT
    with pytest.raises(PrescriptionIsFinal):
        rx.save()
    with pytest.raises(PrescriptionIsFinal):
        rx.delete()
    with pytest.raises(PrescriptionIsFinal):
        Prescription.objects.filter(pk=rx.pk).update(sig="x")
    with pytest.raises(PrescriptionIsFinal):
        Prescription.objects.all().delete()
    with pytest.raises(ValidationError, match="signed"):
        actions.do_sign_prescription(actor, rx, password=PASSWORD)


@time_machine.travel(NOW, tick=False)
def test_it_voids_with_a_reason_and_void_is_final(actor, plan, pharmacy, screened):
    from ldnclinic.prescriptions.models import PrescriptionIsFinal

    rx = actions.do_draft_prescription(actor, plan, pharmacy=pharmacy)
    actions.do_sign_prescription(actor, rx, password=PASSWORD)
    with pytest.raises(ValidationError):
        actions.do_void_prescription(actor, rx, reason="  ")
    rx = actions.do_void_prescription(actor, rx, reason="Wrong pharmacy")
    assert rx.status == PrescriptionStatus.VOID
    assert rx.closed_reason == "Wrong pharmacy"
    rx.status = PrescriptionStatus.SIGNED
    with pytest.raises(PrescriptionIsFinal):
        rx.save()
    with pytest.raises(ValidationError):
        actions.do_void_prescription(actor, Prescription.objects.get(pk=rx.pk), reason="again")


@time_machine.travel(NOW, tick=False)
def test_signing_replaces_the_plans_other_prescriptions(actor, plan, pharmacy, screened):
    first = actions.do_draft_prescription(actor, plan, pharmacy=pharmacy)
    actions.do_sign_prescription(actor, first, password=PASSWORD)
    second = actions.do_draft_prescription(actor, plan, pharmacy=pharmacy)
    actions.do_sign_prescription(actor, second, password=PASSWORD)
    first.refresh_from_db()
    assert first.status == PrescriptionStatus.SUPERSEDED
    assert first.superseded_by == second


@time_machine.travel(NOW, tick=False)
def test_a_dosing_change_supersedes_through_the_hook(actor, plan, pharmacy, screened):
    signed = actions.do_draft_prescription(actor, plan, pharmacy=pharmacy)
    actions.do_sign_prescription(actor, signed, password=PASSWORD)
    draft = actions.do_draft_prescription(actor, plan, pharmacy=pharmacy)
    hold = {"kind": "hold", "effective_date": "2026-03-05", "days": 7, "reason": "Insomnia"}
    version = add_version(plan, adjustments=[hold], kind=VersionKind.ADJUSTED)
    hooks.plan_changed(actor, plan, version)
    signed.refresh_from_db()
    draft.refresh_from_db()
    assert signed.status == draft.status == PrescriptionStatus.SUPERSEDED
    assert "version 2" in signed.closed_reason
    assert signed.superseded_by is None
    assert codes(plan.patient).count(Event.PRESCRIPTION_SUPERSEDED) == 2
    # Nothing is signed automatically.
    assert not Prescription.objects.filter(status=PrescriptionStatus.SIGNED).exists()


@time_machine.travel(NOW, tick=False)
def test_a_change_outside_the_period_keeps_a_signed_prescription(actor, plan, pharmacy, screened):
    signed = actions.do_draft_prescription(
        actor, plan, pharmacy=pharmacy, period_end=START + datetime.timedelta(days=13)
    )
    actions.do_sign_prescription(actor, signed, password=PASSWORD)
    morning = {"kind": "morning", "effective_date": "2026-04-20", "reason": "Dreams"}
    version = add_version(plan, adjustments=[morning], kind=VersionKind.ADJUSTED)
    hooks.plan_changed(actor, plan, version)
    signed.refresh_from_db()
    assert signed.status == PrescriptionStatus.SIGNED


@time_machine.travel(NOW, tick=False)
def test_a_stopped_plan_supersedes_everything(actor, plan, pharmacy, screened):
    signed = actions.do_draft_prescription(actor, plan, pharmacy=pharmacy)
    actions.do_sign_prescription(actor, signed, password=PASSWORD)
    plan.status = PlanStatus.STOPPED
    plan.save()
    hooks.plan_changed(actor, plan, plan.current_version)
    signed.refresh_from_db()
    assert signed.status == PrescriptionStatus.SUPERSEDED


@time_machine.travel(NOW, tick=False)
def test_signing_a_draft_of_an_older_version_is_refused(actor, plan, pharmacy, screened):
    rx = actions.do_draft_prescription(actor, plan, pharmacy=pharmacy)
    add_version(plan, kind=VersionKind.EDITED)
    with pytest.raises(ValidationError, match="changed"):
        actions.do_sign_prescription(actor, rx, password=PASSWORD)
