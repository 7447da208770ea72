"""The protocol editor: one form for the protocol, formsets for its LDN schemes, adjunct
therapies and follow-up visits, and a text box for the instruments. The forms only parse;
protocols.schema validates the assembled data, and its errors ("schemes[0].start_mg") are
put back next to the fields they name."""

import re

from django import forms

from ldnclinic.plans.titration import TIMINGS, fmt
from ldnclinic.protocols.schema import (
    CERTAINTIES,
    GRADES,
    INSTRUMENT_CODES,
    MAX_ITEMS,
)
from ldnclinic.protocols.seed import seed_adjustments

GRADE_CHOICES = [(g, "— (unconfirmed)" if g == "—" else g) for g in GRADES]
MAX_ROWS = MAX_ITEMS

MAIN_FIELDS = {
    "code": "code",
    "name": "name",
    "summary": "summary",
    "condition.slug": "condition_slug",
    "condition.name": "condition_name",
    "condition.icd10": "icd10",
    "condition.snomed": "snomed",
    "evidence.grade": "evidence_grade",
    "evidence.certainty": "evidence_certainty",
    "evidence.summary": "evidence_summary",
    "default_scheme": "default_scheme",
    "default_duration_days": "default_duration_days",
}
PATH = re.compile(
    r"^(?P<section>schemes|adjuncts|follow_up|instruments)\[(?P<i>\d+)\](?:\.(?P<rest>.+))?$"
)
INSTRUMENT_LINE = re.compile(r"^\s*(?P<code>[A-Za-z0-9_]+)\s*(?::\s*(?P<days>.*))?$")
DEFAULT_FORMULATIONS = [
    {"type": "liquid", "concentration_mg_per_ml": "1", "preserved": False},
    {"type": "capsule"},
]


def _text(**kwargs):
    return forms.CharField(required=False, **kwargs)


def _mg(label, required=True, help_text=""):
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=0,
        max_digits=7,
        decimal_places=3,
        help_text=help_text,
    )


def _days(label, required=False, min_value=0):
    return forms.IntegerField(label=label, required=required, min_value=min_value)


class ProtocolForm(forms.Form):
    code = forms.SlugField(
        label="Code",
        max_length=80,
        help_text="Lower-case letters, digits and hyphens, e.g. psoriasis-ldn. "
        "It cannot change later.",
    )
    name = forms.CharField(label="Name", max_length=200)
    summary = forms.CharField(
        label="Summary for clinicians", max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    condition_slug = forms.SlugField(label="Condition code (slug)", max_length=80)
    condition_name = forms.CharField(label="Condition", max_length=120)
    icd10 = _text(label="ICD-10-CM", max_length=12, help_text="Blank if unconfirmed.")
    snomed = _text(label="SNOMED CT", max_length=18, help_text="Blank if unconfirmed.")
    evidence_grade = forms.ChoiceField(label="Evidence grade", choices=GRADE_CHOICES)
    evidence_certainty = forms.ChoiceField(
        label="Certainty", choices=[(c, c.capitalize()) for c in CERTAINTIES]
    )
    evidence_summary = forms.CharField(
        label="What the evidence is, in plain words",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    default_scheme = forms.CharField(
        label="Default scheme (its code)", max_length=80, help_text="One of the schemes below."
    )
    default_duration_days = forms.IntegerField(
        label="Plan length (days)", min_value=1, max_value=730, initial=84
    )
    instruments = _text(
        label="Outcome instruments",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line: the code, a colon and the days to score it, e.g. "
        f"“PASI: 0, 84”. Codes: {', '.join(INSTRUMENT_CODES)}.",
    )
    note = forms.CharField(
        label="What changed and why", max_length=250, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            # The code names the protocol; it is shown, not edited.
            del self.fields["code"]

    def clean_instruments(self):
        instruments, problems = [], []
        for number, line in enumerate(self.cleaned_data["instruments"].splitlines(), 1):
            if not line.strip():
                continue
            match = INSTRUMENT_LINE.match(line)
            days = _days_list((match.group("days") or "") if match else "")
            if match is None or days is None:
                problems.append(f"Line {number}: write it as “CODE: 0, 28, 84”.")
                continue
            instruments.append({"code": match.group("code").upper(), "at_days": days})
        if problems:
            raise forms.ValidationError(problems)
        return instruments


def _days_list(text: str) -> list[int] | None:
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    if not parts or not all(p.isdigit() for p in parts):
        return None
    return [int(p) for p in parts]


class SchemeForm(forms.Form):
    code = forms.CharField(label="Code", max_length=80)
    name = forms.CharField(label="Name", max_length=120)
    start_mg = _mg("Start (mg)")
    step_mg = _mg("Step (mg)", help_text="0 for a fixed dose.")
    interval_days = forms.IntegerField(label="Every (days)")
    target_mg = _mg("Target (mg)")
    max_mg = _mg("Maximum (mg)")
    timing = forms.ChoiceField(
        label="Timing", choices=[(t, t.capitalize()) for t in TIMINGS], initial="bedtime"
    )
    mg_per_kg = _mg("mg/kg", required=False, help_text="Weight-based schemes only.")
    source = forms.CharField(label="Source", max_length=500)
    # Initial values matter: an untouched blank row must not count as changed.
    grade = forms.ChoiceField(label="Grade", choices=GRADE_CHOICES, initial="D")

    def entry(self) -> dict:
        data = self.cleaned_data
        entry = {name: data.get(name) for name in self.fields if name != "DELETE"}
        for name in ("start_mg", "step_mg", "target_mg", "max_mg", "mg_per_kg"):
            entry[name] = fmt(entry[name]) if entry[name] is not None else None
        if self.initial.get("beyond_low_dose_confirmed"):
            entry["beyond_low_dose_confirmed"] = True
        return entry


class AdjunctForm(forms.Form):
    code = forms.SlugField(label="Code", max_length=80)
    name = forms.CharField(label="Name", max_length=120)
    kind = forms.ChoiceField(
        label="Kind",
        choices=[("session", "In-clinic sessions"), ("home", "At home")],
        initial="session",
    )
    service_slug = _text(label="Service (slug)", max_length=80)
    sessions = _days("Sessions", min_value=None)
    interval_days = _days("Every (days)", min_value=None)
    tolerance_before_days = _days("Up to days early", min_value=None)
    tolerance_after_days = _days("Up to days late", min_value=None)
    first_offset_days = _days("First after (days)", min_value=None)
    frequency = _text(label="How often (at home)", max_length=60)
    duration_days = _days("For (days, at home)", min_value=None)
    default = forms.BooleanField(label="Included by default", required=False)
    notes = _text(label="Notes", max_length=500)
    source = _text(label="Source", max_length=500)
    grade = forms.ChoiceField(label="Grade", choices=GRADE_CHOICES, initial="—")

    SESSION_ONLY = (
        "service_slug",
        "sessions",
        "interval_days",
        "tolerance_before_days",
        "tolerance_after_days",
        "first_offset_days",
    )
    HOME_ONLY = ("frequency", "duration_days")

    def entry(self) -> dict:
        data = self.cleaned_data
        skip = self.HOME_ONLY if data["kind"] == "session" else self.SESSION_ONLY
        return {
            name: data.get(name) for name in self.fields if name != "DELETE" and name not in skip
        }


class FollowUpForm(forms.Form):
    after_days = forms.IntegerField(label="After (days)")
    service_slug = forms.CharField(label="Service (slug)", max_length=80, initial="ldn-follow-up")
    purpose = forms.CharField(label="Purpose", max_length=200)

    def entry(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.fields if name != "DELETE"}


def _formset(form, extra=1):
    return forms.formset_factory(
        form,
        extra=extra,
        can_delete=True,
        max_num=MAX_ROWS,
        validate_max=True,
        absolute_max=MAX_ROWS,
    )


SchemeFormSet = _formset(SchemeForm)
AdjunctFormSet = _formset(AdjunctForm)
FollowUpFormSet = _formset(FollowUpForm)


def _kept(formset) -> list:
    """The rows that make the protocol: the existing ones and the filled-in blank ones,
    less those marked for removal."""
    kept = []
    for index, form in enumerate(formset.forms):
        if index >= formset.initial_form_count() and not form.has_changed():
            continue
        if formset._should_delete_form(form):
            continue
        kept.append(form)
    return kept


class ProtocolEditor:
    """The whole editor: the main form and the three formsets, built from a version's
    data (`base`) or from what was posted. `data()` assembles the protocol data."""

    def __init__(self, posted=None, *, base: dict | None = None, editing=False):
        base = base or {}
        self.base = base
        self.editing = editing
        self.form = ProtocolForm(posted, initial=_main_initial(base), editing=editing)
        self.schemes = SchemeFormSet(posted, prefix="schemes", initial=base.get("schemes", []))
        self.adjuncts = AdjunctFormSet(posted, prefix="adjuncts", initial=base.get("adjuncts", []))
        self.follow_ups = FollowUpFormSet(
            posted, prefix="follow_up", initial=base.get("follow_up", [])
        )
        self.section_errors: dict[str, list[str]] = {}

    @property
    def formsets(self):
        return {"schemes": self.schemes, "adjuncts": self.adjuncts, "follow_up": self.follow_ups}

    def is_valid(self) -> bool:
        valid = self.form.is_valid()
        for formset in self.formsets.values():
            valid = formset.is_valid() and valid
        return valid

    @property
    def note(self) -> str:
        return self.form.cleaned_data.get("note", "")

    def data(self) -> dict:
        f = self.form.cleaned_data
        evidence = self.base.get("evidence") or {}
        return {
            "schema": 1,
            "code": self.base.get("code") if self.editing else f["code"],
            "name": f["name"],
            "condition": {
                "slug": f["condition_slug"],
                "name": f["condition_name"],
                "icd10": f["icd10"] or None,
                "snomed": f["snomed"] or None,
            },
            "summary": f["summary"],
            "evidence": {
                "grade": f["evidence_grade"],
                "certainty": f["evidence_certainty"],
                "summary": f["evidence_summary"],
                "references": evidence.get("references", []),
            },
            "default_scheme": f["default_scheme"],
            "schemes": [form.entry() for form in _kept(self.schemes)],
            "default_duration_days": f["default_duration_days"],
            "formulations": self.base.get("formulations") or DEFAULT_FORMULATIONS,
            "adjuncts": [form.entry() for form in _kept(self.adjuncts)],
            "follow_up": [form.entry() for form in _kept(self.follow_ups)],
            "instruments": f["instruments"],
            "adjustments": self.base.get("adjustments") or seed_adjustments(),
        }

    def add_errors(self, errors: dict) -> None:
        """Put the validator's (or action's) errors next to the fields they name."""
        for path, messages in errors.items():
            messages = messages if isinstance(messages, list) else [messages]
            for message in messages:
                self._add_error(path, message)

    def _add_error(self, path: str, message: str) -> None:
        if path in MAIN_FIELDS and MAIN_FIELDS[path] in self.form.fields:
            self.form.add_error(MAIN_FIELDS[path], message)
            return
        match = PATH.match(path)
        section = match.group("section") if match else path.split(".")[0]
        if section == "instruments" and match:
            line = int(match.group("i")) + 1
            self.form.add_error("instruments", f"Line {line}: {message}")
        elif match and section in self.formsets:
            rows = _kept(self.formsets[section])
            index, field = int(match.group("i")), (match.group("rest") or "").split(".")[0]
            if index < len(rows):
                form = rows[index]
                form.add_error(field if field in form.fields else None, message)
                return
            self.section_errors.setdefault(section, []).append(message)
        elif section in self.formsets or section == "instruments":
            self.section_errors.setdefault(section, []).append(message)
        else:
            self.form.add_error(None, f"{path}: {message}")


def _main_initial(base: dict) -> dict:
    condition = base.get("condition") or {}
    evidence = base.get("evidence") or {}
    instruments = "\n".join(
        f"{i['code']}: {', '.join(str(d) for d in i['at_days'])}"
        for i in base.get("instruments", [])
    )
    return {
        "code": base.get("code", ""),
        "name": base.get("name", ""),
        "summary": base.get("summary", ""),
        "condition_slug": condition.get("slug", ""),
        "condition_name": condition.get("name", ""),
        "icd10": condition.get("icd10") or "",
        "snomed": condition.get("snomed") or "",
        "evidence_grade": evidence.get("grade", "gap"),
        "evidence_certainty": evidence.get("certainty", "no evidence"),
        "evidence_summary": evidence.get("summary", ""),
        "default_scheme": base.get("default_scheme", ""),
        "default_duration_days": base.get("default_duration_days", 84),
        "instruments": instruments,
    }
