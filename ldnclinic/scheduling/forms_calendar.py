"""Forms of the staff calendar: its filters and the quick actions' inputs."""

import datetime as dt

from django import forms

from ldnclinic.scheduling.models import AppointmentStatus

DAY, WEEK = "day", "week"
SLOT_SEPARATOR = "@"
CHOOSE_A_TIME = "Choose one of the free times."


def practitioner_name(membership):
    return membership.user.full_name or membership.user.email


def slot_value(practitioner_id, start):
    """The radio value of a free slot: who and when (UTC)."""
    return f"{practitioner_id}{SLOT_SEPARATOR}{start.astimezone(dt.UTC).isoformat()}"


def parse_slot(value):
    """(practitioner id, aware start) from `slot_value`; ValueError if it is not one."""
    practitioner, _, start = (value or "").partition(SLOT_SEPARATOR)
    moment = dt.datetime.fromisoformat(start)
    if moment.tzinfo is None:
        raise ValueError(value)
    return int(practitioner), moment


class SlotField(forms.CharField):
    default_error_messages = {"required": CHOOSE_A_TIME, "invalid": CHOOSE_A_TIME}

    def __init__(self, **kwargs):
        super().__init__(max_length=80, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        try:
            return parse_slot(value)
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


def _int_choice(choices, label):
    return forms.TypedChoiceField(
        label=label,
        choices=[("", f"All {label.lower()}s"), *choices],
        coerce=int,
        empty_value=None,
        required=False,
    )


class CalendarFilterForm(forms.Form):
    """The calendar's query string. Choices come from rows the view already loaded, so
    validating costs no query."""

    view = forms.ChoiceField(choices=[(DAY, "Day"), (WEEK, "Week")], required=False)
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    hide_cancelled = forms.BooleanField(label="Hide cancelled", required=False)

    def __init__(self, data, *, practitioners, locations):
        super().__init__(data)
        self.fields["practitioner"] = _int_choice(
            [(m.pk, practitioner_name(m)) for m in practitioners], "Practitioner"
        )
        self.fields["location"] = _int_choice([(loc.pk, loc.name) for loc in locations], "Location")

    def values(self, today):
        """The filters to show: valid fields as given, the rest at their defaults."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "view": data.get("view") or DAY,
            "date": data.get("date") or today,
            "practitioner": data.get("practitioner"),
            "location": data.get("location"),
            "hide_cancelled": bool(data.get("hide_cancelled")),
        }


class BookForm(forms.Form):
    patient = forms.IntegerField(error_messages={"required": "Choose a patient."})
    service = forms.TypedChoiceField(
        coerce=int,
        error_messages={"required": "Choose a service.", "invalid_choice": "Choose a service."},
    )
    slot = SlotField()
    telehealth = forms.BooleanField(label="By video (telehealth)", required=False)
    reason = forms.CharField(label="Reason for the visit", max_length=500, required=False)

    def __init__(self, data, *, services):
        super().__init__(data)
        self.fields["service"].choices = [
            ("", "Choose a service"),
            *((s.pk, s.name) for s in services),
        ]


class MoveForm(forms.Form):
    slot = SlotField()


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason for cancelling",
        max_length=200,
        error_messages={"required": "Say why the appointment is cancelled."},
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (AppointmentStatus.ARRIVED, "Arrived"),
            (AppointmentStatus.NOSHOW, "No-show"),
            (AppointmentStatus.FULFILLED, "Completed"),
        ],
        error_messages={"invalid_choice": "Choose arrived, no-show or completed."},
    )
