"""Forms for scoring an instrument. `ItemsForm` is built from the instrument's item schema
(data/*.json, a JSON Schema subset), so each instrument gets its own form without a form
class per instrument: objects become fieldsets, small ranges and enums selects, wide ranges
number inputs, an array of objects (VASI sites) rows with "add a row", a fixed-length array
(FIQR) numbered items, an array of enums (HBI complications) checkboxes. It only parses;
the instrument library validates and scores, and its errors come back keyed by item path."""

import datetime
import re
from dataclasses import dataclass, field

from django import forms
from django.utils import timezone

from ldnclinic.outcomes.actions import NOTE_MAX

# A select for up to this many choices; a number input beyond.
MAX_SELECT_CHOICES = 11
DEFAULT_ROWS = 3
MAX_ROWS = 100
_MISSING = object()


@dataclass
class ItemField:
    path: str
    label: str
    kind: str  # "select", "number" or "multi"
    required: bool = True
    nullable: bool = False
    help: str = ""
    choices: list = field(default_factory=list)  # [(value, label)]
    minimum: float | None = None
    maximum: float | None = None
    step: str = "1"
    value: object = ""
    error: str = ""

    @property
    def html_id(self):
        return "item-" + self.path.replace(".", "-")

    @property
    def selected(self):
        return self.value if isinstance(self.value, list) else [self.value]


@dataclass
class Group:
    key: str
    label: str
    fields: list
    row: int | None = None  # index of a repeated row (VASI site)


def _label(key: str) -> str:
    if key.isdigit():
        return f"Item {key}"
    return key.replace("_", " ").capitalize()


def _fmt(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _types(schema) -> list:
    kind = schema.get("type")
    return kind if isinstance(kind, list) else [kind] if kind else []


def _scalar(schema, path, label, required, extra_help="") -> ItemField:
    """One scalar item: a select for enums, oneOf (a range or a named answer) and small
    ranges; a number input for the rest."""
    consts = []
    if "oneOf" in schema:
        ranged = next((s for s in schema["oneOf"] if "minimum" in s), {})
        consts = [s["const"] for s in schema["oneOf"] if "const" in s]
        schema = {**ranged, "description": schema.get("description", "")}
    types = _types(schema)
    nullable = "null" in types
    help_text = " ".join(t for t in (schema.get("description", ""), extra_help) if t)
    if "enum" in schema:
        choices = [(v, _fmt(v) + (" %" if "percent" in path else "")) for v in schema["enum"]]
        return ItemField(path, label, "select", required, nullable, help_text, choices)
    lo, hi = schema.get("minimum", 0), schema.get("maximum", 0)
    step = schema.get("multipleOf", 1 if "integer" in types else None)
    if step and (hi - lo) / step + 1 + len(consts) <= MAX_SELECT_CHOICES:
        values = [lo + i * step for i in range(int((hi - lo) / step) + 1)]
        values = [int(v) if float(v).is_integer() else v for v in values]
        named = _named_levels(schema.get("description", ""), values)
        if named:
            help_text = extra_help
        choices = [(v, named.get(v) or _fmt(v)) for v in values]
        choices += [(c, c.replace("_", " ")) for c in consts]
        return ItemField(path, label, "select", required, nullable, help_text, choices)
    return ItemField(
        path,
        label,
        "number",
        required,
        nullable,
        help_text,
        minimum=lo,
        maximum=hi,
        step=_fmt(step) if step else "any",
    )


LEVEL = re.compile(r"^\s*(\d+)\s+(.+?)\s*$")


def _named_levels(description: str, values) -> dict:
    """ "0 none; 1 <10 %; 2 10–<30 %" -> {0: "0 · none", 1: "1 · <10 %", ...} when it names
    exactly the values of the scale; else {}."""
    named = {}
    for part in description.split(";"):
        match = LEVEL.match(part)
        if not match:
            return {}
        named[int(match.group(1))] = f"{match.group(1)} · {match.group(2)}"
    return named if sorted(named) == sorted(values) else {}


class ItemsForm:
    """The item fields of one instrument, bound to POST data or empty."""

    def __init__(self, instrument, data=None):
        self.instrument = instrument
        self.data = data
        self.rows = self._rows(data)
        self.groups: list[Group] = []
        self.errors: list[str] = []  # errors that name no single field
        self._row_paths: dict[str, str] = {}
        self._walk(instrument.data["items"], "", "", True)
        self._by_path = {f.path: f for g in self.groups for f in g.fields}
        if data is not None:
            for item in self._by_path.values():
                if item.kind == "multi":
                    item.value = data.getlist(item.path)
                else:
                    item.value = (data.get(item.path) or "").strip()

    @staticmethod
    def _rows(data) -> int:
        if data is None:
            return DEFAULT_ROWS
        try:
            rows = int(data.get("rows") or DEFAULT_ROWS)
        except ValueError:
            rows = DEFAULT_ROWS
        if data.get("add_row"):
            rows += 1
        return min(max(rows, 1), MAX_ROWS)

    @property
    def has_rows(self) -> bool:
        return any(g.row is not None for g in self.groups)

    @property
    def adding_row(self) -> bool:
        return bool(self.data is not None and self.data.get("add_row"))

    def _group(self, key, label, row=None) -> Group:
        for group in self.groups:
            if group.key == key:
                return group
        group = Group(key, label, [], row)
        self.groups.append(group)
        return group

    def _walk(self, schema, path, label, required, group=None):
        types = _types(schema)
        if "properties" in schema:
            inner = self._group(path, label) if path else None
            for key, sub in schema["properties"].items():
                where = f"{path}.{key}" if path else key
                if "properties" in sub or "array" in _types(sub):
                    self._walk(sub, where, _label(key), key in schema.get("required", []))
                else:
                    target = group or inner or self._group("", "")
                    target.fields.append(
                        _scalar(sub, where, _label(key), key in schema.get("required", []))
                    )
            return
        if "array" in types:
            items = schema["items"]
            if "properties" in items:
                for i in range(self.rows):
                    row = self._group(f"{path}.{i}", f"{label.rstrip('s')} {i + 1}", row=i)
                    for key, sub in items["properties"].items():
                        row.fields.append(
                            _scalar(sub, f"{path}.{i}.{key}", _label(key), required=False)
                        )
                return
            if "enum" in items:
                choices = [(v, v.replace("_", " ")) for v in items["enum"]]
                self._group("", "").fields.append(
                    ItemField(
                        path, label, "multi", False, False, schema.get("description", ""), choices
                    )
                )
                return
            inner = self._group(path, label)
            if schema.get("description"):
                inner.label = f"{label}: {schema['description']}"
            for i in range(schema.get("maxItems", 0)):
                inner.fields.append(_scalar(items, f"{path}.{i}", f"Item {i + 1}", required))
            return
        (group or self._group("", "")).fields.append(_scalar(schema, path, label, required))

    # Parsing ------------------------------------------------------------------------------

    def _value(self, item: ItemField, in_array=False):
        raw = item.value
        if item.kind == "multi":
            allowed = {str(v): v for v, _ in item.choices}
            return [allowed.get(v, v) for v in raw]
        if raw == "":
            return None if in_array else _MISSING
        if item.kind == "select":
            allowed = {str(v): v for v, _ in item.choices}
            return allowed.get(raw, raw)
        try:
            return int(raw)
        except ValueError:
            pass
        try:
            number = float(raw)
        except ValueError:
            return raw  # the library says what is wrong with it
        return number if number == number and abs(number) != float("inf") else raw

    def items(self) -> dict:
        """The entered items in the calculator's shape. Blank fields are left out (the
        library reports "Required." where an item must be given); blank VASI rows are
        skipped."""
        self._row_paths = {}
        return self._collect(self.instrument.data["items"], "")

    def _collect(self, schema, path):
        if "properties" in schema:
            out = {}
            for key, sub in schema["properties"].items():
                value = self._collect(sub, f"{path}.{key}" if path else key)
                if value is not _MISSING:
                    out[key] = value
            return out
        if "array" in _types(schema):
            items = schema["items"]
            if "properties" in items:
                rows = []
                for i in range(self.rows):
                    row = self._collect(items, f"{path}.{i}")
                    if row:
                        self._row_paths[f"{path}.{len(rows)}"] = f"{path}.{i}"
                        rows.append(row)
                return rows
            if "enum" in items:
                return self._value(self._by_path[path])
            return [
                self._value(self._by_path[f"{path}.{i}"], in_array=True)
                for i in range(schema.get("maxItems", 0))
            ]
        return self._value(self._by_path[path])

    def add_errors(self, errors: dict):
        """Put the library's (or the action's) errors on the fields they name."""
        for path, message in errors.items():
            message = " ".join(message) if isinstance(message, list) else message
            target = self._field_for(path)
            if target is not None:
                target.error = target.error or message
            else:
                self.errors.append(f"{_readable(path)}: {message}" if path != "items" else message)

    def _field_for(self, path):
        for compact, original in self._row_paths.items():
            if path == compact or path.startswith(compact + "."):
                path = original + path[len(compact) :]
                break
        if path in self._by_path:
            return self._by_path[path]
        # "complications.2" names one choice of a multi field.
        parent = path.rsplit(".", 1)[0]
        return self._by_path.get(parent) if parent != path else None

    def missing_and_invalid(self, errors: dict) -> tuple[int, dict]:
        """For the live preview: how many items are still blank, and the other errors."""
        missing = sum(1 for m in errors.values() if _text(m).startswith("Required"))
        return missing, {
            k: _text(m) for k, m in errors.items() if not _text(m).startswith("Required")
        }


def _text(message):
    return " ".join(message) if isinstance(message, list) else str(message)


def _readable(path: str) -> str:
    return " › ".join(_label(part) for part in path.split("."))


# The assessment's context: when, which visit, which plan, a note --------------------------


class AssessmentForm(forms.Form):
    assessed_at = forms.DateTimeField(
        label="Assessed at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text="Clinic time.",
    )
    appointment = forms.ChoiceField(label="Appointment", required=False)
    plan = forms.ChoiceField(label="Plan", required=False)
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, clinic, appointments=(), plans=(), **kwargs):
        self.clinic = clinic
        self.appointment_objects = {str(a.pk): a for a in appointments}
        self.plan_objects = {str(p.pk): p for p in plans}
        super().__init__(*args, **kwargs)
        tz = clinic.tz
        self.fields["appointment"].choices = [("", "No appointment")] + [
            (
                str(a.pk),
                f"{timezone.localtime(a.start, tz):%a %-d %b %Y %H:%M} · {a.service.name}",
            )
            for a in appointments
        ]
        self.fields["plan"].choices = [("", "No plan")] + [
            (str(p.pk), f"{p.condition_name} ({p.get_status_display().lower()})") for p in plans
        ]
        if not self.is_bound and "assessed_at" not in self.initial:
            self.initial["assessed_at"] = timezone.localtime(timezone.now(), tz).strftime(
                "%Y-%m-%dT%H:%M"
            )

    def clean_assessed_at(self):
        value = self.cleaned_data["assessed_at"]
        # The field made the local time aware in the active zone; it was the clinic's.
        naive = timezone.make_naive(value) if timezone.is_aware(value) else value
        return timezone.make_aware(naive.replace(tzinfo=None), self.clinic.tz)

    def clean_appointment(self):
        return self.appointment_objects.get(self.cleaned_data["appointment"])

    def clean_plan(self):
        return self.plan_objects.get(self.cleaned_data["plan"])


def around_today_first(appointments, clinic, today: datetime.date):
    """The patient's appointments from the day before to the day after today first (the
    visit being scored), then the rest newest first."""
    near, rest = [], []
    for appointment in appointments:
        day = timezone.localtime(appointment.start, clinic.tz).date()
        (near if abs((day - today).days) <= 1 else rest).append(appointment)
    near.sort(key=lambda a: a.start)
    rest.sort(key=lambda a: a.start, reverse=True)
    return near + rest
