"""The plan builder's and the adjustment page's forms. The forms only parse what was typed;
the engine (through plans.params and the actions) judges doses, intervals and
formulations, and its field errors come back onto these fields."""

import datetime

from django import forms
from django.utils import timezone

from ldnclinic.plans.actions import SOURCES
from ldnclinic.plans.models import Severity, Symptom
from ldnclinic.plans.params import SESSION_LIMITS
from ldnclinic.plans.titration import fmt

TIMINGS = [("bedtime", "At bedtime"), ("morning", "In the morning")]
FORMULATION_TYPES = [("liquid", "Liquid (compounded, dosed by mL)"), ("capsule", "Capsules")]
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SESSION_LABELS = {
    "sessions": "Sessions",
    "interval_days": "Every (days)",
    "tolerance_before_days": "Allowed days early",
    "tolerance_after_days": "Allowed days late",
    "first_offset_days": "First session, days after the start",
}
# Engine field names that are not form field names.
ERROR_FIELDS = {
    "formulation.concentration_mg_per_ml": "concentration_mg_per_ml",
    "formulation.preserved": "preserved",
    "formulation.type": "formulation_type",
    "formulation": "formulation_type",
}


def _decimal(label, *, required=True, help_text=""):
    return forms.DecimalField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


def _adjunct_field(code, name):
    return f"adj_{code}_{name}"


class PlanForm(forms.Form):
    """Personalise a protocol: every scheme field, the duration and start, the formulation,
    and each adjunct therapy. `adjuncts` is the protocol's adjunct list (fields are made
    for each)."""

    start_date = forms.DateField(label="Start date", widget=DATE_INPUT)
    duration_days = forms.IntegerField(label="Duration (days)")
    start_mg = _decimal("Start dose (mg)")
    step_mg = _decimal("Step (mg)", help_text="0 for a fixed dose.")
    interval_days = forms.IntegerField(label="Step every (days)")
    target_mg = _decimal("Target dose (mg)")
    max_mg = _decimal("Maximum dose (mg)", required=False)
    timing = forms.ChoiceField(label="Time of day", choices=TIMINGS)
    weight_kg = _decimal(
        "Weight (kg)", required=False, help_text="Weight-based (paediatric) schemes only."
    )
    mg_per_kg = _decimal("Dose per kg (mg/kg)", required=False)
    beyond_low_dose_confirmed = forms.BooleanField(
        label="I confirm doses above the 4.5 mg low-dose range", required=False
    )
    formulation_type = forms.ChoiceField(
        label="Formulation", choices=FORMULATION_TYPES, widget=forms.RadioSelect
    )
    concentration_mg_per_ml = _decimal(
        "Concentration (mg/mL)", required=False, help_text="Liquid only, e.g. 1 mg/mL."
    )
    preserved = forms.BooleanField(label="Preserved liquid", required=False)
    reason = forms.CharField(
        label="What changed (optional)",
        required=False,
        max_length=500,
        widget=forms.TextInput(),
    )

    def __init__(self, *args, adjuncts=(), with_reason=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.adjuncts = [a for a in adjuncts if a.get("code")]
        if not with_reason:
            del self.fields["reason"]
        for adjunct in self.adjuncts:
            code = adjunct["code"]
            self.fields[_adjunct_field(code, "included")] = forms.BooleanField(
                label=f"Include {adjunct.get('name', code)}", required=False
            )
            if adjunct.get("kind", "session") == "session":
                for name in SESSION_LIMITS:
                    self.fields[_adjunct_field(code, name)] = forms.IntegerField(
                        label=SESSION_LABELS[name], required=False
                    )
            else:
                self.fields[_adjunct_field(code, "duration_days")] = forms.IntegerField(
                    label="For (days)", required=False
                )

    def clean(self):
        data = super().clean()
        liquid = data.get("formulation_type") == "liquid"
        missing = data.get("concentration_mg_per_ml") is None
        if liquid and missing and "concentration_mg_per_ml" not in self.errors:
            self.add_error("concentration_mg_per_ml", "Give the liquid's concentration.")
        return data

    def adjunct_groups(self):
        """(adjunct, [bound fields]) for the template, one group per adjunct."""
        groups = []
        for adjunct in self.adjuncts:
            prefix = f"adj_{adjunct['code']}_"
            fields = [self[name] for name in self.fields if name.startswith(prefix)]
            groups.append((adjunct, fields))
        return groups

    def params(self, *, scheme_code):
        """The plan's params from what was typed (call after is_valid())."""
        data = self.cleaned_data
        scheme = {
            name: _text(data.get(name))
            for name in (
                "start_mg",
                "step_mg",
                "interval_days",
                "target_mg",
                "max_mg",
                "weight_kg",
                "mg_per_kg",
            )
            if data.get(name) is not None
        }
        scheme["timing"] = data["timing"]
        scheme["beyond_low_dose_confirmed"] = bool(data.get("beyond_low_dose_confirmed"))
        if data["formulation_type"] == "liquid":
            formulation = {
                "type": "liquid",
                "concentration_mg_per_ml": _text(data.get("concentration_mg_per_ml")),
                "preserved": bool(data.get("preserved")),
            }
        else:
            formulation = {"type": "capsule"}
        adjuncts = []
        for adjunct in self.adjuncts:
            item = {k: v for k, v in adjunct.items() if k != "included"}
            item["included"] = bool(data.get(_adjunct_field(adjunct["code"], "included")))
            for name in (*SESSION_LIMITS, "duration_days"):
                field = _adjunct_field(adjunct["code"], name)
                if field in self.fields and data.get(field) is not None:
                    item[name] = data[field]
            adjuncts.append(item)
        return {
            "scheme": scheme,
            "scheme_code": scheme_code,
            "start_date": data["start_date"].isoformat(),
            "duration_days": data["duration_days"],
            "formulation": formulation,
            "adjuncts": adjuncts,
        }

    def add_engine_errors(self, errors: dict):
        """Put the engine's field errors (field -> message) on the fields they name."""
        for key, message in errors.items():
            field = ERROR_FIELDS.get(key, key)
            if key.startswith("adjuncts."):
                parts = key.split(".")
                field = _adjunct_field(parts[1], parts[2]) if len(parts) == 3 else None
            if field not in self.fields:
                field = None
            if field is None or field not in self.errors:
                self.add_error(field, message)


def initial_from_params(params) -> dict:
    """Form initial values from stored (or default) params."""
    scheme = params.get("scheme") or {}
    formulation = params.get("formulation") or {}
    initial = {
        "start_date": params.get("start_date"),
        "duration_days": params.get("duration_days"),
        "timing": scheme.get("timing", "bedtime"),
        "beyond_low_dose_confirmed": bool(scheme.get("beyond_low_dose_confirmed")),
        "formulation_type": formulation.get("type", "capsule"),
        "concentration_mg_per_ml": formulation.get("concentration_mg_per_ml"),
        "preserved": bool(formulation.get("preserved")),
    }
    for name in ("start_mg", "step_mg", "interval_days", "target_mg", "max_mg"):
        initial[name] = scheme.get(name)
    for name in ("weight_kg", "mg_per_kg"):
        if scheme.get(name) is not None:
            initial[name] = scheme[name]
    for adjunct in params.get("adjuncts") or []:
        code = adjunct.get("code")
        initial[_adjunct_field(code, "included")] = bool(adjunct.get("included"))
        for name in (*SESSION_LIMITS, "duration_days"):
            if adjunct.get(name) is not None:
                initial[_adjunct_field(code, name)] = adjunct[name]
    return initial


def _text(value):
    if value is None:
        return None
    if isinstance(value, int):
        return value
    return fmt(value)


class AdjustForm(forms.Form):
    """One adjustment. `options` are the protocol's adjustment entries (kind, label, when,
    source, grade) that fit the plan's state."""

    kind = forms.ChoiceField(label="Adjustment", widget=forms.RadioSelect)
    effective_date = forms.DateField(label="From", widget=DATE_INPUT)
    days = forms.IntegerField(
        label="Hold for (more days)",
        required=False,
        help_text="Hold only: how many more days at the current dose.",
    )
    reason = forms.CharField(
        label="Reason", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    source = forms.ChoiceField(label="Prompted by", choices=list(SOURCES.items()))
    appointment = forms.ModelChoiceField(
        label="At the visit (optional)", required=False, queryset=None, empty_label="—"
    )

    def __init__(self, *args, options=(), appointments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.options = list(options)
        self.fields["kind"].choices = [(o["kind"], o["label"]) for o in self.options]
        self.fields["appointment"].queryset = appointments
        self.fields["appointment"].label_from_instance = _appointment_label

    def clean(self):
        data = super().clean()
        if data.get("kind") == "hold" and data.get("days") is None and "days" not in self.errors:
            self.add_error("days", "Say for how many more days to hold the dose.")
        return data

    def adjustment(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "effective_date": data["effective_date"].isoformat(),
            "days": data.get("days") if data["kind"] == "hold" else None,
        }


def _appointment_label(appointment):
    tz = appointment.clinic.tz
    start = appointment.start.astimezone(tz)
    return f"{start:%Y-%m-%d %H:%M} · {appointment.service.name}"


def today_in(clinic, now=None) -> datetime.date:
    return (now or timezone.now()).astimezone(clinic.tz).date()


class SideEffectForm(forms.Form):
    """The patient's "Report a side effect" form. The action judges the date against the
    clinic's today and the plan's state; its field errors come back here."""

    symptom = forms.ChoiceField(
        label="What is it?", choices=Symptom.choices, widget=forms.RadioSelect
    )
    severity = forms.TypedChoiceField(
        label="How bad is it?",
        choices=Severity.choices,
        coerce=int,
        widget=forms.RadioSelect,
        help_text="Mild: you notice it. Moderate: it gets in the way. Severe: you cannot "
        "carry on as usual.",
    )
    started_on = forms.DateField(label="Since when?", widget=DATE_INPUT)
    note = forms.CharField(
        label="Anything to add (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
    )
