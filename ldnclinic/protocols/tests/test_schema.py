"""The protocol data validator: canonical output, and every bad input named by its path."""

import copy

import pytest

from ldnclinic.protocols.schema import ProtocolDataError, validate_protocol
from ldnclinic.protocols.seed import seed_protocols


@pytest.fixture
def good():
    return copy.deepcopy(next(p for p in seed_protocols() if p["code"] == "psoriasis-ldn"))


def errors_of(data):
    with pytest.raises(ProtocolDataError) as caught:
        validate_protocol(data)
    return caught.value.errors


def test_it_accepts_a_seed_protocol_unchanged(good):
    assert validate_protocol(good) == good


def test_it_normalises_numbers_to_decimal_strings(good):
    good["schemes"][0].update(start_mg=1.50, step_mg="1.5", target_mg=4.5)
    scheme = validate_protocol(good)["schemes"][0]
    assert (scheme["start_mg"], scheme["step_mg"], scheme["target_mg"]) == ("1.5", "1.5", "4.5")


def test_it_refuses_what_is_not_an_object():
    assert errors_of(["nope"]) == {"protocol": "Send the protocol as an object."}


def test_it_names_the_interval_under_one_day(good):
    good["schemes"][0]["interval_days"] = 0
    assert "at least 1 day" in errors_of(good)["schemes[0].interval_days"]


def test_it_names_a_start_dose_below_the_minimum(good):
    good["schemes"][1]["start_mg"] = "0.05"
    assert "0.1 mg" in errors_of(good)["schemes[1].start_mg"]


def test_it_refuses_a_target_above_low_dose_without_confirmation(good):
    good["schemes"][0].update(target_mg="6", max_mg="6")
    assert "confirm" in errors_of(good)["schemes[0].target_mg"]


def test_it_accepts_a_confirmed_dose_beyond_low_dose(good):
    good["schemes"][0].update(target_mg="6", max_mg="6", beyond_low_dose_confirmed=True)
    assert validate_protocol(good)["schemes"][0]["beyond_low_dose_confirmed"] is True


def test_it_refuses_above_fifty_mg_always(good):
    good["schemes"][0].update(target_mg="60", max_mg="60", beyond_low_dose_confirmed=True)
    assert "50 mg" in errors_of(good)["schemes[0].target_mg"]


def test_it_names_a_start_above_the_target(good):
    good["schemes"][0].update(start_mg="3", target_mg="1.5")
    assert "above the target" in errors_of(good)["schemes[0].start_mg"]


def test_it_names_a_negative_step(good):
    good["schemes"][0]["step_mg"] = "-0.5"
    assert "negative" in errors_of(good)["schemes[0].step_mg"]


def test_it_names_a_bad_timing(good):
    good["schemes"][0]["timing"] = "noon"
    assert "schemes[0].timing" in errors_of(good)


def test_it_checks_a_mg_per_kg_scheme_without_a_patient_weight():
    crohns = next(p for p in seed_protocols() if p["code"] == "crohns-ldn")
    paediatric = next(s for s in crohns["schemes"] if s["code"] == "paediatric")
    assert paediatric["mg_per_kg"] == "0.1"
    validate_protocol(crohns)
    paediatric["mg_per_kg"] = "5"
    assert "mg/kg" in errors_of(crohns)["schemes[2].mg_per_kg"]


def test_it_names_a_default_scheme_that_is_not_offered(good):
    good["default_scheme"] = "nonexistent"
    assert "nonexistent" in errors_of(good)["default_scheme"]


def test_it_names_a_duplicate_scheme_code(good):
    good["schemes"][1]["code"] = good["schemes"][0]["code"]
    assert errors_of(good) == {"schemes[1].code": "This code is used twice."}


def test_it_requires_a_scheme(good):
    good["schemes"] = []
    assert errors_of(good)["schemes"] == "Add at least one."


def test_it_names_unknown_fields(good):
    good["colour"] = "blue"
    good["schemes"][0]["speed"] = "fast"
    errors = errors_of(good)
    assert errors == {"colour": "Unknown field.", "schemes[0].speed": "Unknown field."}


def test_it_names_a_bad_evidence_grade_and_certainty(good):
    good["evidence"].update(grade="Z", certainty="high")
    errors = errors_of(good)
    assert set(errors) == {"evidence.grade", "evidence.certainty"}


def test_it_names_a_bad_reference(good):
    good["evidence"]["references"][0].update(pmid="PMID123", doi="doi:x", n=-1, direction="up")
    errors = errors_of(good)
    assert set(errors) == {
        "evidence.references[0].pmid",
        "evidence.references[0].doi",
        "evidence.references[0].n",
        "evidence.references[0].direction",
    }


def test_it_names_bad_condition_codes(good):
    good["condition"].update(icd10="psoriasis", snomed="abc", slug="Psoriasis Vulgaris")
    errors = errors_of(good)
    assert set(errors) == {"condition.icd10", "condition.snomed", "condition.slug"}


def test_unconfirmed_condition_codes_are_null(good):
    good["condition"].update(icd10=None, snomed=None)
    assert validate_protocol(good)["condition"]["snomed"] is None


def test_it_names_bad_session_series_fields(good):
    laser = good["adjuncts"][0]
    laser.update(sessions=0, interval_days=0, tolerance_after_days=-1, service_slug="bad slug!")
    errors = errors_of(good)
    assert set(errors) == {
        "adjuncts[0].sessions",
        "adjuncts[0].interval_days",
        "adjuncts[0].tolerance_after_days",
        "adjuncts[0].service_slug",
    }


def test_a_session_may_not_come_before_the_last(good):
    good["adjuncts"][0].update(interval_days=7, tolerance_before_days=7)
    assert "fewer days than the interval" in errors_of(good)["adjuncts[0].tolerance_before_days"]


def test_a_home_therapy_needs_frequency_and_duration(good):
    topical = good["adjuncts"][1]
    del topical["frequency"]
    topical["duration_days"] = 0
    errors = errors_of(good)
    assert set(errors) == {"adjuncts[1].frequency", "adjuncts[1].duration_days"}


def test_a_home_therapy_has_no_sessions(good):
    good["adjuncts"][1]["sessions"] = 4
    assert errors_of(good) == {"adjuncts[1].sessions": "Unknown field."}


def test_it_names_a_bad_adjunct_kind(good):
    good["adjuncts"][0]["kind"] = "surgery"
    assert "adjuncts[0].kind" in errors_of(good)


def test_it_names_an_unknown_instrument_and_bad_days(good):
    good["instruments"][0] = {"code": "XYZ", "at_days": [0, -3]}
    errors = errors_of(good)
    assert set(errors) == {"instruments[0].code", "instruments[0].at_days[1]"}


def test_it_names_bad_follow_ups(good):
    good["follow_up"][0].update(after_days=0, purpose="")
    errors = errors_of(good)
    assert set(errors) == {"follow_up[0].after_days", "follow_up[0].purpose"}


def test_it_names_a_bad_formulation(good):
    good["formulations"][0]["concentration_mg_per_ml"] = "50"
    assert "0.1 and 10" in errors_of(good)["formulations[0].concentration_mg_per_ml"]
    good["formulations"][0] = {"type": "patch"}
    assert "formulations[0].type" in errors_of(good)


def test_it_names_bad_adjustments(good):
    good["adjustments"][0]["default_days"] = 200
    good["adjustments"][1]["kind"] = "double"
    errors = errors_of(good)
    assert set(errors) == {"adjustments[0].default_days", "adjustments[1].kind"}


def test_it_refuses_a_reserved_code(good):
    good["code"] = "new"
    assert "reserved" in errors_of(good)["code"]


def test_it_refuses_another_schema_version(good):
    good["schema"] = 2
    assert "schema" in errors_of(good)


def test_a_dash_grade_is_the_unconfirmed_grade(good):
    good["adjustments"][2]["grade"] = "-"
    assert validate_protocol(good)["adjustments"][2]["grade"] == "—"
