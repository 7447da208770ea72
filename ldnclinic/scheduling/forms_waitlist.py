"""Forms for joining the waitlist: they parse input; `waitlist.do_join_waitlist` decides."""

from django import forms

from ldnclinic.accounts.models import Membership
from ldnclinic.scheduling.models import Appointment, Service
from ldnclinic.scheduling.notify import short_when
from ldnclinic.scheduling.waitlist import MOVABLE, NOTE_MAX


class PractitionerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.user.full_name or obj.user.email
        return f"{name}, {obj.title}" if obj.title else name


class _JoinForm(forms.Form):
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(),
        empty_label="Choose a service",
        error_messages={
            "required": "Choose a service.",
            "invalid_choice": "Choose one of the services listed.",
        },
    )
    practitioner = PractitionerChoice(
        queryset=Membership.objects.none(),
        required=False,
        empty_label="Anyone who gives it",
        error_messages={"invalid_choice": "Choose one of the practitioners listed."},
    )
    earliest_date = forms.DateField(
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Give the first date.", "invalid": "Give a date."},
    )
    latest_date = forms.DateField(
        label="Until",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Give the last date.", "invalid": "Give a date."},
    )
    note = forms.CharField(
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: mornings only. Please no medical details.",
        error_messages={"max_length": f"Keep the note under {NOTE_MAX} characters."},
    )

    def _limit(self, services):
        services = services.filter(is_active=True).select_related("clinic").order_by("name")
        self.fields["service"].queryset = services
        self.fields["practitioner"].queryset = (
            Membership.objects.filter(services__in=services, is_active=True)
            .select_related("user")
            .distinct()
            .order_by("user__full_name", "id")
        )


class PortalJoinForm(_JoinForm):
    current_appointment = forms.ModelChoiceField(
        queryset=Appointment.objects.none(),
        required=False,
        label="Bring forward my appointment",
        empty_label="No, I have no appointment for it yet",
        error_messages={"invalid_choice": "Choose one of your appointments listed."},
    )

    field_order = ["service", "practitioner", "earliest_date", "latest_date"]

    def __init__(self, *args, patients, now, **kwargs):
        super().__init__(*args, **kwargs)
        clinics = {p.clinic_id for p in patients}
        self._limit(Service.objects.filter(clinic_id__in=clinics, online_bookable=True))
        if len(clinics) > 1:
            self.fields["service"].label_from_instance = lambda s: f"{s.name} — {s.clinic.name}"
        appointments = (
            Appointment.objects.filter(patient__in=patients, status__in=MOVABLE, start__gt=now)
            .select_related("service", "clinic")
            .order_by("start")
        )
        self.fields["current_appointment"].queryset = appointments
        self.fields["current_appointment"].label_from_instance = _appointment_label


class StaffJoinForm(_JoinForm):
    mrn = forms.CharField(
        label="Patient record number",
        max_length=20,
        help_text="As shown on the patient list.",
        error_messages={"required": "Give the patient's record number."},
    )
    bring_forward = forms.BooleanField(
        required=False,
        label="Bring forward the patient's next appointment for this service",
        help_text="When the earlier time is confirmed, that appointment is cancelled.",
    )

    field_order = ["mrn", "service", "practitioner", "earliest_date", "latest_date"]

    def __init__(self, *args, clinic, patients, **kwargs):
        super().__init__(*args, **kwargs)
        self.patients = patients.filter(clinic=clinic)
        self.patient = None
        self._limit(Service.objects.filter(clinic=clinic))

    def clean_mrn(self):
        mrn = self.cleaned_data["mrn"].strip()
        self.patient = self.patients.filter(mrn__iexact=mrn).first()
        if self.patient is None:
            raise forms.ValidationError("No patient of this clinic has that record number.")
        return mrn


def _appointment_label(appointment):
    return f"{appointment.service.name}, {short_when(appointment.start, appointment.clinic.tz)}"
