"""The upload form (staff) and the entered-in-error form."""

import datetime

from django import forms
from django.conf import settings
from django.utils import timezone

from ldnclinic.photos.actions import NOTE_MAX, REASON_MAX
from ldnclinic.photos.body_sites import body_map
from ldnclinic.photos.models import PhotoView
from ldnclinic.photos.processing import accepted_text
from ldnclinic.scheduling.models import AppointmentStatus

APPOINTMENT_CHOICES_MAX = 20


def local_today(clinic, now=None) -> datetime.date:
    return (now or timezone.now()).astimezone(clinic.tz).date()


def taken_at_for(clinic, day: datetime.date, now=None) -> datetime.datetime:
    """A date taken as a moment: now when it is today (clinic time), else midday that day,
    so photos of one site order by day."""
    now = now or timezone.now()
    if day == local_today(clinic, now):
        return now
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=clinic.tz)


class PhotoUploadForm(forms.Form):
    file = forms.FileField(
        label="Photo",
        # On a phone, capture opens the rear camera; on a desktop it is a file picker.
        widget=forms.FileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    body_site = forms.ChoiceField(label="Body site")
    view = forms.ChoiceField(label="View", choices=[("", "Choose…"), *PhotoView.choices])
    taken_on = forms.DateField(
        label="Date taken", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    appointment = forms.TypedChoiceField(
        label="Appointment", required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, patient, site=None, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        clinic = patient.clinic
        self.fields["file"].help_text = (
            f"{accepted_text()}, up to {settings.PHOTO_MAX_BYTES // (1024 * 1024)} MB. On a "
            "phone this opens the camera. Location and camera details are removed."
        )
        self.fields["body_site"].choices = [("", "Choose…"), *body_map().choices()]
        if site and body_map().get(site):
            self.fields["body_site"].initial = site
        self.fields["taken_on"].initial = local_today(clinic, now)
        self.fields["taken_on"].help_text = f"Clinic time ({clinic.time_zone})."
        self.fields["view"].initial = PhotoView.CLOSE_UP
        appointments = list(
            patient.appointments.select_related("service").order_by("-start")[
                :APPOINTMENT_CHOICES_MAX
            ]
        )
        self.appointments = {a.pk: a for a in appointments}
        # A photo taken at today's visit belongs to it: preselect today's appointment.
        today = local_today(clinic, now)
        todays = [
            a
            for a in appointments
            if a.status != AppointmentStatus.CANCELLED
            and timezone.localtime(a.start, clinic.tz).date() == today
        ]
        if todays:
            self.fields["appointment"].initial = todays[-1].pk
        self.fields["appointment"].choices = [("", "None")] + [
            (a.pk, f"{timezone.localtime(a.start, clinic.tz):%Y-%m-%d %H:%M} · {a.service.name}")
            for a in appointments
        ]

    def clean_taken_on(self):
        day = self.cleaned_data["taken_on"]
        if day > local_today(self.patient.clinic):
            raise forms.ValidationError("The date taken cannot be in the future.")
        return day

    def details(self, now=None) -> dict:
        data = self.cleaned_data
        return {
            "body_site": data["body_site"],
            "view": data["view"],
            "taken_at": taken_at_for(self.patient.clinic, data["taken_on"], now),
            "note": data["note"],
            "appointment": self.appointments.get(data["appointment"]),
        }


class InErrorForm(forms.Form):
    reason = forms.CharField(
        label="Why is this photo wrong?",
        max_length=REASON_MAX,
        help_text="For example: wrong patient, wrong body site, duplicate.",
    )
