"""The seeded library: every condition of the clinical reference §4 is there, negative trials
and gaps included, with the reference's identifiers and grades and nothing invented."""

import json
import re
from pathlib import Path

import pytest

from ldnclinic.evidence.models import Area, Certainty, Condition, Direction, Grade, Study
from ldnclinic.evidence.seed import seed_conditions, seed_global_evidence
from ldnclinic.evidence.validation import AREAS, CERTAINTIES, DIRECTIONS, GRADES, THERAPIES

REFERENCE = Path(__file__).resolve().parents[3].parent / "shared" / "reference" / "clinical.md"
PROTOCOLS = Path(__file__).resolve().parents[2] / "protocols" / "data" / "protocols.json"

# Every condition of §4.1 and §4.2; kept here so the test runs without the reference too.
SLUGS = {
    "skin-conditions-overview",
    "psoriasis",
    "atopic-dermatitis",
    "pruritus",
    "systemic-sclerosis",
    "vitiligo",
    "lichen-planopilaris",
    "hailey-hailey-disease",
    "acne-hidradenitis",
    "morphea",
    "dermatomyositis",
    "wound-healing",
    "scars-keloids",
    "fibromyalgia",
    "multiple-sclerosis",
    "crohns-disease",
    "hashimotos-thyroiditis",
    "systemic-lupus-erythematosus",
    "rheumatoid-arthritis",
    "crps",
    "safety-across-conditions",
}
NO_STUDY = {
    "vitiligo",
    "acne-hidradenitis",
    "morphea",
    "scars-keloids",
    "systemic-lupus-erythematosus",
}


def by_slug():
    return {c["slug"]: c for c in seed_conditions()}


def all_studies():
    return [(c["slug"], s) for c in seed_conditions() for s in c["studies"]]


def find(slug, **match):
    return [s for s in by_slug()[slug]["studies"] if all(s[k] == v for k, v in match.items())]


def reference_labels() -> set[str]:
    """The condition column of §4's two tables, read from the reference."""
    text = REFERENCE.read_text(encoding="utf-8")
    section = text.split("## 4. Evidence per condition", 1)[1].split("\n## 5.", 1)[0]
    labels = set()
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 9 or cells[0] in ("Condition",) or set(cells[0]) <= {"-", " "}:
            continue
        labels.add(cells[0])
    return labels


@pytest.mark.skipif(not REFERENCE.exists(), reason="the clinical reference is not checked out")
def test_every_condition_row_of_the_reference_is_in_the_library():
    labels = reference_labels()
    assert len(labels) > 25
    mapped = {label for c in seed_conditions() for label in c["reference_labels"]}
    assert labels - mapped == set(), "conditions in the reference missing from the library"
    assert mapped - labels == set(), "labels that are not in the reference"


def test_the_library_has_every_condition_listed():
    assert set(by_slug()) == SLUGS


def test_no_study_found_is_an_answer():
    conditions = by_slug()
    for slug in NO_STUDY:
        assert conditions[slug]["studies"] == []
        assert conditions[slug]["certainty"] == Certainty.NONE
        assert "no " in conditions[slug]["summary"].lower()
    # Atopic dermatitis: only a 50 mg trial and an empty registration, so none for LDN.
    assert conditions["atopic-dermatitis"]["certainty"] == Certainty.NONE
    assert "no study of low dose naltrexone" in conditions["atopic-dermatitis"]["summary"].lower()
    assert "no clinical trial" in conditions["hashimotos-thyroiditis"]["summary"].lower()


def test_the_negative_trials_are_there_and_say_so():
    (lpp,) = find("lichen-planopilaris", pmid="32449418")
    assert (lpp["direction"], lpp["grade"]) == (Direction.NEGATIVE, Grade.B)
    (danish,) = find("fibromyalgia", pmid="38226027")
    assert (danish["direction"], danish["grade"]) == (Direction.NEGATIVE, Grade.B)
    (ms,) = find("multiple-sclerosis", first_author="Sharafaddinzadeh")
    assert (ms["direction"], ms["grade"], ms["pmid"]) == (Direction.NEGATIVE, Grade.B, "")
    (thyroid,) = find("hashimotos-thyroiditis", pmid="33004044")
    assert (thyroid["direction"], thyroid["grade"]) == (Direction.NEGATIVE, Grade.C)
    # A negative best trial keeps the condition at low certainty, never better.
    assert by_slug()["lichen-planopilaris"]["certainty"] == Certainty.LOW


@pytest.mark.parametrize("registry_id", ["NCT04325802", "NCT06306157"])
def test_registered_trials_without_results_are_no_result_and_unconfirmed(registry_id):
    (study,) = [s for _, s in all_studies() if s["registry_id"] == registry_id]
    assert study["direction"] == Direction.NO_RESULT
    assert study["grade"] == Grade.UNCONFIRMED


def test_standard_dose_and_topical_studies_are_flagged_not_low_dose():
    not_low = {(slug, s["dose"]) for slug, s in all_studies() if not s["is_low_dose"]}
    assert ("atopic-dermatitis", "50 mg") in not_low
    assert ("pruritus", "50 mg") in not_low
    assert ("wound-healing", "Topical 0.03% naltrexone cream") in not_low
    for slug, study in all_studies():
        if study["dose"] == "50 mg" or "topical" in study["dose"].lower():
            assert not study["is_low_dose"], (slug, study["dose"])


def test_pmids_only_where_the_reference_gives_them():
    # "not seen" in the reference: no PMID, the DOI or address instead.
    (cochrane,) = find("crohns-disease", doi="10.1002/14651858.CD010410.pub3")
    assert cochrane["pmid"] == ""
    (chopra,) = find("crps", first_author="Chopra & Cooper")
    assert (chopra["pmid"], chopra["doi"]) == ("", "10.1007/s11481-013-9451-y")
    (soin,) = find("crps", first_author="Soin")
    assert soin["pmid"] == ""  # the reference saw only a mirror's suggestion
    (strazzulla,) = find("lichen-planopilaris", first_author="Strazzulla")
    assert strazzulla["pmid"] == ""
    (bolton,) = find("safety-across-conditions")
    assert (bolton["pmid"], bolton["grade"]) == ("", Grade.A)
    if REFERENCE.exists():
        text = REFERENCE.read_text(encoding="utf-8")
        for slug, study in all_studies():
            if study["pmid"]:
                assert study["pmid"] in text, (slug, study["pmid"])
            if study["doi"]:
                assert study["doi"] in text, (slug, study["doi"])


def test_codes_follow_the_reference():
    conditions = by_slug()
    assert (conditions["psoriasis"]["icd10"], conditions["psoriasis"]["snomed"]) == (
        "L40.9",
        "9014002",
    )
    assert conditions["lichen-planopilaris"]["snomed"] == ""  # unconfirmed
    assert conditions["hailey-hailey-disease"]["icd10"] == "Q82.8"
    assert conditions["crohns-disease"]["icd10"] == "K50.90"


def test_no_summary_or_outcome_overclaims():
    for condition in seed_conditions():
        texts = [condition["summary"]] + [s["outcome"] for s in condition["studies"]]
        for text in texts:
            assert not re.search(r"\bcure|miracle|healing from within", text, re.IGNORECASE)


def test_protocol_conditions_and_therapies_match_the_protocol_library():
    protocols = json.loads(PROTOCOLS.read_text(encoding="utf-8"))["protocols"]
    protocol_slugs = {p["condition"]["slug"] for p in protocols}
    linked = {c["protocol_condition"] for c in seed_conditions() if c["protocol_condition"]}
    assert linked == protocol_slugs  # every protocol finds its evidence
    adjuncts = {p["condition"]["slug"]: p.get("adjuncts", []) for p in protocols}
    for condition in seed_conditions():
        if condition["protocol_condition"]:
            uses = {a.get("use") for a in adjuncts[condition["protocol_condition"]]}
            expected = {"topicals" if u == "topical" else u for u in uses}
            assert set(condition["therapies"]) == expected, condition["slug"]


def test_the_pure_choices_match_the_models():
    assert set(GRADES) == set(Grade.values)
    assert set(DIRECTIONS) == set(Direction.values)
    assert set(CERTAINTIES) == set(Certainty.values)
    assert set(AREAS) == set(Area.values)
    assert THERAPIES == ("laser", "microneedling-prp", "led", "topicals")


@pytest.mark.django_db
def test_the_migration_seeded_the_global_library_with_its_history():
    assert set(Condition.objects.filter(clinic=None).values_list("slug", flat=True)) == SLUGS
    assert Study.objects.filter(clinic=None).count() == len(all_studies())
    psoriasis = Condition.objects.get(slug="psoriasis")
    assert psoriasis.therapy_list() == ["laser", "topicals"]
    assert psoriasis.history.count() == 1
    assert psoriasis.history.first().history_change_reason == "Seeded from the clinical reference"


@pytest.mark.django_db
def test_seeding_again_creates_nothing_and_keeps_edits():
    Condition.objects.filter(slug="psoriasis").update(summary="Edited.")
    assert seed_global_evidence(Condition, Study) == 0
    assert Condition.objects.get(slug="psoriasis").summary == "Edited."


@pytest.mark.django_db
def test_ensure_global_evidence_refills_a_flushed_database():
    from ldnclinic.evidence.library import ensure_global_evidence

    Study.objects.all().delete()
    Condition.objects.all().delete()
    Study.history.all().delete()
    Condition.history.all().delete()
    assert ensure_global_evidence() == len(SLUGS)
    assert ensure_global_evidence() == 0
    assert Study.objects.count() == len(all_studies())
    version = Condition.objects.get(slug="crps").history.get()
    assert version.history_change_reason == "Seeded from the clinical reference"
