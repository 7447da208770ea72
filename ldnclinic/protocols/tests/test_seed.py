"""The global seed protocols: every one valid, one per condition, honest about evidence."""

import pytest

from ldnclinic.protocols.models import Protocol, ProtocolVersion
from ldnclinic.protocols.schema import validate_protocol
from ldnclinic.protocols.seed import seed_global_protocols, seed_protocols, seed_schemes

CONDITIONS = {
    "psoriasis",
    "atopic-dermatitis",
    "vitiligo",
    "hailey-hailey-disease",
    "lichen-planopilaris",
    "scars-keloids",
    "chronic-wounds",
    "acne",
    "fibromyalgia",
    "crohns-disease",
    "hashimotos-thyroiditis",
}


def by_condition():
    return {p["condition"]["slug"]: p for p in seed_protocols()}


@pytest.mark.parametrize("data", seed_protocols(), ids=lambda d: d["code"])
def test_every_seed_protocol_is_valid_and_canonical(data):
    assert validate_protocol(data) == data


def test_there_is_one_protocol_per_condition_of_the_issue():
    protocols = seed_protocols()
    assert {p["condition"]["slug"] for p in protocols} == CONDITIONS
    assert len(protocols) == len(CONDITIONS)


def test_the_five_seed_schemes():
    schemes = {s["code"]: s for s in seed_schemes()}
    assert set(schemes) == {"standard", "low-and-slow", "slow-thyroid", "paediatric", "fixed-4.5"}
    standard = schemes["standard"]
    assert (standard["start_mg"], standard["step_mg"], standard["interval_days"]) == (
        "1.5",
        "1.5",
        7,
    )
    assert schemes["low-and-slow"]["step_mg"] == "0.5"
    assert schemes["low-and-slow"]["interval_days"] == 7
    assert schemes["slow-thyroid"]["interval_days"] == 14
    # Smith 2013 gave 0.1 mg/kg from day 1, capped at 4.5 mg: a fixed weight-based dose.
    paediatric = schemes["paediatric"]
    assert (paediatric["mg_per_kg"], paediatric["step_mg"], paediatric["max_mg"]) == (
        "0.1",
        "0",
        "4.5",
    )
    assert "23188075" in paediatric["source"]
    fixed = schemes["fixed-4.5"]
    assert (fixed["start_mg"], fixed["step_mg"], fixed["grade"]) == ("4.5", "0", "B")
    assert all(s["target_mg"] == "4.5" for s in schemes.values())


def test_defaults_follow_the_issue():
    protocols = by_condition()
    assert protocols["hashimotos-thyroiditis"]["default_scheme"] == "slow-thyroid"
    assert "paediatric" in [s["code"] for s in protocols["crohns-disease"]["schemes"]]
    laser = protocols["psoriasis"]["adjuncts"][0]
    assert (laser["sessions"], laser["interval_days"], laser["tolerance_before_days"]) == (4, 28, 7)
    assert [i["code"] for i in protocols["psoriasis"]["instruments"]] == [
        "PASI",
        "BSA",
        "ITCH_NRS",
        "DLQI",
    ]
    atopic = [i["code"] for i in protocols["atopic-dermatitis"]["instruments"]]
    assert atopic == ["EASI", "SCORAD", "POEM", "PEAK_PRURITUS_NRS"]
    assert [i["code"] for i in protocols["crohns-disease"]["instruments"]] == ["HBI"]


def test_gaps_are_stated_not_hidden():
    protocols = by_condition()
    for slug in ("vitiligo", "acne", "scars-keloids", "atopic-dermatitis"):
        evidence = protocols[slug]["evidence"]
        assert evidence["grade"] == "gap", slug
        assert evidence["certainty"] == "no evidence", slug
        assert "No" in evidence["summary"], slug
    assert "No clinical trial" in protocols["hashimotos-thyroiditis"]["evidence"]["summary"]


def test_the_negative_lpp_trial_is_said_so():
    lpp = by_condition()["lichen-planopilaris"]
    [rct] = [r for r in lpp["evidence"]["references"] if r["pmid"] == "32449418"]
    assert rct["direction"] == "negative"
    assert "NO difference" in lpp["evidence"]["summary"]


def test_chronic_wounds_are_preclinical_and_topical_only():
    wounds = by_condition()["chronic-wounds"]["evidence"]
    assert wounds["grade"] == "E"
    assert all(r["grade"] == "E" for r in wounds["references"])
    assert "TOPICAL" in wounds["summary"]


def test_unconfirmed_codes_are_null():
    protocols = by_condition()
    assert protocols["lichen-planopilaris"]["condition"]["snomed"] is None
    assert protocols["hailey-hailey-disease"]["condition"]["snomed"] is None
    assert protocols["scars-keloids"]["condition"]["snomed"] is None
    assert protocols["psoriasis"]["condition"] == {
        "slug": "psoriasis",
        "name": "Psoriasis",
        "icd10": "L40.9",
        "snomed": "9014002",
    }


def test_the_migration_seeded_version_one_of_each(library):
    assert set(library) == {p["code"] for p in seed_protocols()}
    for protocol in library.values():
        [version] = protocol.versions.all()
        assert version.number == 1
        assert validate_protocol(version.data) == version.data


def test_seeding_again_changes_nothing(library):
    assert seed_global_protocols(Protocol, ProtocolVersion) == 0
    assert ProtocolVersion.objects.count() == len(library)


def test_ensure_global_protocols_refills_a_flushed_database(db):
    from ldnclinic.protocols.library import ensure_global_protocols

    # What a transactional test's flush leaves: no rows at all.
    ProtocolVersion.objects.all().delete()
    Protocol.objects.all().delete()
    assert ensure_global_protocols() == len(seed_protocols())
    assert ensure_global_protocols() == 0
    assert Protocol.objects.filter(clinic=None).count() == len(seed_protocols())
