import copy
import json
import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ldnclinic.pharmacology import model as pk
from ldnclinic.pharmacology.model import ModelDataError, ModelInputError, simulate

MODEL = pk.load()
DATA = json.loads(pk.DATA_FILE.read_text(encoding="utf-8"))

doses = st.floats(min_value=0.01, max_value=50, allow_nan=False)
hours_of_day = st.floats(min_value=0, max_value=23.99, allow_nan=False)


def test_every_parameter_has_a_value_unit_source_and_grade():
    for name, parameter in DATA["parameters"].items():
        assert {"value", "unit", "source", "grade", "label"} <= set(parameter), name
        assert parameter["grade"] in pk.GRADES
        assert all(s in DATA["sources"] for s in parameter["source"])
    for source in DATA["sources"].values():
        assert source["citation"] and source["url"].startswith("https://")


def test_the_assumptions_say_what_is_assumed():
    text = " ".join(MODEL.assumptions).lower()
    assert "illustrative" in text
    assert "50 mg" in text and "assumption" in text  # linear scaling from 50 mg data
    assert "one-compartment" in text
    assert "ec50" in text and "pet" in text
    assert "6β-naltrexol" in text and "half" in text


def test_it_reproduces_the_label_numbers_it_is_scaled_from():
    assert MODEL.naltrexone.tmax_h == pytest.approx(1.0, abs=0.05)
    tmax = MODEL.naltrexone.tmax_h
    assert MODEL.naltrexone.at(50, tmax) == pytest.approx(13.3, rel=1e-6)
    assert MODEL.naltrexol.at(50, MODEL.naltrexol.tmax_h) == pytest.approx(108, rel=1e-6)
    # Half-lives: the tails fall by half over 4 h and 13 h.
    assert MODEL.naltrexone.at(50, 40) / MODEL.naltrexone.at(50, 36) == pytest.approx(0.5, 0.01)
    assert MODEL.naltrexol.at(50, 60) / MODEL.naltrexol.at(50, 47) == pytest.approx(0.5, 0.01)
    # The apparent V/F the reference derives from the same numbers (~3,160 L).
    assert MODEL.apparent_volume_l == pytest.approx(3160, rel=0.01)


def test_the_fitted_model_hits_the_pet_points_within_the_stated_tolerance():
    tolerance = DATA["pet_tolerance"]
    errors = [pk.peak_occupancy(p["dose_mg"]) - p["occupancy"] for p in MODEL.pet_points]
    assert max(abs(e) for e in errors) <= tolerance["max_abs"]
    assert math.sqrt(sum(e * e for e in errors) / len(errors)) <= tolerance["rms"]
    # The reference's own dose-only Emax fit gives ED50 4–5.5 mg; ours lands close by.
    ed50 = MODEL.ec50_ng_ml / pk.peak_effective_per_mg(MODEL)
    assert 4 <= ed50 <= 6


def test_fit_ec50_recovers_a_known_ec50():
    truth = 3.0
    per_mg = pk.peak_effective_per_mg(MODEL)
    points = [
        {"dose_mg": d, "occupancy": d * per_mg / (d * per_mg + truth)} for d in (1, 4, 20, 50)
    ]
    assert pk.fit_ec50(points) == pytest.approx(truth, rel=1e-4)
    with pytest.raises(ModelInputError):
        pk.fit_ec50([])


def test_it_agrees_with_the_12_5_mg_abstract_qualitatively():
    # Clin Pharmacol Ther 2005 (grade C): blockade clear at 3 h and 24 h, gone by 72 h.
    assert MODEL.occupancy(12.5, 3) > 0.5
    assert MODEL.occupancy(12.5, 24) > 0.2
    assert MODEL.occupancy(12.5, 72) < 0.05


def test_ldn_doses_give_partial_short_lived_blockade():
    summary = simulate(4.5).summary
    assert 0.35 < summary["peak_occupancy"] < 0.55
    assert summary["hours_above_50_percent"] == 0
    assert summary["occupancy_24h"] < summary["occupancy_12h"] < summary["occupancy_8h"]


def test_it_gives_points_on_the_grid_with_clock_times():
    result = simulate(1.5, dosing_hour=22, hours=24, step_h=0.5)
    assert len(result.points) == 49
    first, last = result.points[0], result.points[-1]
    assert first == {
        "hour": 0.0,
        "clock": "22:00",
        "naltrexone_ng_ml": 0.0,
        "naltrexol_ng_ml": 0.0,
        "occupancy": 0.0,
    }
    assert result.points[5]["clock"] == "00:30"
    assert last["hour"] == 24 and last["clock"] == "22:00"
    assert simulate(1, dosing_hour=7.5, hours=1).points[-1]["clock"] == "08:30"


@pytest.mark.parametrize(
    "value, field",
    [
        (0, "dose_mg"),
        (-1, "dose_mg"),
        (50.01, "dose_mg"),
        ("abc", "dose_mg"),
        (None, "dose_mg"),
        (True, "dose_mg"),
        (float("nan"), "dose_mg"),
        (float("inf"), "dose_mg"),
        ([1], "dose_mg"),
    ],
)
def test_it_refuses_bad_doses_with_the_field_name(value, field):
    with pytest.raises(ModelInputError) as error:
        simulate(value)
    assert error.value.field == field
    assert isinstance(error.value, ValueError)
    assert error.value.message


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"hours": 0}, "hours"),
        ({"hours": 73}, "hours"),
        ({"hours": 1.5}, "hours"),
        ({"dosing_hour": 24}, "dosing_hour"),
        ({"dosing_hour": -0.5}, "dosing_hour"),
        ({"step_h": 0}, "step_h"),
        ({"step_h": "x"}, "step_h"),
    ],
)
def test_it_refuses_bad_windows(kwargs, field):
    with pytest.raises(ModelInputError) as error:
        simulate(1, **kwargs)
    assert error.value.field == field


def test_it_accepts_decimals_strings_and_the_limits():
    assert simulate(Decimal("4.5")).dose_mg == 4.5
    assert simulate("0.5").dose_mg == 0.5
    assert simulate(50).summary["peak_occupancy"] < 1


@given(doses, hours_of_day)
def test_occupancy_is_a_fraction_and_concentrations_are_not_negative(dose, start):
    for point in simulate(dose, dosing_hour=start, hours=72, step_h=1.5).points:
        assert 0 <= point["occupancy"] <= 1
        assert point["naltrexone_ng_ml"] >= 0
        assert point["naltrexol_ng_ml"] >= 0


@given(doses, doses)
def test_a_higher_dose_never_gives_lower_occupancy_at_any_hour(a, b):
    low, high = sorted((a, b))
    for p, q in zip(simulate(low).points, simulate(high).points, strict=True):
        assert p["occupancy"] <= q["occupancy"]
        assert p["naltrexone_ng_ml"] <= q["naltrexone_ng_ml"]


@given(doses)
def test_the_peak_is_near_tmax(dose):
    summary = simulate(dose).summary
    assert abs(summary["peak_hour"] - 1.0) <= 0.5


def _broken(change):
    data = copy.deepcopy(DATA)
    change(data)
    return data


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.pop("assumptions"),
        lambda d: d["parameters"].pop("ka_per_h"),
        lambda d: d["parameters"]["ka_per_h"].pop("grade"),
        lambda d: d["parameters"]["ka_per_h"].update(value=0.72),  # peak at 2.6 h, not Tmax
        lambda d: d["parameters"]["naltrexone_cmax_ref_ng_ml"].update(value=-1),
        lambda d: d["parameters"]["naltrexone_cmax_ref_ng_ml"].update(source=["nowhere"]),
        lambda d: d["sources"]["fachinfo"].update(grade="Z"),
        lambda d: d.update(pet_points=[]),
        lambda d: d["pet_points"].append({"dose_mg": 5, "occupancy": 1.2, "source": "lee1988"}),
    ],
)
def test_it_refuses_broken_data_at_start_up(change):
    with pytest.raises(ModelDataError):
        pk.validate(_broken(change))
