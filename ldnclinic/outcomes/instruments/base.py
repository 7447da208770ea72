"""Shared pieces of the calculators: the result, the input error and small validators.

Pure Python, no Django: the calculators are reused by the API, pages, tests and bench/."""

from typing import NamedTuple


class Result(NamedTuple):
    total: float
    band: str | None
    components: dict


class InstrumentInputError(ValueError):
    """Items that cannot be scored; `fields` maps an item path ("regions.head.area") to
    a message."""

    def __init__(self, fields: dict[str, str]):
        self.fields = dict(fields)
        first = next(iter(self.fields.items()), ("items", "Invalid items."))
        super().__init__(f"{first[0]}: {first[1]}")


def is_int(value) -> bool:
    # JSON true/false must not pass as 1/0.
    return type(value) is int


def is_number(value) -> bool:
    return (
        (type(value) is int or type(value) is float)
        and value == value
        and abs(value) != float("inf")
    )


def join(path: str, key) -> str:
    return f"{path}.{key}" if path else str(key)


class Checker:
    """Collects field errors while a calculator reads its items."""

    def __init__(self):
        self.errors: dict[str, str] = {}

    def fail(self, path: str, message: str):
        self.errors.setdefault(path or "items", message)

    def mapping(self, value, path: str, keys=None, optional=()) -> dict | None:
        """`value` as a dict; with `keys`, every key required (unless optional) and no other."""
        if type(value) is not dict:
            self.fail(path, "Must be an object.")
            return None
        if keys is not None:
            for key in value:
                if key not in keys:
                    self.fail(join(path, key), "Unknown item.")
            for key in keys:
                if key not in value and key not in optional:
                    self.fail(join(path, key), "Required.")
        return value

    def integer(self, parent: dict, key, path: str, lo: int, hi: int) -> int | None:
        where = join(path, key)
        if key not in parent:
            self.fail(where, "Required.")
            return None
        value = parent[key]
        if not is_int(value) or not lo <= value <= hi:
            self.fail(where, f"Must be a whole number {lo}–{hi}.")
            return None
        return value

    def number(self, parent: dict, key, path: str, lo: float, hi: float, step=None):
        where = join(path, key)
        if key not in parent:
            self.fail(where, "Required.")
            return None
        value = parent[key]
        if not is_number(value) or not lo <= value <= hi:
            self.fail(where, f"Must be a number {_fmt(lo)}–{_fmt(hi)}.")
            return None
        if step is not None and (value / step) != int(value / step):
            self.fail(where, f"Must be {_fmt(lo)}–{_fmt(hi)} in steps of {_fmt(step)}.")
            return None
        return value

    def choice(self, parent: dict, key, path: str, allowed) -> object:
        where = join(path, key)
        if key not in parent:
            self.fail(where, "Required.")
            return None
        value = parent[key]
        if not (is_number(value) or type(value) is str) or value not in allowed:
            self.fail(where, "Must be one of " + ", ".join(_fmt(a) for a in allowed) + ".")
            return None
        return value

    def raise_if_any(self):
        if self.errors:
            raise InstrumentInputError(self.errors)


def _fmt(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def band_for(bands: tuple, total: float) -> str | None:
    """`bands` are (label, bound, inclusive) in ascending order; an optional leading
    ("", lowest) pair sets the minimum below which no band applies."""
    for label, bound, inclusive in bands:
        if total < bound or (inclusive and total == bound):
            return label or None
    return None
