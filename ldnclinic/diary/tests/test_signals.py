"""Side-effect signals from the diary: the pure evaluator, one open signal per patient and
rule, raising on a diary save (same transaction), the clinician's inbox and its access, and
adjusting the plan from a signal."""

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from django.urls import reverse

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.diary import actions as diary_actions
from ldnclinic.diary.actions import do_save_diary_entry
from ldnclinic.diary.models import DiaryEntry, Signal
from ldnclinic.diary.signals import evaluate, live_plan, rules
from ldnclinic.plans.tests.plan_fixtures import active, actor, draft, lead, psoriasis  # noqa: F401
from ldnclinic.prescriptions.tests.factories import make_plan

# 15:00 UTC on 10 March 2026 is 10:00 in New York (clinic X). make_plan: 1.5 mg at bedtime
# from 2 March, +1.5 mg weekly (the dose changes on 9 March).
NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 10)
START = dt.date(2026, 3, 2)
D = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def line(day, dose_taken=True, **scores):
    values = dict.fromkeys(("vivid_dreams", "insomnia", "headache", "nausea", "other"), 0)
    return SimpleNamespace(date=day, dose_taken=dose_taken, **{**values, **scores})


def save(patient, user, day=TODAY, **values):
    return do_save_diary_entry(Actor(user=user, ip=None, via="test"), patient, date=day, **values)


# The rules -------------------------------------------------------------------------------------


def test_every_rule_has_a_source_and_a_grade():
    assert set(rules()) == {"sleep.early", "severe.any", "missed.doses"}
    for rule in rules().values():
        assert rule["title"] and rule["explanation"] and rule["suggestion"]
        assert rule["sources"] and all(s["source"] and s["grade"] for s in rule["sources"])
    morning = [s for s in rules()["sleep.early"]["sources"] if "morning" in s["claim"]]
    assert morning and morning[0]["grade"] == "—"


# The evaluator ---------------------------------------------------------------------------------


def test_sleep_trouble_on_2_of_the_last_3_nights_early_in_the_plan_is_a_signal():
    entries = [line(TODAY - 2 * D, insomnia=1), line(TODAY - D), line(TODAY, vivid_dreams=2)]
    (finding,) = evaluate(entries, START, (), TODAY)
    assert (finding.rule, finding.severity) == ("sleep.early", "routine")
    assert finding.dates == (TODAY - 2 * D, TODAY)


def test_sleep_trouble_on_1_of_the_last_3_nights_is_not():
    entries = [line(TODAY - 3 * D, insomnia=2), line(TODAY - 2 * D, insomnia=1)]
    entries += [line(TODAY - D), line(TODAY)]
    assert evaluate(entries, START, (), TODAY) == []


def test_after_day_14_of_the_plan_sleep_trouble_is_not_a_signal():
    start = TODAY - 14 * D  # today is day 15
    entries = [line(TODAY - D, insomnia=2), line(TODAY, insomnia=2)]
    assert evaluate(entries, start, (), TODAY) == []
    # ... but a dose change 3 days ago opens a new 14-day window.
    assert [f.rule for f in evaluate(entries, start, (TODAY - 3 * D,), TODAY)] == ["sleep.early"]
    # Without a live plan there is no window.
    assert evaluate(entries, None, (), TODAY) == []


def test_a_severe_score_is_an_urgent_signal_with_or_without_a_plan():
    entries = [line(TODAY - 10 * D, nausea=3), line(TODAY - D, headache=3), line(TODAY)]
    for start in (START, None):
        (finding,) = evaluate(entries, start, (), TODAY)
        assert (finding.rule, finding.severity, finding.dates) == (
            "severe.any",
            "urgent",
            (TODAY - D,),  # 10 days back is outside the 7-day look-back
        )


def test_three_missed_doses_in_7_days_on_a_live_plan_is_a_signal():
    missed = [line(TODAY - n * D, dose_taken=False) for n in (0, 3, 6)]
    taken = [line(TODAY - n * D) for n in (1, 2)]
    (finding,) = evaluate(missed + taken, START, (), TODAY)
    assert finding.rule == "missed.doses" and len(finding.dates) == 3
    # Two in the week (the third is 7 days back), not said, or no live plan: none.
    older = [line(TODAY - 7 * D, dose_taken=False), *missed[:2]]
    assert evaluate(older, START, (), TODAY) == []
    assert (
        evaluate([line(TODAY - n * D, dose_taken=None) for n in range(5)], START, (), TODAY) == []
    )
    assert evaluate(missed, None, (), TODAY) == []


def test_the_plan_window_comes_from_the_live_plan(patient_a):
    plan = make_plan(patient_a)
    found, start, step_starts = live_plan(patient_a)
    assert (found, start, step_starts[0]) == (plan, START, dt.date(2026, 3, 9))


# Raising on a diary save ---------------------------------------------------------------------


def test_a_diary_save_raises_a_signal_audited_by_rule_only(patient_a, users):
    plan = make_plan(patient_a)
    save(patient_a, users["patient"], day=TODAY - D, insomnia=2, note="awake at 3am")
    assert not Signal.objects.exists()
    save(patient_a, users["patient"], vivid_dreams=1)
    signal = Signal.objects.get()
    assert (signal.rule, signal.plan, signal.status, signal.clinic_id) == (
        "sleep.early",
        plan,
        "open",
        patient_a.clinic_id,
    )
    assert signal.dates == ["2026-03-09", "2026-03-10"]
    event = AuditEvent.objects.get(code=Event.SIGNAL_RAISED)
    assert event.patient_id == patient_a.pk
    assert "awake" not in str(event.payload) and event.payload["rule"] == "sleep.early"


def test_an_open_signal_is_updated_not_duplicated(patient_a, users):
    make_plan(patient_a)
    save(patient_a, users["patient"], day=TODAY - 2 * D, headache=3)
    save(patient_a, users["patient"], day=TODAY - D, nausea=3)
    save(patient_a, users["patient"], headache=3)
    signal = Signal.objects.get(rule="severe.any")
    assert signal.dates == ["2026-03-08", "2026-03-09", "2026-03-10"]
    assert (signal.first_date, signal.last_date) == (TODAY - 2 * D, TODAY)
    assert AuditEvent.objects.filter(code=Event.SIGNAL_RAISED).count() == 1
    # Once reviewed, a new finding opens a new signal.
    Signal.objects.filter(pk=signal.pk).update(status="reviewed")
    save(patient_a, users["patient"], nausea=3)
    assert Signal.objects.filter(rule="severe.any").count() == 2
    assert Signal.objects.filter(rule="severe.any", status="open").count() == 1


def test_the_signal_is_raised_in_the_diary_saves_transaction(patient_a, users, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("signals down")

    monkeypatch.setattr(diary_actions, "do_evaluate_signals", broken)
    with pytest.raises(RuntimeError):
        save(patient_a, users["patient"], headache=3)
    assert not DiaryEntry.objects.exists()


# The inbox -------------------------------------------------------------------------------------


@pytest.fixture
def signal(patient_a, users, active):  # noqa: F811 (the plans fixture)
    save(patient_a, users["patient"], day=TODAY - D, insomnia=2, dose_taken=True)
    save(patient_a, users["patient"], insomnia=1, dose_taken=False)
    return Signal.objects.get()


def test_the_inbox_lists_open_signals_with_their_diary_lines(client_for, signal):
    response = client_for("frontdesk").get(reverse("signal_list"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Sleep disturbance early in a step" in page
    assert "Alice" in page and "2026-03-09" in page and "2026-03-10" in page
    assert "morning" in page
    # Front desk reads but does not act.
    assert "Mark reviewed" not in page and "?signal=" not in page
    assert AuditEvent.objects.filter(code=Event.SIGNALS_LISTED).count() == 1
    page = client_for("clinician").get(reverse("signal_list")).content.decode()
    assert f"?signal={signal.pk}" in page and "Mark reviewed" in page


@pytest.mark.parametrize("persona", ["patient", "patient2"])
def test_patients_cannot_reach_the_inbox(client_for, signal, persona):
    assert client_for(persona).get(reverse("signal_list")).status_code == 404
    url = reverse("signal_review", args=[signal.pk])
    assert client_for(persona).post(url).status_code == 404


def test_another_clinics_staff_see_none_of_it(client_for, signal):
    page = client_for("other_staff").get(reverse("signal_list")).content.decode()
    assert "Alice" not in page
    url = reverse("signal_review", args=[signal.pk])
    assert client_for("other_staff").post(url).status_code == 404
    signal.refresh_from_db()
    assert signal.status == "open"


def test_front_desk_cannot_mark_reviewed(client_for, signal):
    url = reverse("signal_review", args=[signal.pk])
    assert client_for("frontdesk").post(url).status_code == 403
    signal.refresh_from_db()
    assert signal.status == "open"


def test_a_clinician_marks_a_signal_reviewed(client_for, users, signal):
    url = reverse("signal_review", args=[signal.pk])
    assert client_for("clinician").post(url).status_code == 302
    signal.refresh_from_db()
    assert (signal.status, signal.reviewed_by) == ("reviewed", users["clinician"])
    assert AuditEvent.objects.filter(code=Event.SIGNAL_REVIEWED).count() == 1
    assert (
        client_for("clinician")
        .get(reverse("signal_list"))
        .content.decode()
        .count("Sleep disturbance")
        == 0
    )
    # A second review is refused with a message, not an error page.
    assert client_for("clinician").post(url).status_code == 302
    assert AuditEvent.objects.filter(code=Event.SIGNAL_REVIEWED).count() == 1
    assert client_for("clinician").get(url).status_code == 405


def test_the_plan_page_shows_the_plans_open_signals(client_for, signal):
    page = client_for("clinician").get(reverse("plan_detail", args=[signal.plan.pk]))
    assert "Diary signals" in page.content.decode()
    assert f"?signal={signal.pk}" in page.content.decode()


def test_adjusting_from_a_signal_marks_it_reviewed_with_the_version(client_for, signal):
    plan = signal.plan
    client = client_for("clinician")
    url = reverse("plan_adjust", args=[plan.pk])
    page = client.get(url, {"signal": signal.pk}).content.decode()
    assert "Diary signal: Sleep disturbance early in a step (2026-03-09, 2026-03-10)" in page
    assert '<option value="side_effect" selected>' in page
    assert 'value="hold" checked' in page  # the rule's first suggestion
    data = {
        "kind": "morning",
        "effective_date": "2026-03-10",
        "reason": "Diary signal: sleep",
        "source": "side_effect",
        "signal": signal.pk,
        "action": "save",
    }
    assert client.post(url, data).status_code == 302
    signal.refresh_from_db()
    version = plan.versions.get(number=2)
    assert (signal.status, signal.resolved_by_version) == ("reviewed", version)


def test_a_signal_of_another_patient_is_ignored_by_the_adjust_page(
    client_for, users, signal, patient_b
):
    other = make_plan(patient_b)
    url = reverse("plan_adjust", args=[other.pk])
    page = client_for("clinician").get(url, {"signal": signal.pk}).content.decode()
    assert "Diary signal" not in page
    assert client_for("clinician").get(url, {"signal": "x"}).status_code == 200


def test_a_refused_adjustment_leaves_the_signal_open(client_for, signal):
    data = {
        "kind": "morning",
        "effective_date": "2026-01-01",  # before the plan started
        "reason": "x",
        "source": "side_effect",
        "signal": signal.pk,
        "action": "save",
    }
    response = client_for("clinician").post(reverse("plan_adjust", args=[signal.plan.pk]), data)
    assert response.status_code == 400
    signal.refresh_from_db()
    assert (signal.status, signal.resolved_by_version) == ("open", None)


def test_a_severe_score_without_a_plan_reaches_the_inbox(client_for, patient_a, users):
    save(patient_a, users["patient"], nausea=3)
    signal = Signal.objects.get()
    assert (signal.rule, signal.severity, signal.plan) == ("severe.any", "urgent", None)
    page = client_for("clinician").get(reverse("signal_list")).content.decode()
    assert "Urgent" in page and "Severe side effect" in page and "?signal=" not in page


# The urgent-signal email ---------------------------------------------------------------------


def test_an_urgent_signal_emails_the_plans_clinician_without_details(
    patient_a, users, mailoutbox, django_capture_on_commit_callbacks
):
    from ldnclinic.accounts.models import Membership

    plan = make_plan(patient_a)
    plan.clinician = Membership.objects.get(user=users["clinician"])
    plan.save()
    with django_capture_on_commit_callbacks(execute=True):
        save(patient_a, users["patient"], nausea=3)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["clinician@x.test"]
    assert message.subject == "An urgent diary signal to review — Clinic X"
    text = (message.subject + message.body).lower()
    for word in ("nausea", "severe", "psoriasis", "naltrexone", patient_a.family_name.lower()):
        assert word not in text
    assert reverse("signal_list") in message.body
    # The same open signal seen again the next save: no second email.
    with django_capture_on_commit_callbacks(execute=True):
        save(patient_a, users["patient"], nausea=3, note="still bad")
    assert len(mailoutbox) == 1


def test_without_a_clinician_it_emails_the_clinics_clinicians_and_admins(
    patient_a, users, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        save(patient_a, users["patient"], headache=3)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["admin@x.test", "clinician@x.test"]


def test_a_routine_signal_sends_no_email(
    patient_a, users, mailoutbox, django_capture_on_commit_callbacks
):
    make_plan(patient_a, start=dt.date(2026, 3, 5))
    with django_capture_on_commit_callbacks(execute=True):
        save(patient_a, users["patient"], day=dt.date(2026, 3, 9), insomnia=2)
        save(patient_a, users["patient"], insomnia=2)
    assert Signal.objects.get().severity == "routine"
    assert mailoutbox == []
