"""The protocol data shape (ProtocolVersion.data) and its validator.

`validate_protocol(data)` returns the data in canonical form (mg quantities as strings
such as "1.5", whole numbers as ints) or raises ProtocolDataError mapping each bad field's
path ("schemes[0].interval_days") to a message. LDN schemes are checked with the titration
engine's own rules, so a protocol can never offer a scheme the plan builder would refuse.

Plain Python: no Django import.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from ldnclinic.outcomes.instruments import catalogue
from ldnclinic.plans.formulation import formulation_from_dict, formulation_to_dict
from ldnclinic.plans.titration import (
    ADJUSTMENT_KINDS,
    MAX_DURATION_DAYS,
    MAX_HOLD_DAYS,
    MAX_INTERVAL_DAYS,
    PlanInputError,
    Scheme,
    fmt,
    validate_scheme,
)

SCHEMA_VERSION = 1
GRADES = ("A", "B", "C", "D", "E", "gap", "—")
CERTAINTIES = ("moderate", "low", "very low", "no evidence")
DIRECTIONS = ("positive", "negative", "mixed", "uncertain", "none")
ADJUNCT_KINDS = ("session", "home")
# Protocols refer to outcome instruments by their code in the instrument library.
INSTRUMENT_CODES = tuple(sorted(catalogue()))
# Words the protocol pages use in their URLs, so no protocol may take them as a code.
RESERVED_CODES = ("new",)
MAX_ITEMS = 30
MAX_SESSIONS = 52
MAX_TOLERANCE_DAYS = 60
# A weight used only to check a mg/kg scheme, which has no patient yet.
CHECK_WEIGHT_KG = Decimal("45")

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Scheme codes may carry a dose: "fixed-4.5".
SCHEME_CODE = re.compile(r"^[a-z0-9]+(?:[-.][a-z0-9]+)*$")
SERVICE_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
ICD10 = re.compile(r"^[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?$")
SNOMED = re.compile(r"^[0-9]{6,18}$")
PMID = re.compile(r"^[0-9]{1,9}$")
DOI = re.compile(r"^10\.[0-9]{4,9}/\S+$")
URL = re.compile(r"^https?://\S+$")

TOP_FIELDS = (
    "schema",
    "code",
    "name",
    "condition",
    "summary",
    "evidence",
    "default_scheme",
    "schemes",
    "default_duration_days",
    "formulations",
    "adjuncts",
    "follow_up",
    "instruments",
    "adjustments",
)
SCHEME_FIELDS = (
    "code",
    "name",
    "start_mg",
    "step_mg",
    "interval_days",
    "target_mg",
    "max_mg",
    "timing",
    "mg_per_kg",
    "beyond_low_dose_confirmed",
    "source",
    "grade",
)
SESSION_FIELDS = (
    "code",
    "name",
    "kind",
    "service_slug",
    "sessions",
    "interval_days",
    "tolerance_before_days",
    "tolerance_after_days",
    "first_offset_days",
    "default",
    "notes",
    "source",
    "grade",
)
HOME_FIELDS = (
    "code",
    "name",
    "kind",
    "frequency",
    "duration_days",
    "default",
    "notes",
    "source",
    "grade",
)


class ProtocolDataError(ValueError):
    """Bad protocol data. `errors` maps a field path ("schemes[0].interval_days") to a
    message an admin understands; str(err) lists them."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


class _Checker:
    """Collects errors by path while it copies the data into canonical form."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def fail(self, path: str, message: str) -> None:
        self.errors.setdefault(path, message)

    def obj(self, value: Any, path: str, allowed: tuple[str, ...]) -> Mapping | None:
        if not isinstance(value, Mapping):
            self.fail(path, "Must be an object.")
            return None
        for key in value:
            if key not in allowed:
                self.fail(_join(path, str(key)), "Unknown field.")
        return value

    def items(self, value: Any, path: str, *, required: bool = False) -> list:
        if not isinstance(value, list):
            self.fail(path, "Must be a list.")
            return []
        if required and not value:
            self.fail(path, "Add at least one.")
        if len(value) > MAX_ITEMS:
            self.fail(path, f"At most {MAX_ITEMS} entries.")
            return []
        return value

    def text(
        self, data: Mapping, key: str, path: str, *, required=True, max_length=300
    ) -> str | None:
        value = data.get(key)
        where = _join(path, key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(where, "This field is required.")
            return None if value is None else ""
        if not isinstance(value, str):
            self.fail(where, "Must be text.")
            return None
        value = value.strip()
        if len(value) > max_length:
            self.fail(where, f"At most {max_length} characters.")
        return value

    def pattern(
        self, data: Mapping, key: str, path: str, regex: re.Pattern, message: str, *, required
    ) -> str | None:
        value = self.text(data, key, path, required=required, max_length=200)
        if value and not regex.match(value):
            self.fail(_join(path, key), message)
        return value or None

    def choice(self, data: Mapping, key: str, path: str, choices: tuple, *, required=True):
        value = data.get(key)
        if value == "-" and "—" in choices:
            value = "—"
        if value is None and not required:
            return None
        if value not in choices:
            self.fail(_join(path, key), f"Choose one of: {', '.join(map(str, choices))}.")
            return None
        return value

    def integer(
        self, data: Mapping, key: str, path: str, low: int, high: int, *, required=True
    ) -> int | None:
        value = data.get(key)
        where = _join(path, key)
        if value is None:
            if required:
                self.fail(where, "This field is required.")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, "Must be a whole number.")
            return None
        if value < low:
            self.fail(where, _at_least(low))
        elif value > high:
            self.fail(
                where, f"Must be at most {high} days." if "day" in key else f"At most {high}."
            )
        return value

    def boolean(self, data: Mapping, key: str, path: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.fail(_join(path, key), "Must be true or false.")
            return default
        return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _at_least(low: int) -> str:
    return f"Must be at least {low} day{'' if low == 1 else 's'}." if low else "Cannot be negative."


def _unique(c: _Checker, entries: list[dict | None], path: str, key: str = "code") -> None:
    seen: set = set()
    for i, entry in enumerate(entries):
        value = entry.get(key) if entry else None
        if value is None:
            continue
        if value in seen:
            c.fail(f"{path}[{i}].{key}", "This code is used twice.")
        seen.add(value)


# -- parts ------------------------------------------------------------------------------


def _condition(c: _Checker, value: Any) -> dict | None:
    data = c.obj(value, "condition", ("slug", "name", "icd10", "snomed"))
    if data is None:
        return None
    return {
        "slug": c.pattern(data, "slug", "condition", SLUG, _SLUG_MESSAGE, required=True),
        "name": c.text(data, "name", "condition", max_length=120),
        "icd10": c.pattern(
            data, "icd10", "condition", ICD10, "Not an ICD-10 code (e.g. L40.9).", required=False
        ),
        "snomed": c.pattern(
            data,
            "snomed",
            "condition",
            SNOMED,
            "Not a SNOMED CT concept id (6 to 18 digits).",
            required=False,
        ),
    }


def _reference(c: _Checker, value: Any, path: str) -> dict | None:
    allowed = ("citation", "design", "n", "direction", "grade", "pmid", "doi", "url")
    data = c.obj(value, path, allowed)
    if data is None:
        return None
    n = data.get("n")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 0):
        c.fail(f"{path}.n", "Must be a whole number of participants, or null.")
        n = None
    return {
        "citation": c.text(data, "citation", path),
        "design": c.text(data, "design", path, required=False) or "",
        "n": n,
        "direction": c.choice(data, "direction", path, DIRECTIONS),
        "grade": c.choice(data, "grade", path, GRADES),
        "pmid": c.pattern(data, "pmid", path, PMID, "A PMID is digits only.", required=False),
        "doi": c.pattern(data, "doi", path, DOI, "A DOI starts with 10.", required=False),
        "url": c.pattern(data, "url", path, URL, "Enter an http(s) address.", required=False),
    }


def _evidence(c: _Checker, value: Any) -> dict | None:
    data = c.obj(value, "evidence", ("grade", "certainty", "summary", "references"))
    if data is None:
        return None
    references = [
        _reference(c, ref, f"evidence.references[{i}]")
        for i, ref in enumerate(c.items(data.get("references", []), "evidence.references"))
    ]
    return {
        "grade": c.choice(data, "grade", "evidence", GRADES),
        "certainty": c.choice(data, "certainty", "evidence", CERTAINTIES),
        "summary": c.text(data, "summary", "evidence", max_length=1000),
        "references": references,
    }


def _engine_scheme(data: Mapping) -> dict:
    """The scheme as the engine checks it; a mg/kg scheme gets a stand-in weight."""
    numbers = {k: data.get(k) for k in SCHEME_FIELDS[2:10] if data.get(k) is not None}
    scheme = Scheme.from_dict(numbers)
    if scheme.mg_per_kg is not None:
        scheme = dataclasses.replace(scheme, weight_kg=CHECK_WEIGHT_KG)
    validate_scheme(scheme)
    return scheme


def _scheme(c: _Checker, value: Any, path: str) -> dict | None:
    data = c.obj(value, path, SCHEME_FIELDS)
    if data is None:
        return None
    out = {
        "code": c.pattern(
            data,
            "code",
            path,
            SCHEME_CODE,
            "Use lower-case letters, digits, dots and hyphens.",
            required=True,
        ),
        "name": c.text(data, "name", path, max_length=120),
    }
    interval = data.get("interval_days")
    if interval is None or isinstance(interval, bool) or not isinstance(interval, int):
        c.fail(f"{path}.interval_days", "Must be a whole number of days.")
    try:
        scheme = _engine_scheme(data)
    except PlanInputError as error:
        for field, message in error.errors.items():
            if field != "weight_kg":
                c.fail(f"{path}.{field}", message)
        scheme = None
    if scheme is not None:
        out.update(
            start_mg=fmt(scheme.start_mg),
            step_mg=fmt(scheme.step_mg),
            interval_days=scheme.interval_days,
            target_mg=fmt(scheme.target_mg),
            max_mg=fmt(scheme.max_mg),
            timing=scheme.timing,
            mg_per_kg=fmt(scheme.mg_per_kg),
        )
        if scheme.beyond_low_dose_confirmed:
            out["beyond_low_dose_confirmed"] = True
    out["source"] = c.text(data, "source", path, max_length=500)
    out["grade"] = c.choice(data, "grade", path, GRADES)
    return out


def _adjunct(c: _Checker, value: Any, path: str) -> dict | None:
    if not isinstance(value, Mapping):
        c.fail(path, "Must be an object.")
        return None
    kind = c.choice(value, "kind", path, ADJUNCT_KINDS)
    data = c.obj(value, path, HOME_FIELDS if kind == "home" else SESSION_FIELDS)
    out: dict[str, Any] = {
        "code": c.pattern(data, "code", path, SLUG, _SLUG_MESSAGE, required=True),
        "name": c.text(data, "name", path, max_length=120),
        "kind": kind,
    }
    if kind == "session":
        interval = c.integer(data, "interval_days", path, 1, MAX_INTERVAL_DAYS)
        before = c.integer(data, "tolerance_before_days", path, 0, MAX_TOLERANCE_DAYS)
        out.update(
            service_slug=c.pattern(
                data, "service_slug", path, SERVICE_SLUG, _SLUG_MESSAGE, required=True
            ),
            sessions=c.integer(data, "sessions", path, 1, MAX_SESSIONS),
            interval_days=interval,
            tolerance_before_days=before,
            tolerance_after_days=c.integer(
                data, "tolerance_after_days", path, 0, MAX_TOLERANCE_DAYS
            ),
            first_offset_days=c.integer(data, "first_offset_days", path, 0, MAX_DURATION_DAYS),
        )
        checked = f"{path}.interval_days" not in c.errors
        if checked and interval is not None and before is not None and before >= interval:
            c.fail(
                f"{path}.tolerance_before_days",
                "Must be fewer days than the interval (a session cannot come before the last).",
            )
    elif kind == "home":
        out.update(
            frequency=c.text(data, "frequency", path, max_length=60),
            duration_days=c.integer(data, "duration_days", path, 1, MAX_DURATION_DAYS),
        )
    out.update(
        default=c.boolean(data, "default", path, False),
        notes=c.text(data, "notes", path, required=False, max_length=500) or "",
        source=c.text(data, "source", path, required=False, max_length=500) or "",
        grade=c.choice(data, "grade", path, GRADES),
    )
    return out


def _follow_up(c: _Checker, value: Any, path: str) -> dict | None:
    data = c.obj(value, path, ("after_days", "service_slug", "purpose"))
    if data is None:
        return None
    return {
        "after_days": c.integer(data, "after_days", path, 1, MAX_DURATION_DAYS),
        "service_slug": c.pattern(
            data, "service_slug", path, SERVICE_SLUG, _SLUG_MESSAGE, required=True
        ),
        "purpose": c.text(data, "purpose", path, max_length=200),
    }


def _instrument(c: _Checker, value: Any, path: str) -> dict | None:
    data = c.obj(value, path, ("code", "at_days"))
    if data is None:
        return None
    code = c.choice(data, "code", path, INSTRUMENT_CODES)
    days = []
    for i, day in enumerate(c.items(data.get("at_days"), f"{path}.at_days", required=True)):
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= MAX_DURATION_DAYS:
            c.fail(f"{path}.at_days[{i}]", f"Must be a day from 0 to {MAX_DURATION_DAYS}.")
        else:
            days.append(day)
    return {"code": code, "at_days": sorted(set(days))}


def _adjustment(c: _Checker, value: Any, path: str) -> dict | None:
    allowed = ("kind", "label", "default_days", "when", "source", "grade")
    data = c.obj(value, path, allowed)
    if data is None:
        return None
    kind = c.choice(data, "kind", path, ADJUSTMENT_KINDS)
    out: dict[str, Any] = {"kind": kind, "label": c.text(data, "label", path, max_length=120)}
    if kind == "hold":
        out["default_days"] = c.integer(data, "default_days", path, 1, MAX_HOLD_DAYS)
    elif "default_days" in data:
        c.fail(f"{path}.default_days", "Only a hold has a number of days.")
    out.update(
        when=c.text(data, "when", path, max_length=500),
        source=c.text(data, "source", path, max_length=500),
        grade=c.choice(data, "grade", path, GRADES),
    )
    return out


def _each(c: _Checker, data: Mapping, key: str, part: Callable, *, required=False) -> list:
    return [
        part(c, v, f"{key}[{i}]")
        for i, v in enumerate(c.items(data.get(key), key, required=required))
    ]


def _formulations(c: _Checker, data: Mapping) -> list:
    out = []
    for i, value in enumerate(c.items(data.get("formulations"), "formulations", required=True)):
        try:
            out.append(formulation_to_dict(formulation_from_dict(value)))
        except PlanInputError as error:
            for field, message in error.errors.items():
                field = field.removeprefix("formulation").lstrip(".")
                c.fail(f"formulations[{i}]" + (f".{field}" if field else ""), message)
    return out


_SLUG_MESSAGE = "Use lower-case letters, digits and hyphens."


def validate_protocol(data: Any) -> dict:
    """The protocol data in canonical form, or ProtocolDataError naming every bad field."""
    c = _Checker()
    data = c.obj(data, "", TOP_FIELDS)
    if data is None:
        raise ProtocolDataError({"protocol": "Send the protocol as an object."})
    if data.get("schema", SCHEMA_VERSION) != SCHEMA_VERSION:
        c.fail("schema", f"Only schema version {SCHEMA_VERSION} is understood.")
    code = c.pattern(data, "code", "", SLUG, _SLUG_MESSAGE, required=True)
    if code in RESERVED_CODES:
        c.fail("code", f"“{code}” is reserved; choose another code.")
    out: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "code": code,
        "name": c.text(data, "name", "", max_length=200),
        "condition": _condition(c, data.get("condition")),
        "summary": c.text(data, "summary", "", max_length=1000),
        "evidence": _evidence(c, data.get("evidence")),
    }
    schemes = _each(c, data, "schemes", _scheme, required=True)
    _unique(c, schemes, "schemes")
    default = data.get("default_scheme")
    codes = [s["code"] for s in schemes if s and s.get("code")]
    if not isinstance(default, str) or not default:
        c.fail("default_scheme", "Choose the default scheme.")
    elif codes and default not in codes:
        c.fail("default_scheme", f"No scheme has the code “{default}”.")
    adjuncts = _each(c, data, "adjuncts", _adjunct)
    _unique(c, adjuncts, "adjuncts")
    instruments = _each(c, data, "instruments", _instrument)
    _unique(c, instruments, "instruments")
    adjustments = _each(c, data, "adjustments", _adjustment)
    _unique(c, adjustments, "adjustments", key="kind")
    out.update(
        default_scheme=default,
        schemes=schemes,
        default_duration_days=c.integer(data, "default_duration_days", "", 1, MAX_DURATION_DAYS),
        formulations=_formulations(c, data),
        adjuncts=adjuncts,
        follow_up=_each(c, data, "follow_up", _follow_up),
        instruments=instruments,
        adjustments=adjustments,
    )
    if c.errors:
        raise ProtocolDataError(c.errors)
    return out
