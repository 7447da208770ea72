"""The body map as data (data/body_sites.json): region codes, labels, front or back, and a
rectangle on a simple outline. Loaded and checked once; pure Python."""

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "body_sites.json"


@dataclass(frozen=True)
class Region:
    code: str
    label: str
    side: str
    group: str
    x: float
    y: float
    width: float
    height: float

    @property
    def side_label(self) -> str:
        return "front" if self.side == "front" else "back"


@dataclass(frozen=True)
class BodyMap:
    view_box: tuple
    sides: tuple  # ((code, label), ...)
    groups: tuple  # ((code, label), ...)
    regions: tuple  # Region, in map order
    by_code: dict = field(hash=False, compare=False, repr=False, default_factory=dict)

    def get(self, code) -> Region | None:
        return self.by_code.get(code)

    def label(self, code) -> str:
        region = self.get(code)
        return region.label if region else code

    def for_side(self, side) -> list[Region]:
        return [r for r in self.regions if r.side == side]

    def choices(self) -> list:
        """Grouped choices for a <select>: [(group label, [(code, label), ...]), ...]."""
        return [
            (label, [(r.code, r.label) for r in self.regions if r.group == group])
            for group, label in self.groups
        ]

    def order(self, code) -> int:
        region = self.by_code.get(code)
        return self.regions.index(region) if region else len(self.regions)


def parse(data: dict) -> BodyMap:
    """The map from its JSON; raises ValueError on a malformed file."""
    sides = tuple((s["code"], s["label"]) for s in data["sides"])
    groups = tuple((g["code"], g["label"]) for g in data["groups"])
    side_codes = {code for code, _ in sides}
    group_codes = {code for code, _ in groups}
    regions = []
    seen = set()
    for item in data["regions"]:
        code = item["code"]
        if code in seen:
            raise ValueError(f"body site {code!r} is listed twice")
        if item["side"] not in side_codes or item["group"] not in group_codes:
            raise ValueError(f"body site {code!r} has an unknown side or group")
        if len(code) > 40 or not code.replace("_", "").isalnum():
            raise ValueError(f"body site code {code!r} is not a short slug")
        x, y, width, height = item["rect"]
        if width <= 0 or height <= 0:
            raise ValueError(f"body site {code!r} has an empty shape")
        seen.add(code)
        regions.append(
            Region(code, item["label"], item["side"], item["group"], x, y, width, height)
        )
    return BodyMap(
        tuple(data["view_box"]), sides, groups, tuple(regions), {r.code: r for r in regions}
    )


@cache
def body_map() -> BodyMap:
    return parse(json.loads(DATA.read_text(encoding="utf-8")))
