"""Forms for the scheduling settings pages. They parse input and offer only the current
clinic's locations, resources and practitioners (a foreign id is "not one of the
available choices"); saving and the remaining checks are in actions_settings."""

from django import forms
from django.db.models import Q

from ldnclinic.accounts.models import Membership
from ldnclinic.scheduling.actions_settings import (
    PRACTITIONER_ROLES,
    RESOURCE_FIELDS,
    SERVICE_FIELDS,
    HoursRow,
    overlap_messages,
)
from ldnclinic.scheduling.models import ClinicClosure, Resource, Service, TimeOff, WorkingHours

MAX_HOURS_ROWS = 70  # ten intervals a day is already more than anyone works
EXTRA_HOURS_ROWS = 2


def member_label(member):
    name = member.user.full_name or member.user.email
    label = f"{name}, {member.title}" if member.title else name
    return label if member.is_active else f"{label} (inactive)"


class PractitionerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return member_label(obj)


def practitioners_of(clinic):
    """The clinic's active clinicians and admins: who may perform services and have hours."""
    return (
        Membership.objects.filter(clinic=clinic, is_active=True, role__in=PRACTITIONER_ROLES)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def _ours_or_current(queryset, current_pk):
    """Active choices of this clinic, plus the one already chosen even if inactive since."""
    return queryset.filter(Q(is_active=True) | Q(pk=current_pk))


class ServiceForm(forms.ModelForm):
    practitioners = PractitionerChoiceField(
        queryset=Membership.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Who performs this service. Without anyone it cannot be booked.",
    )

    class Meta:
        model = Service
        fields = SERVICE_FIELDS
        labels = {
            "slug": "Short name for links",
            "duration_minutes": "Duration (minutes)",
            "buffer_before_minutes": "Buffer before (minutes)",
            "buffer_after_minutes": "Buffer after (minutes)",
            "price_display": "Price shown to patients",
            "resource": "Room or device needed",
            "online_bookable": "Patients may book it online",
            "new_patients_only": "New patients only",
            "min_notice_hours": "Minimum notice (hours)",
            "horizon_days": "Booking horizon (days)",
            "daily_cap": "Cap per practitioner per day",
            "telehealth_allowed": "May take place by video",
            "is_active": "Active",
        }
        help_texts = {
            "slug": "Lowercase letters, digits and hyphens, used in booking links. "
            "Leave blank to make one from the name.",
            "buffer_before_minutes": "Time kept free before the appointment, e.g. to prepare.",
            "buffer_after_minutes": "Time kept free after it, e.g. to clean the room.",
            "daily_cap": "Leave blank for no cap.",
            "location": "Blank: any of the practitioner's locations, or where the room or "
            "device is when one is needed.",
            "is_active": "Untick to stop offering it. Booked appointments are kept.",
            "horizon_days": "How far ahead patients may book online.",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        service = self.instance
        current = list(service.practitioners.values_list("pk", flat=True)) if service.pk else []
        self.fields["practitioners"].queryset = (
            Membership.objects.filter(clinic=clinic)
            .filter(Q(is_active=True, role__in=PRACTITIONER_ROLES) | Q(pk__in=current))
            .select_related("user")
            .order_by("user__full_name", "user__email")
        )
        if service.pk:
            self.initial["practitioners"] = current
        self.fields["location"].queryset = _ours_or_current(
            clinic.locations.all(), service.location_id
        )
        self.fields["location"].empty_label = "Any of the practitioner's locations"
        self.fields["resource"].queryset = _ours_or_current(
            Resource.objects.filter(clinic=clinic).select_related("location"),
            service.resource_id,
        )
        self.fields["resource"].empty_label = "None"
        self.fields["slug"].required = False

    def _post_clean(self):
        pass  # model validation runs in actions_settings.do_save_service


class ResourceForm(forms.ModelForm):
    class Meta:
        model = Resource
        fields = RESOURCE_FIELDS
        labels = {"is_active": "Active"}
        help_texts = {
            "capacity": "How many appointments can use it at the same time (1 to 20).",
            "is_active": "Untick to take it out of use: services that need it cannot be "
            "booked until it is back.",
        }

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = _ours_or_current(
            clinic.locations.all(), self.instance.location_id
        )

    def _post_clean(self):
        pass  # model validation runs in actions_settings.do_save_resource


TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
WEEKDAYS = [("", "—")] + list(WorkingHours.Weekday.choices)


class HoursRowForm(forms.Form):
    """One weekly interval. Every field is optional so that a cleared row means "remove
    it"; a row filled in half is an error."""

    weekday = forms.TypedChoiceField(
        label="Day", choices=WEEKDAYS, coerce=int, required=False, empty_value=None
    )
    location = forms.ModelChoiceField(queryset=None, required=False, empty_label="—")
    start = forms.TimeField(required=False, widget=TIME_WIDGET)
    end = forms.TimeField(required=False, widget=TIME_WIDGET)

    def __init__(self, *args, locations, default_location=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations
        self.fields["location"].initial = default_location

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        filled = {name: data.get(name) for name in ("weekday", "start", "end")}
        if not any(value is not None for value in filled.values()):
            data["empty"] = True
            return data
        for name, value in {**filled, "location": data.get("location")}.items():
            if value is None:
                self.add_error(name, "Fill this in, or clear the whole row to remove it.")
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", "The end must be after the start.")
        return data

    def row(self):
        data = self.cleaned_data
        if not data or data.get("empty") or data.get("DELETE"):
            return None
        return HoursRow(data["weekday"], data["start"], data["end"], data["location"])


class BaseHoursFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"].label = "Remove"

    def clean(self):
        if any(self.errors):
            return
        overlaps = overlap_messages(self.rows())
        if overlaps:
            raise forms.ValidationError(overlaps)

    def rows(self):
        return [row for form in self.forms if (row := form.row()) is not None]


HoursFormSet = forms.formset_factory(
    HoursRowForm,
    formset=BaseHoursFormSet,
    extra=EXTRA_HOURS_ROWS,
    can_delete=True,
    max_num=MAX_HOURS_ROWS,
    validate_max=True,
    absolute_max=MAX_HOURS_ROWS,
)


def hours_formset(practitioner, data=None, *, add_rows=0):
    """The weekly editor: the practitioner's rows, then blank ones. With `add_rows` (the
    "Add a row" button), the rows as typed, unvalidated, and that many blank ones more."""
    clinic = practitioner.clinic
    existing = list(practitioner.working_hours.order_by("weekday", "start"))
    locations = clinic.locations.filter(
        Q(is_active=True) | Q(pk__in=[h.location_id for h in existing])
    ).order_by("name")
    default = clinic.locations.filter(is_active=True).order_by("name").first()
    form_kwargs = {"locations": locations, "default_location": default}
    initial = [
        {"weekday": h.weekday, "location": h.location_id, "start": h.start, "end": h.end}
        for h in existing
    ]
    if data is None or not add_rows:
        return HoursFormSet(data, initial=initial, form_kwargs=form_kwargs)
    typed = HoursFormSet(data, initial=initial, form_kwargs=form_kwargs)
    rows = [
        {name: form[name].value() for name in ("weekday", "location", "start", "end", "DELETE")}
        for form in typed.forms
    ][: MAX_HOURS_ROWS - add_rows]
    formset = HoursFormSet(initial=rows, form_kwargs=form_kwargs)
    formset.extra = add_rows
    return formset


class TimeOffForm(forms.ModelForm):
    class Meta:
        model = TimeOff
        fields = ("date", "extra_hours", "start", "end", "location", "note")
        labels = {
            "extra_hours": "Extra working hours (not time off)",
            "start": "From",
            "end": "Until",
        }
        help_texts = {"location": "Only for extra hours: where."}
        widgets = {"date": DATE_WIDGET, "start": TIME_WIDGET, "end": TIME_WIDGET}

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = clinic.locations.filter(is_active=True)
        self.fields["location"].empty_label = "—"
        self.fields["extra_hours"].help_text = ""

    def _post_clean(self):
        pass  # model validation runs in actions_settings.do_save_time_off


class ClosureForm(forms.ModelForm):
    class Meta:
        model = ClinicClosure
        fields = ("date", "reason")
        help_texts = {"reason": "Shown to staff, e.g. “Public holiday”."}
        widgets = {"date": DATE_WIDGET}

    def _post_clean(self):
        pass  # model validation runs in actions_settings.do_save_closure
