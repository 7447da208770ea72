"""Evidence entries are checked field by field; a malformed identifier is a field error."""

import datetime

import pytest

from ldnclinic.evidence.validation import (
    EvidenceDataError,
    clean_doi,
    clean_pmid,
    clean_registry_id,
    clean_year,
    validate_condition,
    validate_study,
)

TODAY = datetime.date(2026, 11, 26)


def study(**values):
    data = {
        "first_author": "Smith",
        "year": 2011,
        "design": "Double-blind randomised trial",
        "outcome": "Disease score fell more than on placebo.",
        "direction": "positive",
        "grade": "B",
        "pmid": "21380937",
    }
    data.update(values)
    return data


def condition(**values):
    data = {
        "slug": "psoriasis",
        "name": "Psoriasis",
        "area": "dermatology",
        "certainty": "very_low",
        "summary": "Case reports only.",
        "therapies": ["laser"],
    }
    data.update(values)
    return data


def errors(call, *args, **kwargs):
    with pytest.raises(EvidenceDataError) as caught:
        call(*args, **kwargs)
    return caught.value.errors


def test_it_accepts_a_good_study():
    clean = validate_study(study(doi="https://doi.org/10.1002/art.37734"), today=TODAY)
    assert clean["doi"] == "10.1002/art.37734"
    assert clean["is_low_dose"] is True


@pytest.mark.parametrize("pmid", ["123456789", "PMID123", "12 34", "-1", "3.5"])
def test_it_rejects_a_malformed_pmid(pmid):
    assert "pmid" in errors(validate_study, study(pmid=pmid), today=TODAY)


@pytest.mark.parametrize("pmid", ["1", "21380937", " 9322521 "])
def test_it_accepts_pmids_of_one_to_eight_digits(pmid):
    assert clean_pmid(pmid) == pmid.strip()


@pytest.mark.parametrize(
    "doi", ["10.12/abc", "11.1002/art.1", "10.1002/", "doi 10.1002/x", "10.1002/a b"]
)
def test_it_rejects_a_malformed_doi(doi):
    assert "doi" in errors(validate_study, study(doi=doi), today=TODAY)


@pytest.mark.parametrize(
    "doi",
    ["10.1001/jamadermatol.2024.4098", "https://doi.org/10.1093/pm/pnaa001", "doi:10.1186/x"],
)
def test_it_accepts_and_strips_dois(doi):
    assert clean_doi(doi).startswith("10.")


@pytest.mark.parametrize("registry_id", ["NCT123", "NCT044090411", "XYZ12345678"])
def test_it_rejects_a_malformed_registry_id(registry_id):
    assert "registry_id" in errors(validate_study, study(registry_id=registry_id), today=TODAY)


def test_it_accepts_registry_ids():
    assert clean_registry_id("nct04409041") == "NCT04409041"
    assert clean_registry_id("IRCT20180809040747N1") == "IRCT20180809040747N1"


@pytest.mark.parametrize("grade", ["F", "a", "", "—", None, "AB"])
def test_it_rejects_an_unknown_grade(grade):
    assert "grade" in errors(validate_study, study(grade=grade), today=TODAY)


def test_unconfirmed_is_a_hyphen():
    assert validate_study(study(grade="-"), today=TODAY)["grade"] == "-"


@pytest.mark.parametrize("direction", ["better", "", None, "Positive"])
def test_it_rejects_an_unknown_direction(direction):
    assert "direction" in errors(validate_study, study(direction=direction), today=TODAY)


@pytest.mark.parametrize("year", [1800, 2028, "twenty", True, -5])
def test_it_rejects_a_year_out_of_range(year):
    assert "year" in errors(clean_year, year, today=TODAY)


def test_a_year_is_optional_and_may_be_next_year():
    assert clean_year("", today=TODAY) is None
    assert clean_year("2027", today=TODAY) == 2027


def test_a_study_must_say_where_to_find_it():
    bare = study(pmid="", doi="", registry_id="", url="", citation="")
    assert "pmid" in errors(validate_study, bare, today=TODAY)
    assert validate_study({**bare, "citation": "J Drugs Dermatol 16(11):1140"}, today=TODAY)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"design": ""}, "design"),
        ({"outcome": "  "}, "outcome"),
        ({"outcome": "LDN cured it."}, "outcome"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"n": "x" * 61}, "n"),
        ({"is_low_dose": "no"}, "is_low_dose"),
        ({"first_author": 12}, "first_author"),
    ],
)
def test_it_names_the_field_that_is_wrong(values, field):
    assert field in errors(validate_study, study(**values), today=TODAY)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"slug": "Not A Slug"}, "slug"),
        ({"certainty": "high"}, "certainty"),
        ({"area": "skin"}, "area"),
        ({"therapies": ["massage"]}, "therapies"),
        ({"summary": ""}, "summary"),
        ({"summary": "A miracle for psoriasis."}, "summary"),
        ({"icd10": "L40-9"}, "icd10"),
        ({"snomed": "abc"}, "snomed"),
        ({"name": ""}, "name"),
    ],
)
def test_a_condition_names_the_field_that_is_wrong(values, field):
    assert field in errors(validate_condition, condition(**values))


def test_a_condition_is_cleaned():
    clean = validate_condition(
        condition(therapies="topicals, laser", icd10="L70.0,L73.2", snomed="88616000")
    )
    assert clean["therapies"] == ["laser", "topicals"]
    assert clean["icd10"] == "L70.0, L73.2"
    assert clean["is_published"] is True


def test_the_error_message_names_the_field():
    with pytest.raises(EvidenceDataError, match="^pmid: "):
        validate_study(study(pmid="abc"), today=TODAY)
