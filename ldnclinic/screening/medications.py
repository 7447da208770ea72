"""Offline medication matching: free text from a patient → catalogue ingredients and classes.

The knowledge (ingredients, RxCUIs, classes, brand and combination names, sources and grades)
lives in ``data/medications.json``; this module only loads, validates and applies it. Pure
Python, no Django import, so the screening engine, the API and the benchmarks can share it.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_PATH = Path(__file__).resolve().parent / "data" / "medications.json"

CLASSES = frozenset(
    {
        "opioid_agonist",
        "opioid_partial_agonist",
        "opioid_mixed_agonist_antagonist",
        "opioid_long_acting",  # methadone, buprenorphine, LAAM: 14-day washout
        "opioid_antidiarrhoeal",  # diphenoxylate (Lomotil), loperamide (weak: caution only)
        "opioid_antitussive",  # codeine/hydrocodone/dihydrocodeine cough products
        "naltrexone",
        "opioid_antagonist",
        "thyroid_hormone",
        "immunosuppressant",
        "anticoagulant",
        "antiplatelet",
        "isotretinoin",
        "photosensitiser",
        "disulfiram",
        "thioridazine",
    }
)
GRADES = frozenset("ABCDE")

# Similarity (difflib ratio) a typo needs to count as a match, and the factor that keeps every
# fuzzy confidence below an exact one. Words shorter than MIN_FUZZY_LETTERS only match exactly:
# short words are too close to too many names.
FUZZY_CUTOFF = 0.85
FUZZY_WEIGHT = 0.9
MIN_FUZZY_LETTERS = 4
# A name found beside a negation ("codeine-free", "no codeine") is still reported, so that a
# clinician reads it, but with this confidence.
NEGATED_CONFIDENCE = 0.5
# A name found inside a longer sentence, and the cap when that sentence also holds words we
# could not explain (possibly another, unknown medicine).
IN_TEXT_CONFIDENCE = 0.9
UNEXPLAINED_CONFIDENCE = 0.7

# Doses, units, forms, frequencies and list separators: ignored when deciding whether an entry
# is just a name ("Percocet 5/325 mg twice a day" is the brand Percocet).
_NOISE_WORDS = """
    mg mcg ug g gm gram grams kg ml l iu u unit units meq mmol percent pct
    tab tabs tablet tablets cap caps capsule capsules pill pills er xr sr cr la xl ir dr ec odt
    patch patches syrup liquid solution susp suspension injection inj injectable shot cream gel
    ointment lotion drop drops spray nasal oral po sublingual sl film films strip inhaler elixir
    lozenge extended immediate delayed release chewable topical
    daily once twice thrice a an day days bid tid qid qd qhs hs prn as needed at night nightly
    morning mornings evening evenings bedtime weekly monthly every per hour hours hrs hr h x
    times q otc dose doses
    and or with w plus
"""
NOISE = frozenset(_NOISE_WORDS.split())
NEGATIONS_BEFORE = frozenset({"no", "not", "non", "without"})
NEGATIONS_AFTER = frozenset({"free"})
# Ordinary words around a medicine name; they make a match "ingredient-in-text" but are not
# suspected to be an unknown medicine.
_STOP_WORDS = """
    i im me my mine we our you he she it they take takes taking took taken also use used using
    for the of in on to from about around approx approximately when sometimes occasionally
    usually only just still currently now recently since ago last stopped quit started start
    prescribed prescription rx pain back knee neck headache headaches migraine cough cold sleep
    generic brand name medication medications medicine medicines meds drug drugs low high
    no not non without free is was am are be been yes maybe
"""
STOPWORDS = frozenset(_STOP_WORDS.split())

_NUMBERED = re.compile(r"(?:#|\bno\b\.?|\bnumber\b|\bnum\b\.?|\bnr\b\.?)\s*(\d+)")
_TOKEN = re.compile(r"[a-z]+|\d+")


class CatalogueError(ValueError):
    """The medication catalogue file is malformed; the message names the offending entry."""


@dataclass(frozen=True)
class Ingredient:
    name: str
    rxcui: str | None
    classes: frozenset[str]


@dataclass(frozen=True)
class MedicationMatch:
    text: str
    name: str
    ingredients: tuple[Ingredient, ...]
    confidence: float
    how: str  # "exact" | "brand" | "fuzzy" | "ingredient-in-text"


@dataclass(frozen=True)
class CatalogueEntry:
    name: str
    kind: str  # "ingredient" | "product"
    ingredients: tuple[Ingredient, ...]
    source: str
    grade: str


@dataclass(frozen=True)
class Catalogue:
    version: str
    entries: tuple[CatalogueEntry, ...]
    index: Mapping[tuple[str, ...], CatalogueEntry]
    fuzzy_keys: tuple[str, ...]
    longest_alias: int


@dataclass(frozen=True)
class _Hit:
    entry: CatalogueEntry
    confidence: float
    how: str  # "exact" | "brand" | "fuzzy"


def tokenize(text: str) -> list[str]:
    """Lower-case ASCII word and number tokens; "#3", "no. 3" and "number 3" all become "3"."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _TOKEN.findall(_NUMBERED.sub(r" \1 ", folded))


# -- loading and validation -------------------------------------------------------------------


def _require(cond: bool, where: str, problem: str) -> None:
    if not cond:
        raise CatalogueError(f"{where}: {problem}")


def _text_list(value: Any, where: str, field: str) -> list[str]:
    _require(isinstance(value, list), where, f"{field} must be a list")
    _require(all(isinstance(v, str) and v.strip() for v in value), where, f"bad {field}")
    return list(value)


def _check_common(raw: Mapping[str, Any], where: str) -> None:
    _require(isinstance(raw.get("source"), str) and raw["source"].strip(), where, "no source")
    _require(
        raw.get("grade") in GRADES, where, f"grade must be one of A-E, not {raw.get('grade')!r}"
    )


def _check_classes(classes: Iterable[str], where: str) -> frozenset[str]:
    unknown = sorted(set(classes) - CLASSES)
    _require(not unknown, where, f"unknown class {', '.join(map(repr, unknown))}")
    return frozenset(classes)


def _parse_ingredient(raw: Any) -> tuple[Ingredient, list[str], str, str]:
    _require(isinstance(raw, dict), "ingredient", "must be an object")
    name = raw.get("name")
    _require(isinstance(name, str) and name.strip(), "ingredient", f"bad name {name!r}")
    where = f"ingredient {name!r}"
    rxcui = raw.get("rxcui")
    if rxcui is None:
        _require(
            raw.get("rxcui_note") == "unconfirmed",
            where,
            'null rxcui needs rxcui_note "unconfirmed"',
        )
    else:
        _require(isinstance(rxcui, str) and rxcui.isdigit(), where, f"bad rxcui {rxcui!r}")
        _require(bool(raw.get("rxcui_source")), where, "rxcui without rxcui_source")
    classes = _check_classes(_text_list(raw.get("classes"), where, "classes"), where)
    _check_common(raw, where)
    synonyms = _text_list(raw.get("synonyms", []), where, "synonyms")
    return Ingredient(name, rxcui, classes), [name, *synonyms], raw["source"], raw["grade"]


def _parse_product(
    raw: Any, ingredients: Mapping[str, Ingredient]
) -> tuple[CatalogueEntry, list[str]]:
    _require(isinstance(raw, dict), "product", "must be an object")
    name = raw.get("name")
    _require(isinstance(name, str) and name.strip(), "product", f"bad name {name!r}")
    where = f"product {name!r}"
    names = _text_list(raw.get("ingredients"), where, "ingredients")
    _require(bool(names), where, "no ingredients")
    missing = [n for n in names if n not in ingredients]
    _require(not missing, where, f"unknown ingredient {', '.join(map(repr, missing))}")
    extra = raw.get("ingredient_classes", {})
    _require(isinstance(extra, dict), where, "ingredient_classes must be an object")
    for ing_name, classes in extra.items():
        _require(ing_name in names, where, f"ingredient_classes: {ing_name!r} is not an ingredient")
        _check_classes(_text_list(classes, where, "ingredient_classes"), where)
    _check_common(raw, where)
    parts = tuple(
        Ingredient(
            ingredients[n].name,
            ingredients[n].rxcui,
            ingredients[n].classes | frozenset(extra.get(n, ())),
        )
        for n in names
    )
    entry = CatalogueEntry(name, "product", parts, raw["source"], raw["grade"])
    return entry, [name, *_text_list(raw.get("aliases"), where, "aliases")]


def parse_catalogue(doc: Any) -> Catalogue:
    """Validate a decoded catalogue document and build its lookup index."""
    _require(isinstance(doc, dict), "catalogue", "must be an object")
    _require(isinstance(doc.get("version"), str), "catalogue", "no version")
    _require(isinstance(doc.get("ingredients"), list), "catalogue", "no ingredients list")
    _require(isinstance(doc.get("products"), list), "catalogue", "no products list")
    ingredients: dict[str, Ingredient] = {}
    named: list[tuple[CatalogueEntry, list[str]]] = []
    for raw in doc["ingredients"]:
        ing, aliases, source, grade = _parse_ingredient(raw)
        _require(ing.name not in ingredients, f"ingredient {ing.name!r}", "duplicate name")
        ingredients[ing.name] = ing
        named.append((CatalogueEntry(ing.name, "ingredient", (ing,), source, grade), aliases))
    product_names: set[str] = set()
    for raw in doc["products"]:
        entry, aliases = _parse_product(raw, ingredients)
        _require(entry.name not in product_names, f"product {entry.name!r}", "duplicate name")
        product_names.add(entry.name)
        named.append((entry, aliases))

    index: dict[tuple[str, ...], CatalogueEntry] = {}
    for entry, aliases in named:
        for alias in aliases:
            key = tuple(tokenize(alias))
            where = f"{entry.kind} {entry.name!r}"
            _require(bool(key), where, f"alias {alias!r} has no letters or digits")
            other = index.setdefault(key, entry)
            _require(other is entry, where, f"alias {alias!r} also names {other.name!r}")
    fuzzy_keys = tuple(sorted(" ".join(k) for k in index if sum(map(len, k)) >= MIN_FUZZY_LETTERS))
    return Catalogue(
        version=doc["version"],
        entries=tuple(e for e, _ in named),
        index=index,
        fuzzy_keys=fuzzy_keys,
        longest_alias=max(len(k) for k in index),
    )


@lru_cache(maxsize=4)
def load_catalogue(path: Path = DATA_PATH) -> Catalogue:
    """The catalogue, read and validated once per path (module-level cache)."""
    with open(path, encoding="utf-8") as f:
        return parse_catalogue(json.load(f))


# -- matching ---------------------------------------------------------------------------------


def _exact_hits(tokens: list[str], catalogue: Catalogue) -> tuple[list[_Hit], set[int]]:
    """Longest catalogue names found left to right, and the token positions they use."""
    hits: list[_Hit] = []
    used: set[int] = set()
    i = 0
    while i < len(tokens):
        for length in range(min(catalogue.longest_alias, len(tokens) - i), 0, -1):
            entry = catalogue.index.get(tuple(tokens[i : i + length]))
            if entry is None:
                continue
            end = i + length
            negated = (i > 0 and tokens[i - 1] in NEGATIONS_BEFORE) or (
                end < len(tokens) and tokens[end] in NEGATIONS_AFTER
            )
            how = "exact" if entry.kind == "ingredient" else "brand"
            hits.append(_Hit(entry, NEGATED_CONFIDENCE if negated else 1.0, how))
            used.update(range(i, end))
            i = end
            break
        else:
            i += 1
    return hits, used


def _closest(candidate: str, catalogue: Catalogue) -> tuple[str, float] | None:
    if sum(c.isalpha() for c in candidate) < MIN_FUZZY_LETTERS:
        return None
    close = difflib.get_close_matches(candidate, catalogue.fuzzy_keys, n=3, cutoff=FUZZY_CUTOFF)
    for key in close:
        if _short_words_agree(candidate.split(" "), key.split(" ")):
            return key, difflib.SequenceMatcher(None, candidate, key).ratio()
    return None


def _short_words_agree(words: list[str], key: list[str]) -> bool:
    """A typo may not hide in a short word: "vitamin c" is not "vitamin d"."""
    if len(words) != len(key):
        return True
    return all(w == k for w, k in zip(words, key, strict=True) if min(len(w), len(k)) < 4)


def _fuzzy_hits(words: list[str], catalogue: Catalogue) -> tuple[list[_Hit], list[str]]:
    """Typo matches within a run of unexplained words (pairs first, for two-word names)."""
    hits: list[_Hit] = []
    left: list[str] = []
    i = 0
    while i < len(words):
        pair = _closest(" ".join(words[i : i + 2]), catalogue) if i + 1 < len(words) else None
        single = _closest(words[i], catalogue)
        if pair and (not single or pair[1] >= single[1]):
            found, step = pair, 2
        else:
            found, step = single, 1
        if found:
            key = tuple(found[0].split(" "))
            hits.append(_Hit(catalogue.index[key], round(found[1] * FUZZY_WEIGHT, 3), "fuzzy"))
            i += step
        else:
            left.append(words[i])
            i += 1
    return hits, left


def _unexplained_runs(tokens: list[str], used: set[int]) -> list[list[str]]:
    runs: list[list[str]] = [[]]
    for pos, tok in enumerate(tokens):
        if pos in used or tok in NOISE or tok in STOPWORDS or tok.isdigit():
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(tok)
    return [r for r in runs if r]


def _merge(hits: list[_Hit]) -> tuple[str, tuple[Ingredient, ...]]:
    names: list[str] = []
    merged: dict[str, Ingredient] = {}
    for hit in hits:
        if hit.entry.name not in names:
            names.append(hit.entry.name)
        for ing in hit.entry.ingredients:
            prior = merged.get(ing.name)
            classes = ing.classes | prior.classes if prior else ing.classes
            merged[ing.name] = Ingredient(ing.name, ing.rxcui, classes)
    return " + ".join(names), tuple(merged.values())


def match_one(text: str, catalogue: Catalogue | None = None) -> MedicationMatch | None:
    """The single match for one non-blank entry (several medicines → one combined match)."""
    catalogue = catalogue or load_catalogue()
    tokens = tokenize(text)
    hits, used = _exact_hits(tokens, catalogue)
    unexplained: list[str] = []
    for run in _unexplained_runs(tokens, used):
        fuzzy, left = _fuzzy_hits(run, catalogue)
        hits += fuzzy
        unexplained += left
    if not hits:
        return None
    name, ingredients = _merge(hits)
    confidence = min(h.confidence for h in hits)
    wordy = any(i not in used and t not in NOISE and not t.isdigit() for i, t in enumerate(tokens))
    if unexplained:
        confidence = min(confidence, UNEXPLAINED_CONFIDENCE)
    elif wordy:
        confidence = min(confidence, IN_TEXT_CONFIDENCE)
    if any(h.how == "fuzzy" for h in hits):
        how = "fuzzy"
    elif wordy or confidence < 1.0:
        how = "ingredient-in-text"
    elif all(h.how == "exact" for h in hits):
        how = "exact"
    else:
        how = "brand"
    return MedicationMatch(text, name, ingredients, confidence, how)


def match_medications(
    texts: Iterable[str], catalogue: Catalogue | None = None
) -> tuple[list[MedicationMatch], list[str]]:
    """(matches, unmatched texts). Blank entries are ignored; every non-blank entry ends up in
    exactly one of the two lists (a combination product is ONE match with several ingredients)."""
    matches: list[MedicationMatch] = []
    unmatched: list[str] = []
    for text in texts:
        if not text or not text.strip():
            continue
        found = match_one(text, catalogue)
        if found is None:
            unmatched.append(text)
        else:
            matches.append(found)
    return matches, unmatched
