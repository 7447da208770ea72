"""The global seed protocols, read from data/*.json and expanded into the protocol data
shape (a scheme named by its code is taken from schemes.json, an adjunct {"use": code}
from adjuncts.json, adjustments left out are all of adjustments.json).

No model imports: the data migration passes its historical models in."""

import copy
import json
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
SCHEMA_VERSION = 1
SEED_NOTE = "Seed protocol (global)."


def _read(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


@cache
def _seed_files() -> tuple[dict, dict, dict, dict]:
    return (
        _read("schemes.json"),
        _read("adjuncts.json"),
        _read("adjustments.json"),
        _read("protocols.json"),
    )


def seed_schemes() -> list[dict]:
    return copy.deepcopy(_seed_files()[0]["schemes"])


def seed_adjustments() -> list[dict]:
    return copy.deepcopy(_seed_files()[2]["adjustments"])


def adjunct_templates() -> dict[str, dict]:
    return {a["code"]: a for a in copy.deepcopy(_seed_files()[1]["adjuncts"])}


def _scheme(entry, schemes: dict[str, dict]) -> dict:
    return copy.deepcopy(schemes[entry]) if isinstance(entry, str) else copy.deepcopy(entry)


def _adjunct(entry: dict, templates: dict[str, dict]) -> dict:
    entry = dict(entry)
    base = templates[entry.pop("use")] if "use" in entry else {}
    return {**copy.deepcopy(base), **entry}


def expand(entry: dict) -> dict:
    """One protocols.json entry as protocol data (not yet validated)."""
    schemes_file, _adjuncts, _adjustments, protocols_file = _seed_files()
    schemes = {s["code"]: s for s in schemes_file["schemes"]}
    templates = adjunct_templates()
    defaults = copy.deepcopy(protocols_file["defaults"])
    data = {"schema": SCHEMA_VERSION, **defaults, **copy.deepcopy(entry)}
    data["schemes"] = [_scheme(s, schemes) for s in entry["schemes"]]
    data["adjuncts"] = [_adjunct(a, templates) for a in entry.get("adjuncts", [])]
    data.setdefault("adjustments", seed_adjustments())
    return data


def seed_protocols() -> list[dict]:
    """Every global seed protocol as protocol data, in file order."""
    return [expand(entry) for entry in _seed_files()[3]["protocols"]]


def seed_global_protocols(protocol_model, version_model) -> int:
    """Create the global protocols' version 1 where missing; returns how many were made.
    Takes the model classes so that the data migration can pass its historical models.
    The data is validated by the test suite (protocols.tests.test_seed), not here: the
    validator uses the titration engine, which a migration should not depend on."""
    created = 0
    for data in seed_protocols():
        protocol, _ = protocol_model.objects.get_or_create(
            clinic=None,
            code=data["code"],
            defaults={"condition_slug": data["condition"]["slug"]},
        )
        if not version_model.objects.filter(protocol=protocol).exists():
            version_model.objects.create(protocol=protocol, number=1, data=data, note=SEED_NOTE)
            created += 1
    return created
