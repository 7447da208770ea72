import copy
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldnclinic.screening.medications import (
    CLASSES,
    DATA_PATH,
    CatalogueError,
    load_catalogue,
    match_medications,
    match_one,
    parse_catalogue,
    tokenize,
)

# The 18 opioid ingredient RxCUIs of clinical.md §5.1 (CDC MME CodeSystems). Typed here on
# purpose: the test is an independent check of the data file, not a copy of it.
REFERENCE_RXCUIS = {
    "buprenorphine": "1819",
    "butorphanol": "1841",
    "codeine": "2670",
    "dihydrocodeine": "23088",
    "fentanyl": "4337",
    "hydrocodone": "5489",
    "hydromorphone": "3423",
    "levorphanol": "6378",
    "meperidine": "6754",
    "methadone": "6813",
    "morphine": "7052",
    "opium": "7676",
    "oxycodone": "7804",
    "oxymorphone": "7814",
    "pentazocine": "8001",
    "tapentadol": "787390",
    "tramadol": "10689",
    "levomethadyl acetate": "237005",
}
REFERENCE_FILE = Path(__file__).resolve().parents[4] / "shared/reference/clinical.md"

OPIOID_USE = {"opioid_agonist", "opioid_partial_agonist", "opioid_mixed_agonist_antagonist"}

# brand or product text → (an ingredient it must contain, a class that ingredient must carry)
BRANDS = {
    "Tylenol #3": ("codeine", "opioid_agonist"),
    "Tylenol with codeine": ("codeine", "opioid_agonist"),
    "Tylenol #4": ("codeine", "opioid_agonist"),
    "Percocet": ("oxycodone", "opioid_agonist"),
    "Endocet": ("oxycodone", "opioid_agonist"),
    "Roxicodone": ("oxycodone", "opioid_agonist"),
    "OxyContin": ("oxycodone", "opioid_agonist"),
    "Norco": ("hydrocodone", "opioid_agonist"),
    "Vicodin": ("hydrocodone", "opioid_agonist"),
    "Lortab": ("hydrocodone", "opioid_agonist"),
    "Hysingla": ("hydrocodone", "opioid_agonist"),
    "Zohydro": ("hydrocodone", "opioid_agonist"),
    "Suboxone": ("buprenorphine", "opioid_partial_agonist"),
    "Zubsolv": ("buprenorphine", "opioid_long_acting"),
    "Subutex": ("buprenorphine", "opioid_long_acting"),
    "Sublocade": ("buprenorphine", "opioid_partial_agonist"),
    "Butrans": ("buprenorphine", "opioid_partial_agonist"),
    "Belbuca": ("buprenorphine", "opioid_partial_agonist"),
    "Ultram": ("tramadol", "opioid_agonist"),
    "Ultracet": ("tramadol", "opioid_agonist"),
    "ConZip": ("tramadol", "opioid_agonist"),
    "Nucynta": ("tapentadol", "opioid_agonist"),
    "Dilaudid": ("hydromorphone", "opioid_agonist"),
    "Exalgo": ("hydromorphone", "opioid_agonist"),
    "Duragesic": ("fentanyl", "opioid_agonist"),
    "Actiq": ("fentanyl", "opioid_agonist"),
    "MS Contin": ("morphine", "opioid_agonist"),
    "Kadian": ("morphine", "opioid_agonist"),
    "Demerol": ("meperidine", "opioid_agonist"),
    "Dolophine": ("methadone", "opioid_long_acting"),
    "Methadose": ("methadone", "opioid_long_acting"),
    "Lomotil": ("diphenoxylate", "opioid_antidiarrhoeal"),
    "Imodium": ("loperamide", "opioid_antidiarrhoeal"),
    "Talwin": ("pentazocine", "opioid_mixed_agonist_antagonist"),
    "Stadol": ("butorphanol", "opioid_mixed_agonist_antagonist"),
    "Fioricet with codeine": ("codeine", "opioid_agonist"),
    "Tuzistra": ("codeine", "opioid_antitussive"),
    "Tuxarin": ("codeine", "opioid_antitussive"),
    "Robitussin AC": ("codeine", "opioid_antitussive"),
    "Cheratussin AC": ("codeine", "opioid_antitussive"),
    "promethazine with codeine": ("codeine", "opioid_antitussive"),
    "codeine cough syrup": ("codeine", "opioid_antitussive"),
    "Hycodan": ("hydrocodone", "opioid_antitussive"),
    "Tussionex": ("hydrocodone", "opioid_antitussive"),
    "Revia": ("naltrexone", "naltrexone"),
    "Vivitrol": ("naltrexone", "naltrexone"),
    "Contrave": ("naltrexone", "naltrexone"),
    "LDN": ("naltrexone", "naltrexone"),
    "Narcan": ("naloxone", "opioid_antagonist"),
    "Synthroid": ("levothyroxine", "thyroid_hormone"),
    "Levoxyl": ("levothyroxine", "thyroid_hormone"),
    "Euthyrox": ("levothyroxine", "thyroid_hormone"),
    "Tirosint": ("levothyroxine", "thyroid_hormone"),
    "Cytomel": ("liothyronine", "thyroid_hormone"),
    "Armour Thyroid": ("thyroid, desiccated", "thyroid_hormone"),
    "NP Thyroid": ("thyroid, desiccated", "thyroid_hormone"),
    "desiccated thyroid": ("thyroid, desiccated", "thyroid_hormone"),
    "Prograf": ("tacrolimus", "immunosuppressant"),
    "cyclosporine": ("ciclosporin", "immunosuppressant"),
    "Neoral": ("ciclosporin", "immunosuppressant"),
    "Sandimmune": ("ciclosporin", "immunosuppressant"),
    "CellCept": ("mycophenolate", "immunosuppressant"),
    "Myfortic": ("mycophenolate", "immunosuppressant"),
    "Imuran": ("azathioprine", "immunosuppressant"),
    "sirolimus": ("sirolimus", "immunosuppressant"),
    "methotrexate": ("methotrexate", "immunosuppressant"),
    "prednisone": ("prednisone", "immunosuppressant"),
    "Humira": ("adalimumab", "immunosuppressant"),
    "Remicade": ("infliximab", "immunosuppressant"),
    "Enbrel": ("etanercept", "immunosuppressant"),
    "Coumadin": ("warfarin", "anticoagulant"),
    "Jantoven": ("warfarin", "anticoagulant"),
    "Eliquis": ("apixaban", "anticoagulant"),
    "Xarelto": ("rivaroxaban", "anticoagulant"),
    "Pradaxa": ("dabigatran", "anticoagulant"),
    "edoxaban": ("edoxaban", "anticoagulant"),
    "Lovenox": ("enoxaparin", "anticoagulant"),
    "heparin": ("heparin", "anticoagulant"),
    "Plavix": ("clopidogrel", "antiplatelet"),
    "baby aspirin": ("aspirin", "antiplatelet"),
    "Accutane": ("isotretinoin", "isotretinoin"),
    "Absorica": ("isotretinoin", "isotretinoin"),
    "Claravis": ("isotretinoin", "isotretinoin"),
    "Amnesteem": ("isotretinoin", "isotretinoin"),
    "Myorisan": ("isotretinoin", "isotretinoin"),
    "Zenatane": ("isotretinoin", "isotretinoin"),
    "doxycycline": ("doxycycline", "photosensitiser"),
    "minocycline": ("minocycline", "photosensitiser"),
    "tetracycline": ("tetracycline", "photosensitiser"),
    "HCTZ": ("hydrochlorothiazide", "photosensitiser"),
    "amiodarone": ("amiodarone", "photosensitiser"),
    "St John's wort": ("st john's wort", "photosensitiser"),
    "tretinoin": ("tretinoin", "photosensitiser"),
    "methoxsalen": ("methoxsalen", "photosensitiser"),
    "voriconazole": ("voriconazole", "photosensitiser"),
    "Cipro": ("ciprofloxacin", "photosensitiser"),
    "levofloxacin": ("levofloxacin", "photosensitiser"),
    "Bactrim": ("sulfamethoxazole", "photosensitiser"),
    "piroxicam": ("piroxicam", "photosensitiser"),
    "Antabuse": ("disulfiram", "disulfiram"),
    "thioridazine": ("thioridazine", "thioridazine"),
    "nalbuphine": ("nalbuphine", "opioid_mixed_agonist_antagonist"),
}

RECOGNISED_WITHOUT_CLASSES = [
    "Tylenol",
    "paracetamol",
    "acetaminophen",
    "ibuprofen",
    "Advil",
    "Motrin",
    "cetirizine",
    "loratadine",
    "omeprazole",
    "metformin",
    "vitamin D",
    "fish oil",
    "multivitamin",
    "magnesium",
    "probiotics",
    "vitamin C 1000 mg",
    "Tylenol PM",
]


def one(text: str):
    matches, unmatched = match_medications([text])
    assert unmatched == [], f"{text!r} was not matched"
    assert len(matches) == 1
    return matches[0]


def ingredient(match, name: str):
    found = [i for i in match.ingredients if i.name == name]
    assert found, f"{match.text!r} → {match.name!r} lacks {name!r}"
    return found[0]


@pytest.mark.parametrize(("text", "expected"), sorted(BRANDS.items()))
def test_it_maps_each_listed_name_to_its_ingredient_class(text, expected):
    name, cls = expected
    match = one(text)
    assert cls in ingredient(match, name).classes
    assert match.confidence == 1.0
    assert match.how in {"exact", "brand"}


def test_it_matches_tylenol_with_codeine_as_one_combination():
    match = one("Tylenol with codeine")
    assert {i.name for i in match.ingredients} == {"acetaminophen", "codeine"}
    codeine = ingredient(match, "codeine")
    assert codeine.rxcui == "2670"
    assert "opioid_agonist" in codeine.classes
    assert match.how == "brand"
    assert "Tylenol" in match.name


@pytest.mark.parametrize("text", RECOGNISED_WITHOUT_CLASSES)
def test_it_recognises_common_harmless_medicines_without_classes(text):
    match = one(text)
    assert all(not i.classes for i in match.ingredients)


def test_plain_tylenol_is_not_codeine():
    assert [i.name for i in one("Tylenol 500 mg").ingredients] == ["acetaminophen"]


@pytest.mark.parametrize(
    ("typo", "name"),
    [
        ("oxycodon", "oxycodone"),
        ("tramadoll", "tramadol"),
        ("percoset", "oxycodone"),
        ("suboxon", "buprenorphine"),
        ("levothyroxin", "levothyroxine"),
        ("codiene", "codeine"),
        ("Percoset 10mg", "oxycodone"),
    ],
)
def test_it_matches_typos_with_lower_confidence(typo, name):
    match = one(typo)
    ingredient(match, name)
    assert match.how == "fuzzy"
    assert 0 < match.confidence < 1


@pytest.mark.parametrize(
    ("text", "name", "how"),
    [
        ("PERCOCET", "oxycodone", "brand"),
        ("Percocet 5/325 mg twice a day", "oxycodone", "brand"),
        ("percocet 5/325mg 1 tab q6h prn", "oxycodone", "brand"),
        ("Tylenol No. 3", "codeine", "brand"),
        ("tylenol number 3", "codeine", "brand"),
        ("Tylenol 3", "codeine", "brand"),
        ("Tylenol w/ codeine #4", "codeine", "brand"),
        ("oxycodone ER 10 mg tabs", "oxycodone", "exact"),
        ("OxyContin XR 20mg", "oxycodone", "brand"),
        ("  fentanyl   patch 25 mcg/h  ", "fentanyl", "exact"),
        ("Levothyroxine 75 µg every morning", "levothyroxine", "exact"),
        ("I take codeine for my back", "codeine", "ingredient-in-text"),
    ],
)
def test_it_ignores_case_doses_forms_and_noise(text, name, how):
    match = one(text)
    ingredient(match, name)
    assert match.how == how
    assert match.text == text


def test_in_text_matches_are_less_certain_than_bare_names():
    assert one("I take codeine for my back").confidence < one("codeine").confidence


def test_codeine_syrup_is_an_antitussive_but_tablets_are_not():
    assert "opioid_antitussive" in ingredient(one("codeine syrup"), "codeine").classes
    assert "opioid_antitussive" not in ingredient(one("Tylenol #3"), "codeine").classes


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("levothyroxine and tramadol", {"levothyroxine", "tramadol"}),
        ("warfarin, Synthroid", {"warfarin", "levothyroxine"}),
        ("Eliquis + Percocet 5/325", {"apixaban", "oxycodone", "acetaminophen"}),
        ("levothyroxin and tramadoll", {"levothyroxine", "tramadol"}),
        ("hydrocodone/APAP", {"hydrocodone", "acetaminophen"}),
    ],
)
def test_a_multi_medicine_entry_is_one_match_with_all_ingredients(text, names):
    matches, unmatched = match_medications([text])
    assert unmatched == []
    assert len(matches) == 1
    assert {i.name for i in matches[0].ingredients} == names


def test_a_multi_medicine_entry_joins_the_names():
    assert one("warfarin, Synthroid").name == "warfarin + Synthroid"


def test_the_same_ingredient_twice_is_listed_once_with_all_classes():
    match = one("codeine syrup and Tylenol #3")
    codeines = [i for i in match.ingredients if i.name == "codeine"]
    assert len(codeines) == 1
    assert {"opioid_agonist", "opioid_antitussive"} <= codeines[0].classes


def test_unknown_words_beside_a_match_lower_its_confidence():
    # "blahblah" could be a medicine we do not know: keep warfarin, but flag the entry.
    match = one("warfarin and blahblah")
    assert match.confidence < one("warfarin and aspirin").confidence
    assert match.how == "ingredient-in-text"


@pytest.mark.parametrize(
    "text", ["asdfgh", "the blue pill", "???", "morning walk", "water", "xyz", "hcg", "12 mg"]
)
def test_junk_is_unmatched(text):
    assert match_medications([text]) == ([], [text])


def test_blank_entries_are_ignored():
    assert match_medications(["", "   ", "\n\t"]) == ([], [])


@pytest.mark.parametrize(
    "text",
    [
        "none",
        "my back hurts",
        "I walk every morning",
        "blood pressure pill",
        "the doctor said to rest",
        "water and coffee",
        "allergic to cats",
        "sleeping badly",
        "nothing else",
        "oxy 10",
    ],
)
def test_common_words_are_not_false_positives(text):
    matches, unmatched = match_medications([text])
    assert matches == []
    assert unmatched == [text]


@pytest.mark.parametrize("text", ["codeine-free cough syrup", "no codeine", "without codeine"])
def test_a_negated_opioid_is_flagged_for_review_not_dropped(text):
    # Decision: better a clinician reads "codeine-free" than a real codeine product is missed.
    match = one(text)
    assert "opioid_agonist" in ingredient(match, "codeine").classes
    assert match.confidence <= 0.5
    assert match.how == "ingredient-in-text"


def test_each_catalogue_entry_matches_its_own_name_exactly():
    catalogue = load_catalogue()
    for entry in catalogue.entries:
        match = match_one(entry.name)
        assert match is not None and match.name == entry.name, entry.name
        assert match.confidence == 1.0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=8))
def test_every_non_blank_entry_ends_in_exactly_one_list(texts):
    matches, unmatched = match_medications(texts)
    non_blank = [t for t in texts if t.strip()]
    assert len(matches) + len(unmatched) == len(non_blank)
    assert sorted([m.text for m in matches] + unmatched) == sorted(non_blank)
    for match in matches:
        assert 0 < match.confidence <= 1
        assert match.how in {"exact", "brand", "fuzzy", "ingredient-in-text"}
        assert match.ingredients
        assert all(i.classes <= CLASSES for i in match.ingredients)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(sorted(BRANDS)),
    st.sampled_from(["", " 5 mg", " 10mg tabs", " ER 20 mg daily", " 1 tab bid prn", " (2/day)"]),
    st.sampled_from([str.lower, str.upper, str.title, lambda s: s]),
)
def test_a_dose_and_case_never_change_the_match(text, suffix, case):
    assert one(case(text + suffix)).name == one(text).name


# -- the data file ----------------------------------------------------------------------------


def raw_catalogue() -> dict:
    return json.loads(DATA_PATH.read_text(encoding="utf-8"))


def test_the_catalogue_is_loaded_once():
    assert load_catalogue() is load_catalogue()


def test_every_rxcui_is_one_of_the_reference_opioid_codes():
    doc = raw_catalogue()
    coded = {i["name"]: i["rxcui"] for i in doc["ingredients"] if i["rxcui"] is not None}
    assert coded == REFERENCE_RXCUIS
    for item in doc["ingredients"]:
        if item["rxcui"] is None:
            assert item["rxcui_note"] == "unconfirmed", item["name"]
        else:
            assert "§5.1" in item["rxcui_source"], item["name"]


@pytest.mark.skipif(not REFERENCE_FILE.exists(), reason="shared reference not present")
def test_the_reference_codes_agree_with_the_shared_reference():
    text = REFERENCE_FILE.read_text(encoding="utf-8")
    section = text.split("**Opioid agonist ingredients", 1)[1].split("### 5.2", 1)[0]
    in_reference = set(re.findall(r"\|\s*(\d{4,6})\s*\|", section))
    assert set(REFERENCE_RXCUIS.values()) == in_reference


def test_every_entry_has_classes_a_source_and_a_grade():
    doc = raw_catalogue()
    for item in doc["ingredients"] + doc["products"]:
        assert item["source"].strip(), item["name"]
        assert item["grade"] in set("ABCDE"), item["name"]
    for item in doc["ingredients"]:
        assert set(item["classes"]) <= CLASSES, item["name"]


def test_every_opioid_ingredient_blocks_ldn():
    catalogue = load_catalogue()
    by_name = {e.name: e.ingredients[0] for e in catalogue.entries if e.kind == "ingredient"}
    for name in [*REFERENCE_RXCUIS, "nalbuphine"]:
        assert by_name[name].classes & OPIOID_USE, name
    for name in ["methadone", "buprenorphine", "levomethadyl acetate"]:
        assert "opioid_long_acting" in by_name[name].classes


def bad(mutate) -> dict:
    doc = copy.deepcopy(raw_catalogue())
    mutate(doc)
    return doc


def find(doc: dict, kind: str, name: str) -> dict:
    return next(e for e in doc[kind] if e["name"] == name)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: find(d, "ingredients", "codeine")["classes"].append("opiod_agonist"),
            r"ingredient 'codeine': unknown class 'opiod_agonist'",
        ),
        (
            lambda d: find(d, "products", "Norco")["ingredients"].append("unobtainium"),
            r"product 'Norco': unknown ingredient 'unobtainium'",
        ),
        (
            lambda d: find(d, "products", "Hycodan").update(ingredient_classes={"codeine": ["x"]}),
            r"product 'Hycodan': ingredient_classes: 'codeine' is not an ingredient",
        ),
        (
            lambda d: find(d, "products", "Actiq").update(ingredient_classes={"fentanyl": ["x"]}),
            r"product 'Actiq': unknown class 'x'",
        ),
        (
            lambda d: find(d, "products", "Vicodin")["aliases"].append("Norco"),
            r"product 'Vicodin': alias 'Norco' also names 'Norco'",
        ),
        (
            lambda d: find(d, "ingredients", "nalbuphine").pop("rxcui_note"),
            r"ingredient 'nalbuphine': null rxcui needs",
        ),
        (
            lambda d: find(d, "ingredients", "warfarin").update(grade="Z"),
            r"ingredient 'warfarin': grade",
        ),
        (
            lambda d: find(d, "products", "Plavix").update(source=""),
            r"product 'Plavix': no source",
        ),
        (
            lambda d: find(d, "ingredients", "morphine").update(rxcui="7052x"),
            r"ingredient 'morphine': bad rxcui",
        ),
        (lambda d: d["ingredients"].append(dict(d["ingredients"][0])), r"duplicate name"),
        (lambda d: d.pop("products"), r"no products list"),
    ],
)
def test_a_bad_catalogue_is_refused_naming_the_entry(mutate, message):
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(bad(mutate))


def test_the_shipped_catalogue_is_valid():
    catalogue = parse_catalogue(raw_catalogue())
    assert len(catalogue.entries) > 150


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Tylenol #3", ["tylenol", "3"]),
        ("tylenol no. 3", ["tylenol", "3"]),
        ("Tylenol Number 4", ["tylenol", "4"]),
        ("5/325MG", ["5", "325", "mg"]),
        ("Café-Crème", ["cafe", "creme"]),
    ],
)
def test_it_tokenizes(text, tokens):
    assert tokenize(text) == tokens
