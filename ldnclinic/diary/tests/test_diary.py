"""The patient diary: one entry per day (edited, not duplicated), date limits in the clinic's
time zone, ranges, missed doses against the plan, the portal, the chart tab and the API."""

import datetime as dt
import json

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.diary.actions import do_save_diary_entry
from ldnclinic.diary.models import DiaryEntry
from ldnclinic.diary.schedule import day_rows, planned_dose, today_for
from ldnclinic.plans.models import PlanStatus
from ldnclinic.prescriptions.tests.factories import make_plan

# 15:00 UTC on 10 March 2026 is 10:00 in New York (clinic X); the plan (liquid 1 mg/mL,
# 1.5 mg at bedtime from 2 March, +1.5 mg weekly) started on 2 March.
NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def actor(user):
    return Actor(user=user, ip=None, via="test")


def save(patient, user, day=TODAY, **values):
    return do_save_diary_entry(actor(user), patient, date=day, **values)


# The action ----------------------------------------------------------------------------


def test_a_second_save_the_same_day_edits_the_first(patient_a, users):
    first = save(patient_a, users["patient"], dose_taken=True, insomnia=2, note="slept late")
    second = save(patient_a, users["patient"], insomnia=1, itch_nrs=4)
    assert first.pk == second.pk
    assert DiaryEntry.objects.filter(patient=patient_a).count() == 1
    entry = DiaryEntry.objects.get(patient=patient_a)
    # Fields not given keep their value.
    assert (entry.dose_taken, entry.insomnia, entry.itch_nrs, entry.note) == (
        True,
        1,
        4,
        "slept late",
    )
    assert entry.history.count() == 2
    events = AuditEvent.objects.filter(code=Event.DIARY_ENTRY_SAVED, patient=patient_a)
    assert events.count() == 2
    assert events.first().payload["date"] == "2026-03-10"


def test_the_planned_dose_is_copied_from_the_plan(patient_a, users):
    plan = make_plan(patient_a)
    entry = save(patient_a, users["patient"], dose_taken=True)
    assert entry.plan == plan
    assert str(entry.dose_mg.normalize()) == "3"  # second week: 3 mg
    assert planned_dose(patient_a, TODAY).text == "3 mL (3 mg) at bedtime"
    assert planned_dose(patient_a, dt.date(2026, 3, 2)).text == "1.5 mL (1.5 mg) at bedtime"
    no_plan = save(patient_a, users["patient"], day=dt.date(2026, 3, 1), dose_taken=False)
    assert no_plan.plan is None and no_plan.dose_mg is None


def test_a_future_date_is_refused(patient_a, users):
    with pytest.raises(ValidationError) as error:
        save(patient_a, users["patient"], day=TODAY + dt.timedelta(days=1), dose_taken=True)
    assert "date" in error.value.message_dict
    assert not DiaryEntry.objects.exists()


def test_more_than_60_days_back_is_refused(patient_a, users):
    save(patient_a, users["patient"], day=TODAY - dt.timedelta(days=60), dose_taken=True)
    with pytest.raises(ValidationError) as error:
        save(patient_a, users["patient"], day=TODAY - dt.timedelta(days=61), dose_taken=True)
    assert "date" in error.value.message_dict


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"insomnia": 4}, "insomnia"),
        ({"vivid_dreams": -1}, "vivid_dreams"),
        ({"headache": "bad"}, "headache"),
        ({"nausea": True}, "nausea"),
        ({"itch_nrs": 11}, "itch_nrs"),
        ({"sleep_quality": -1}, "sleep_quality"),
        ({"note": "x" * 1001}, "note"),
        ({"other_text": "x" * 201}, "other_text"),
        ({"dose_taken": "maybe"}, "dose_taken"),
        ({"taken_at": "25:00"}, "taken_at"),
        ({"mood": 3}, "mood"),
        ({"note": "nul\x00byte"}, "note"),
    ],
)
def test_values_out_of_range_are_field_errors(patient_a, users, values, field):
    with pytest.raises(ValidationError) as error:
        save(patient_a, users["patient"], **values)
    assert field in error.value.message_dict
    assert not DiaryEntry.objects.exists()


def test_the_ranges_edges_are_accepted(patient_a, users):
    entry = save(
        patient_a,
        users["patient"],
        vivid_dreams=3,
        insomnia=0,
        itch_nrs=10,
        sleep_quality=0,
        taken_at="22:30",
        dose_taken=True,
    )
    assert (entry.vivid_dreams, entry.itch_nrs, entry.sleep_quality) == (3, 10, 0)
    assert entry.taken_at == dt.time(22, 30)


def test_23_30_in_new_york_is_still_today_there(patient_a, users):
    # 03:30 UTC on 11 March is 23:30 EDT on 10 March in New York (UTC-4 since 8 March).
    late = dt.datetime(2026, 3, 11, 3, 30, tzinfo=dt.UTC)
    with time_machine.travel(late, tick=False):
        assert today_for(patient_a) == TODAY
        entry = save(patient_a, users["patient"], day=TODAY, dose_taken=True)
        assert entry.date == TODAY
        with pytest.raises(ValidationError):
            save(patient_a, users["patient"], day=dt.date(2026, 3, 11), dose_taken=True)
        response = _client(users, "patient").get(reverse("portal_diary"))
        assert response.context["today"] == TODAY
    # An hour later it is 11 March there: the 11th may be filled in.
    with time_machine.travel(late + dt.timedelta(hours=1), tick=False):
        assert today_for(patient_a) == dt.date(2026, 3, 11)
        save(patient_a, users["patient"], day=dt.date(2026, 3, 11), dose_taken=True)


def test_missed_doses_are_marked_against_the_plan(patient_a, users):
    make_plan(patient_a)
    save(patient_a, users["patient"], day=dt.date(2026, 3, 9), dose_taken=True)
    save(patient_a, users["patient"], day=dt.date(2026, 3, 8), dose_taken=False)
    save(patient_a, users["patient"], day=dt.date(2026, 3, 7), insomnia=1)
    save(patient_a, users["patient"], day=dt.date(2026, 3, 1), dose_taken=False)
    entries = list(patient_a.diary_entries.all())
    rows = day_rows(patient_a, dt.date(2026, 2, 28), TODAY, entries, TODAY)
    status = {row["date"].day: row["status"] for row in rows}
    assert status[10] == "due"  # today, not yet logged
    assert status[9] == "taken"
    assert status[8] == "missed"  # said no on a dose day
    assert status[7] == "not_said"
    assert status[6] == "missed"  # no entry on a dose day
    assert status[2] == "missed"  # the plan's first day
    assert status[1] == "not_taken"  # before the plan: no dose planned
    assert status[28] == "no_entry"


def test_a_draft_plan_plans_no_dose(patient_a, users):
    make_plan(patient_a, status=PlanStatus.DRAFT)
    assert planned_dose(patient_a, TODAY) is None


# The portal ----------------------------------------------------------------------------


def _client(users, persona):
    from django.test import Client

    client = Client()
    client.force_login(users[persona], backend="django.contrib.auth.backends.ModelBackend")
    return client


FORM = {
    "dose_taken": "yes",
    "taken_at": "22:15",
    "vivid_dreams": "2",
    "insomnia": "0",
    "headache": "0",
    "nausea": "1",
    "other": "0",
    "other_text": "",
    "itch_nrs": "6",
    "sleep_quality": "",
    "note": "Fine",
}


def test_the_portal_page_shows_today_the_dose_and_14_days(client_for, patient_a):
    make_plan(patient_a)
    response = client_for("patient").get(reverse("portal_diary"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "3 mL (3 mg) at bedtime" in html
    assert 'type="radio" name="dose_taken" value="yes"' in html
    assert len(response.context["rows"]) == 14
    assert "MISSED" in html
    assert AuditEvent.objects.filter(code=Event.DIARY_VIEWED, patient=patient_a).exists()


def test_the_patient_saves_today_then_edits_it(client_for, patient_a):
    client = client_for("patient")
    response = client.post(reverse("portal_diary"), FORM)
    assert response.status_code == 302
    response = client.post(reverse("portal_diary"), {**FORM, "dose_taken": "no"})
    assert response.status_code == 302
    entry = DiaryEntry.objects.get(patient=patient_a)
    assert entry.dose_taken is False and entry.taken_at is None
    assert (entry.vivid_dreams, entry.nausea, entry.itch_nrs, entry.sleep_quality) == (
        2,
        1,
        6,
        None,
    )
    page = client.get(reverse("portal_diary"))
    assert page.context["form"]["dose_taken"].value() == "no"
    assert page.context["form"]["itch_nrs"].value() == "6"


def test_the_patient_edits_an_earlier_day(client_for, patient_a):
    client = client_for("patient")
    url = reverse("portal_diary_day", args=["2026-03-05"])
    assert client.get(url).status_code == 200
    response = client.post(url, FORM)
    assert response.status_code == 302
    assert DiaryEntry.objects.get(patient=patient_a).date == dt.date(2026, 3, 5)


def test_after_an_earlier_day_it_goes_on_to_the_next_day_left_empty(client_for, patient_a, users):
    client = client_for("patient")
    save(patient_a, users["patient"], day=dt.date(2026, 3, 6), dose_taken=True)
    response = client.post(reverse("portal_diary_day", args=["2026-03-05"]), FORM)
    # 6 March is filled in already: on to 7 March.
    assert response["Location"] == reverse("portal_diary_day", args=["2026-03-07"])
    # Yesterday saved, nothing left between it and today: back to today's page.
    response = client.post(reverse("portal_diary_day", args=["2026-03-09"]), FORM)
    assert response["Location"] == reverse("portal_diary")


@pytest.mark.parametrize("day", ["2026-03-11", "2026-01-08"])
def test_the_portal_refuses_a_future_or_too_old_day(client_for, patient_a, day):
    client = client_for("patient")
    url = reverse("portal_diary_day", args=[day])
    assert client.get(url).status_code == 400
    assert client.post(url, FORM).status_code == 400
    assert not DiaryEntry.objects.exists()


def test_bad_form_values_show_field_errors(client_for, patient_a):
    response = client_for("patient").post(
        reverse("portal_diary"), {**FORM, "itch_nrs": "12", "insomnia": "7", "taken_at": "x"}
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"itch_nrs", "insomnia", "taken_at"} <= set(errors)
    assert not DiaryEntry.objects.exists()


def test_a_bad_date_in_the_url_is_404(client_for, patient_a):
    assert client_for("patient").get("/portal/diary/not-a-date/").status_code == 404


def test_patient_b_never_sees_patient_a(client_for, patient_a, patient_b, users):
    save(patient_a, users["patient"], note="Alice's secret")
    response = client_for("patient2").get(reverse("portal_diary"))
    assert response.status_code == 200
    assert response.context["patient"] == patient_b
    assert "Alice" not in response.content.decode()
    # The staff tab and the API of A's record are closed to B.
    assert (
        client_for("patient2").get(reverse("patient_diary", args=[patient_a.pk])).status_code == 404
    )
    assert client_for("patient2").get(f"/api/v1/patients/{patient_a.pk}/diary").status_code == 404
    put = client_for("patient2").put(
        f"/api/v1/patients/{patient_a.pk}/diary/2026-03-10",
        json.dumps({"dose_taken": True}),
        content_type="application/json",
    )
    assert put.status_code == 404


@pytest.mark.parametrize("persona", ["clinician", "admin", "frontdesk", "other_staff"])
def test_staff_have_no_portal_diary(client_for, persona, patient_a):
    assert client_for(persona).get(reverse("portal_diary")).status_code == 404
    assert (
        client_for(persona).get(reverse("portal_diary_day", args=["2026-03-09"])).status_code == 404
    )


def test_anonymous_is_sent_to_log_in(client_for):
    response = client_for("anonymous").get(reverse("portal_diary"))
    assert response.status_code == 302


# The chart tab ---------------------------------------------------------------------------


def test_staff_see_the_last_30_days_with_missed_doses(client_for, patient_a, users):
    make_plan(patient_a)
    save(patient_a, users["patient"], day=dt.date(2026, 3, 9), dose_taken=True, insomnia=3)
    response = client_for("frontdesk").get(reverse("patient_diary", args=[patient_a.pk]))
    assert response.status_code == 200
    assert len(response.context["rows"]) == 30
    assert response.context["missed"] == 7  # 2–8 March, no entries
    html = response.content.decode()
    assert "<caption" in html and 'scope="col"' in html
    assert 'aria-current="page"' in html and "Diary" in html
    assert AuditEvent.objects.filter(code=Event.DIARY_VIEWED, patient=patient_a).exists()


def test_clinic_y_staff_and_patients_cannot_see_the_chart_tab(client_for, patient_a):
    url = reverse("patient_diary", args=[patient_a.pk])
    assert client_for("other_staff").get(url).status_code == 404
    assert client_for("patient").get(url).status_code == 404


# The API -------------------------------------------------------------------------------


def api_url(patient, day=None):
    base = f"/api/v1/patients/{patient.pk}/diary"
    return f"{base}/{day}" if day else base


def put(client, patient, day, body):
    return client.put(api_url(patient, day), json.dumps(body), content_type="application/json")


def test_api_put_creates_then_updates_one_entry(client_for, patient_a):
    make_plan(patient_a)
    client = client_for("patient")
    first = put(client, patient_a, "2026-03-10", {"dose_taken": True, "itch_nrs": 5})
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["date"] == "2026-03-10" and body["dose_mg"] == "3" and body["itch_nrs"] == 5
    second = put(client, patient_a, "2026-03-10", {"insomnia": 2})
    assert second.status_code == 200
    assert second.json()["itch_nrs"] == 5 and second.json()["insomnia"] == 2
    assert DiaryEntry.objects.filter(patient=patient_a).count() == 1


def test_api_get_lists_days_with_status(client_for, patient_a, users):
    make_plan(patient_a)
    save(patient_a, users["patient"], day=dt.date(2026, 3, 9), dose_taken=True)
    response = client_for("clinician").get(
        api_url(patient_a), {"from": "2026-03-07", "to": "2026-03-10"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["from"], body["to"], body["today"]) == ("2026-03-07", "2026-03-10", "2026-03-10")
    days = {d["date"]: d for d in body["days"]}
    assert days["2026-03-09"]["status"] == "taken"
    assert days["2026-03-09"]["entry"]["dose_taken"] is True
    assert days["2026-03-08"]["status"] == "missed" and days["2026-03-08"]["entry"] is None
    assert days["2026-03-10"]["planned"] == "3 mL (3 mg) at bedtime"
    ahead = client_for("patient").get(
        api_url(patient_a), {"from": "2026-03-10", "to": "2026-03-12"}
    )
    assert [d["status"] for d in ahead.json()["days"]] == ["upcoming", "upcoming", "due"]
    default = client_for("patient").get(api_url(patient_a)).json()
    assert len(default["days"]) == 30


@pytest.mark.parametrize(
    ("day", "body", "field"),
    [
        ("2026-03-11", {"dose_taken": True}, "date"),
        ("2025-12-01", {"dose_taken": True}, "date"),
        ("yesterday", {"dose_taken": True}, "date"),
        ("2026-03-10", {"insomnia": 4}, "insomnia"),
        ("2026-03-10", {"itch_nrs": 11}, "itch_nrs"),
        ("2026-03-10", {"note": "x" * 1001}, "note"),
        ("2026-03-10", {"mood": 1}, "mood"),
        ("2026-03-10", {"itch_nrs": "lots"}, "itch_nrs"),
        ("2026-03-10", {"itch_nrs": 2.5}, "itch_nrs"),
        ("2026-03-10", {"note": "a\x00b"}, "note"),
        ("2026-03-10", {"insomnia": 10**30}, "insomnia"),
    ],
)
def test_api_bad_input_is_422_with_fields(client_for, patient_a, day, body, field):
    response = put(client_for("patient"), patient_a, day, body)
    assert response.status_code == 422, response.content
    assert field in response.json()["fields"]
    assert response.json()["error"]
    assert not DiaryEntry.objects.exists()


def test_api_get_bad_range_is_4xx(client_for, patient_a):
    client = client_for("patient")
    assert (
        client.get(api_url(patient_a), {"from": "2026-03-10", "to": "2026-03-01"}).status_code
        == 422
    )
    assert client.get(api_url(patient_a), {"from": "2024-01-01"}).status_code == 422
    assert client.get(api_url(patient_a), {"from": "soon"}).status_code == 400


def test_api_clinicians_enter_on_behalf_front_desk_may_not(client_for, patient_a):
    assert (
        put(client_for("clinician"), patient_a, "2026-03-10", {"dose_taken": True}).status_code
        == 200
    )
    entry = DiaryEntry.objects.get()
    assert entry.created_by.email == "clinician@x.test"
    assert (
        put(client_for("frontdesk"), patient_a, "2026-03-10", {"dose_taken": False}).status_code
        == 403
    )


def test_api_clinic_y_staff_get_404(client_for, patient_a):
    assert client_for("other_staff").get(api_url(patient_a)).status_code == 404
    assert put(client_for("other_staff"), patient_a, "2026-03-10", {"nausea": 1}).status_code == 404
    assert client_for("anonymous").get(api_url(patient_a)).status_code == 401


def test_a_lost_race_edits_the_winners_row(patient_a, users, monkeypatch):
    from ldnclinic.diary import actions

    real = actions.existing_entry
    calls = []

    def racing(patient, day):
        calls.append(day)
        if len(calls) == 1:
            # Another request creates the day between our look-up and our insert.
            DiaryEntry.objects.create(
                clinic=patient.clinic, patient=patient, date=day, note="other tab"
            )
            return None
        return real(patient, day)

    monkeypatch.setattr(actions, "existing_entry", racing)
    entry = save(patient_a, users["patient"], insomnia=2)
    assert len(calls) == 2
    assert DiaryEntry.objects.filter(patient=patient_a).count() == 1
    # (In one test transaction the competitor's row rolls back with our savepoint; across
    # two connections the retry finds and edits it.)
    entry.refresh_from_db()
    assert entry.insomnia == 2


# The access matrix rows (as proposed for core/tests/test_access_matrix.py) ---------------

PERSONAS = ("admin", "clinician", "frontdesk", "patient", "patient2", "other_staff", "anonymous")
MATRIX = [
    ("get", "/portal/diary/", None, (404, 404, 404, 200, 200, 404, 302)),
    ("get", "/portal/diary/2099-01-01/", None, (404, 404, 404, 400, 400, 404, 302)),
    ("get", "/patients/{pk}/diary/", None, (200, 200, 200, 404, 404, 404, 302)),
    ("get", "/api/v1/patients/{pk}/diary", None, (200, 200, 200, 200, 404, 404, 401)),
    (
        "put",
        "/api/v1/patients/{pk}/diary/2099-01-01",
        {"dose_taken": True},
        (422, 422, 403, 422, 404, 404, 401),
    ),
    (
        "put",
        "/api/v1/patients/{pk}/diary/2026-03-10",
        {"dose_taken": True},
        (200, 200, 403, 200, 404, 404, 401),
    ),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("row", MATRIX, ids=lambda row: f"{row[0]} {row[1]}")
def test_access_matrix_rows(row, persona, client_for, patient_a, patient_b):
    method, path, body, expected = row
    url = path.format(pk=patient_a.pk)
    client = client_for(persona)
    if body is not None:
        response = client.put(url, json.dumps(body), content_type="application/json")
    else:
        response = getattr(client, method)(url)
    assert response.status_code == expected[PERSONAS.index(persona)], response.content[:300]
