import csv
import datetime
import json

from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render

from ldnclinic.accounts.access import require_staff, staff_required
from ldnclinic.accounts.forms import PasswordConfirmForm
from ldnclinic.accounts.models import Role
from ldnclinic.audit.codes import Event
from ldnclinic.audit.forms import AuditFilterForm
from ldnclinic.audit.log import Actor, record
from ldnclinic.audit.models import AuditEvent
from ldnclinic.patients.models import Patient

ADMIN_ONLY = (Role.ADMIN,)
PAGE_SIZE = 50


def _filtered_events(clinic, form):
    events = AuditEvent.objects.filter(clinic=clinic).select_related("patient")
    if not form.is_valid():
        return events.none()
    data = form.cleaned_data
    if data["patient"]:
        patients = Patient.objects.filter(clinic=clinic).search(data["patient"])
        events = events.filter(patient__in=patients.values("pk"))
    if data["actor"]:
        events = events.filter(actor_label__icontains=data["actor"])
    if data["event"]:
        events = events.filter(code=data["event"])
    tz = clinic.tz
    if data["date_from"]:
        start = datetime.datetime.combine(data["date_from"], datetime.time.min, tzinfo=tz)
        events = events.filter(created_at__gte=start)
    if data["date_to"]:
        end = datetime.datetime.combine(
            data["date_to"] + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
        )
        events = events.filter(created_at__lt=end)
    return events


@staff_required(roles=ADMIN_ONLY)
def audit_list(request):
    clinic = require_staff(request, ADMIN_ONLY).clinic
    form = AuditFilterForm(request.GET)
    page = Paginator(_filtered_events(clinic, form), PAGE_SIZE).get_page(request.GET.get("page"))
    # Fetch the rows before recording this view, or its own row would take the place of
    # the oldest one on the page.
    page.object_list = list(page.object_list)
    record(
        Event.AUDIT_VIEWED,
        Actor.from_request(request),
        clinic=clinic,
        filters=_used_filters(form),
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "clinic": clinic}
    return render(request, "audit/list.html", context)


def _used_filters(form):
    if not form.is_valid():
        return {}
    return {k: str(v) for k, v in form.cleaned_data.items() if v not in (None, "")}


class _Echo:
    def write(self, value):
        return value


def _csv_rows(events, tz):
    writer = csv.writer(_Echo())
    yield writer.writerow(
        [
            "time",
            "event",
            "event_name",
            "actor",
            "patient_mrn",
            "subject",
            "source_ip",
            "via",
            "details",
        ]
    )
    for event in events.iterator(chunk_size=500):
        cells = [
            event.created_at.astimezone(tz).isoformat(),
            event.code,
            event.get_code_display(),
            event.actor_label,
            event.patient.mrn if event.patient else "",
            f"{event.subject_type}:{event.subject_id}" if event.subject_type else "",
            event.source_ip or "",
            event.via,
            json.dumps(event.payload, sort_keys=True, default=str) if event.payload else "",
        ]
        yield writer.writerow([_csv_safe(cell) for cell in cells])


# A cell starting with one of these is a formula to a spreadsheet. Emails and record
# numbers are typed by people and may start with one, so every text cell is defused.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_safe(value):
    if not isinstance(value, str):
        return value
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


@staff_required(roles=ADMIN_ONLY)
def audit_export(request):
    """CSV of the filtered trail, after the admin types their password again."""
    clinic = require_staff(request, ADMIN_ONLY).clinic
    filters = AuditFilterForm(request.POST if request.method == "POST" else request.GET)
    form = PasswordConfirmForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid() and filters.is_valid():
            record(
                Event.AUDIT_EXPORTED,
                Actor.from_request(request),
                clinic=clinic,
                filters=_used_filters(filters),
            )
            events = _filtered_events(clinic, filters)
            response = StreamingHttpResponse(_csv_rows(events, clinic.tz), content_type="text/csv")
            stamp = datetime.datetime.now(clinic.tz).strftime("%Y%m%d-%H%M")
            response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
            return response
        if form.errors.get("password"):
            record(Event.AUDIT_EXPORT_DENIED, Actor.from_request(request), clinic=clinic)
    status = 400 if form.errors or filters.errors else 200
    context = {"form": form, "filters": filters}
    return render(request, "audit/export.html", context, status=status)
