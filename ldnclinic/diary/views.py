"""The diary pages: the patient's own (portal, phone-first) and the staff chart tab."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from ldnclinic.accounts.access import login_required_404
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.diary.actions import check_date, do_save_diary_entry
from ldnclinic.diary.forms import DiaryForm
from ldnclinic.diary.models import DiaryEntry
from ldnclinic.diary.schedule import day_rows, planned_dose, today_for
from ldnclinic.patients.access import get_patient_for_staff, patients_for_request
from ldnclinic.patients.views import _chart_context

PORTAL_DAYS = 14
STAFF_DAYS = 30


def own_patient(request):
    """The request user's own active patient record (the first, if several); 404 for anyone
    else, staff included. Nobody else's record can come out of this."""
    patient = (
        patients_for_request(request)
        .filter(user=request.user, is_active=True)
        .select_related("clinic")
        .order_by("pk")
        .first()
    )
    if patient is None:
        raise Http404("Not found")
    return patient


def _entries(patient, start, end):
    return list(patient.diary_entries.filter(date__gte=start, date__lte=end))


def _page(request, patient, day, form=None, status=200, date_error=None):
    today = today_for(patient)
    start = today - datetime.timedelta(days=PORTAL_DAYS - 1)
    entries = _entries(patient, min(start, day), today)
    entry = next((e for e in entries if e.date == day), None)
    if form is None and date_error is None:
        form = DiaryForm.for_entry(entry)
    rows = day_rows(patient, start, today, [e for e in entries if e.date >= start], today)
    record(
        Event.DIARY_VIEWED,
        Actor.from_request(request),
        patient=patient,
        subject=patient,
        page="portal",
        date_from=start.isoformat(),
        date_to=today.isoformat(),
    )
    context = {
        "patient": patient,
        "clinic": patient.clinic,
        "day": day,
        "today": today,
        "is_today": day == today,
        "entry": entry,
        "planned": planned_dose(patient, day) if date_error is None else None,
        "form": form,
        "date_error": date_error,
        "rows": rows,
    }
    return render(request, "diary/portal.html", context, status=status)


def _save(request, patient, day, redirect_to):
    form = DiaryForm(request.POST)
    if form.is_valid():
        try:
            do_save_diary_entry(Actor.from_request(request), patient, date=day, **form.values())
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"Saved your diary for {day:%A} {day.day} {day:%B}.")
            return redirect(redirect_to)
    return _page(request, patient, day, form, status=400)


@require_http_methods(["GET", "POST"])
@login_required_404
def portal_diary(request):
    patient = own_patient(request)
    today = today_for(patient)
    if request.method == "POST":
        return _save(request, patient, today, "portal_diary")
    return _page(request, patient, today)


@require_http_methods(["GET", "POST"])
@login_required_404
def portal_diary_day(request, day):
    patient = own_patient(request)
    try:
        day = datetime.date.fromisoformat(day)
    except ValueError:
        raise Http404("Not found") from None
    try:
        check_date(patient, day)
    except ValidationError as error:
        return _page(request, patient, day, status=400, date_error=error.message_dict["date"][0])
    if request.method == "POST":
        return _save(request, patient, day, _next_to_fill(patient, day))
    return _page(request, patient, day)


def _next_to_fill(patient, day):
    """After a past day is saved, the next later day still without an entry (catching up a
    week is then one tap per day), else today's page."""
    today = today_for(patient)
    filled = set(
        DiaryEntry.objects.filter(patient=patient, date__gt=day, date__lt=today).values_list(
            "date", flat=True
        )
    )
    later = day + datetime.timedelta(days=1)
    while later < today:
        if later not in filled:
            return reverse("portal_diary_day", args=[later.isoformat()])
        later += datetime.timedelta(days=1)
    return reverse("portal_diary")


@require_GET
@login_required_404
def patient_diary(request, pk):
    """Staff chart tab: the last 30 days."""
    patient = get_patient_for_staff(request, pk, event=Event.DIARY_VIEWED)
    context = _chart_context(request, patient, "diary")
    today = today_for(patient)
    start = today - datetime.timedelta(days=STAFF_DAYS - 1)
    rows = day_rows(patient, start, today, _entries(patient, start, today), today)
    context.update(
        {
            "rows": rows,
            "today": today,
            "start": start,
            "missed": sum(1 for row in rows if row["status"] == "missed"),
            "logged": sum(1 for row in rows if row["entry"] is not None),
        }
    )
    return render(request, "diary/patient_diary.html", context)
