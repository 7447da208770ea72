"""Plan params: protocol defaults, merging changes, session target dates, the adjustment
options a plan offers."""

import datetime

import pytest

from ldnclinic.plans.builder import adjustment_options, preview
from ldnclinic.plans.params import (
    check_params,
    default_params,
    merge_params,
    session_targets,
    step_rows,
)
from ldnclinic.plans.titration import PlanInputError
from ldnclinic.protocols.seed import seed_protocols

START = datetime.date(2026, 3, 2)


@pytest.fixture
def psoriasis():
    return next(p for p in seed_protocols() if p["code"] == "psoriasis-ldn")


def test_defaults_follow_the_protocol(psoriasis):
    params = default_params(psoriasis, start_date=START)
    assert params["scheme_code"] == psoriasis["default_scheme"]
    assert params["duration_days"] == psoriasis["default_duration_days"]
    assert params["formulation"] == psoriasis["formulations"][0]
    assert {a["code"]: a["included"] for a in params["adjuncts"]} == {
        a["code"]: bool(a.get("default")) for a in psoriasis["adjuncts"]
    }
    with pytest.raises(PlanInputError) as caught:
        default_params(psoriasis, start_date=START, scheme_code="nope")
    assert list(caught.value.errors) == ["scheme_code"]


def test_merging_changes_keeps_the_rest(psoriasis):
    base = default_params(psoriasis, start_date=START, scheme_code="standard")
    merged = merge_params(base, {"scheme": {"timing": "morning"}, "duration_days": 56})
    assert merged["scheme"]["start_mg"] == "1.5" and merged["scheme"]["timing"] == "morning"
    assert merged["duration_days"] == 56
    switched = merge_params(base, {"scheme_code": "low-and-slow"}, psoriasis)
    assert switched["scheme"]["start_mg"] == "0.5"
    adjuncts = merge_params(base, {"adjuncts": [{"code": "laser", "sessions": 6}]})["adjuncts"]
    laser = next(a for a in adjuncts if a["code"] == "laser")
    assert (laser["sessions"], laser["interval_days"]) == (6, 28)
    broken = merge_params(base, {"scheme": "fast"})
    with pytest.raises(PlanInputError) as caught:
        check_params(broken)
    assert list(caught.value.errors) == ["scheme"]


def test_session_targets_step_by_the_interval_with_their_window(psoriasis):
    params = default_params(psoriasis, start_date=START)
    laser = next(t for t in session_targets(params) if t["code"] == "laser")
    first, second = laser["sessions"][:2]
    assert (first["target"], first["earliest"], first["latest"]) == (
        datetime.date(2026, 3, 16),
        datetime.date(2026, 3, 9),
        datetime.date(2026, 3, 23),
    )
    assert second["target"] == datetime.date(2026, 4, 13)
    assert len(laser["sessions"]) == 4
    params["adjuncts"] = [{**a, "included": False} for a in params["adjuncts"]]
    assert session_targets(params) == []


def test_step_rows_mark_today_and_the_volume(psoriasis):
    checked = check_params(default_params(psoriasis, start_date=START, scheme_code="standard"))
    rows = step_rows(checked.calendar.to_list(), checked.params["formulation"], START)
    assert rows[0] | {"start_date": None, "end_date": None} == {
        "gap": False,
        "start_date": None,
        "end_date": None,
        "days": 7,
        "dose_mg": "1.5",
        "timing": "bedtime",
        "volume_ml": "1.5",
        "today": True,
    }
    assert [r["today"] for r in rows[1:]] == [False] * (len(rows) - 1)


def test_the_options_fit_the_plans_state(psoriasis):
    active = [o["kind"] for o in adjustment_options(psoriasis, "active", "bedtime")]
    assert active == ["hold", "step_back", "morning", "pause", "stop"]
    paused = [o["kind"] for o in adjustment_options(psoriasis, "paused", "morning")]
    assert paused == ["resume", "bedtime", "stop"]
    assert adjustment_options(psoriasis, "stopped") == []
    for option in adjustment_options(psoriasis, "paused"):
        assert option["source"] and option["grade"]  # every rule with its source and grade


def test_the_preview_says_what_is_wrong_instead_of_raising(psoriasis):
    params = default_params(psoriasis, start_date=START)
    params["scheme"]["interval_days"] = 0
    assert list(preview(params)["errors"]) == ["interval_days"]
    ok = preview(default_params(psoriasis, start_date=START))
    assert ok["errors"] == {} and ok["sig"].startswith("Take 1.5 mL (1.5 mg)")
    assert ok["dispense"]["beyond_use_days"] == 14
