"""The progress timeline: the staff chart tab and the patient's simplified portal page."""

import datetime

from django import forms
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from ldnclinic.accounts.access import login_required_404
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.diary.views import own_patient
from ldnclinic.outcomes import charts
from ldnclinic.outcomes.timeline import MAX_RANGE_DAYS, ONE_DAY, PRESETS, build_timeline
from ldnclinic.patients.access import get_patient_for_staff
from ldnclinic.patients.views import _chart_context
from ldnclinic.photos.views import remember_photos_shown

EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2199, 12, 31)


class RangeForm(forms.Form):
    range = forms.ChoiceField(
        choices=[("", "Since the start"), *((k, label) for k, (label, _) in PRESETS.items())],
        required=False,
    )
    start = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        for name in ("start", "end"):
            day = data.get(name)
            if day is not None and not EARLIEST <= day <= LATEST:
                self.add_error(name, "Choose a date between 2000 and 2199.")
        if start and end and end < start:
            self.add_error("end", "The end is before the start.")
        elif start and end and (end - start).days > MAX_RANGE_DAYS:
            self.add_error("end", "Choose a range of at most ten years.")
        return data

    def choice(self) -> dict:
        """build_timeline's range arguments: what was asked for, or the default when the
        form has errors (the page then shows them)."""
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"preset": data["range"], "start": data["start"], "end": data["end"]}


def _range(request):
    form = RangeForm(request.GET or None)
    status = 400 if form.is_bound and not form.is_valid() else 200
    return form, status


def _preset_links(timeline):
    return [
        {"key": key, "label": label, "current": timeline.preset == key}
        for key, label in [("", "Since the start"), *((k, v[0]) for k, v in PRESETS.items())]
    ]


def _dose_chart(timeline, axis):
    series = [
        charts.StepSeries(
            plan.name,
            [charts.StepRun(row.start, row.end, float(row.dose_mg)) for row in plan.steps],
        )
        for plan in timeline.plans
    ]
    events = [
        charts.Event(event.day, event.label)
        for plan in timeline.plans
        for event in plan.events
        if event.kind in ("pause", "resume", "stop")
    ]
    doses = [row.dose_mg for plan in timeline.plans for row in plan.steps]
    desc = (
        f"Daily LDN dose in mg, {len(doses)} step{'s' if len(doses) != 1 else ''}"
        + (f", up to {charts.num(float(max(doses)))} mg" if doses else "")
        + ". The table below lists each step and pause."
    )
    return charts.step_chart(
        chart_id="tl-dose",
        title="LDN dose (mg per day)",
        desc=desc,
        axis=axis,
        series=series,
        unit="mg",
        minimum_top=4.5,
        events=events,
        empty_text="No LDN plan in this range.",
    )


def _instrument_chart(track, axis, *, thresholds):
    points = [charts.Point(s.day, s.total, s.band) for s in track.scores]
    desc = (
        f"{track.name} totals, {len(points)} in this range; lower is better. "
        f"Baseline {charts.num(track.baseline.total)} on {charts.day_text(track.baseline.day)}."
    )
    if thresholds and track.thresholds:
        desc += " Dashed lines: the response thresholds relative to the baseline."
    return charts.line_chart(
        chart_id=f"tl-inst-{track.code.lower()}",
        title=f"{track.name} ({track.code})",
        desc=desc,
        axis=axis,
        series=[charts.Series(track.code, points)],
        low=track.minimum,
        cap=track.maximum,
        bands=track.bands,
        thresholds=track.thresholds if thresholds else (),
        empty_text="No score in this range.",
    )


def _diary_chart(timeline, axis):
    # A week's mean sits mid-week.
    shift = 3 * ONE_DAY if timeline.weekly else datetime.timedelta(0)
    itch = [charts.Point(r.start + shift, r.itch) for r in timeline.diary if r.itch is not None]
    sleep = [charts.Point(r.start + shift, r.sleep) for r in timeline.diary if r.sleep is not None]
    marks = [
        charts.Marker(day, f"Missed dose {charts.day_text(day)}") for day in timeline.missed_days
    ]
    kind = "weekly means" if timeline.weekly else "daily"
    return charts.line_chart(
        chart_id="tl-diary",
        title=f"Diary: itch and sleep ({kind})",
        desc=(
            f"Itch 0 to 10 (10 worst) and sleep quality 0 to 10 (10 best), {kind}; "
            f"{len(timeline.missed_days)} missed doses marked under the chart."
        ),
        axis=axis,
        series=[charts.Series("Itch (0–10)", itch), charts.Series("Sleep quality (0–10)", sleep)],
        low=0,
        high=10,
        marks=marks,
        mark_label="Missed dose",
        empty_text="No diary entry in this range.",
    )


# A pk no photo has, reversed once per page: formatting it per photo costs a fraction of
# a hundred {% url %} tags on a two-year timeline.
_SENTINEL = 987654321


def _url_pattern(name: str) -> str:
    return reverse(name, kwargs={"pk": _SENTINEL}).replace(str(_SENTINEL), "{pk}")


def photo_links(timeline) -> list[dict]:
    """Each photo with its thumbnail and detail URLs (the photos app's gated views)."""
    if not timeline.photos:
        return []
    thumb, detail = _url_pattern("photo_thumb"), _url_pattern("photo_detail")
    return [
        {
            "pk": photo.pk,
            "day_text": photo.day_text,
            "body_site": photo.body_site,
            "view": photo.view,
            "thumb_url": thumb.format(pk=photo.pk),
            "detail_url": detail.format(pk=photo.pk),
        }
        for photo in timeline.photos
    ]


def charts_for(timeline, *, staff: bool) -> dict:
    axis = charts.TimeAxis(timeline.start, timeline.end)
    out = {
        "dose": _dose_chart(timeline, axis),
        "diary": _diary_chart(timeline, axis),
        "instruments": [
            (track, _instrument_chart(track, axis, thresholds=staff))
            for track in timeline.instruments
        ],
        "photos": charts.marker_chart(
            chart_id="tl-photos",
            title="Photos by body site",
            desc=f"{len(timeline.photos)} photos in this range, one row per body site.",
            axis=axis,
            markers=[
                charts.Marker(p.day, f"{p.body_site}, {p.view}", p.body_site)
                for p in timeline.photos
            ],
            empty_text="No photo in this range.",
        ),
    }
    if staff:
        out["sessions"] = charts.marker_chart(
            chart_id="tl-sessions",
            title="Sessions",
            desc=(
                f"{len(timeline.sessions)} sessions in this range, one row per service; "
                "filled when completed, hollow when booked or proposed."
            ),
            axis=axis,
            markers=[
                charts.Marker(s.day, f"{s.name} ({s.status.lower()})", s.name, hollow=not s.done)
                for s in timeline.sessions
            ],
            empty_text="No session in this range.",
        )
    return out


@require_GET
@login_required_404
def patient_timeline(request, pk):
    patient = get_patient_for_staff(request, pk, event=None)
    form, status = _range(request)
    timeline = build_timeline(patient, **form.choice())
    # The read is audited with the photos it shows as thumbnails.
    record(
        Event.TIMELINE_VIEWED,
        Actor.from_request(request),
        patient=patient,
        subject=patient,
        page="chart",
        date_from=timeline.start.isoformat(),
        date_to=timeline.end.isoformat(),
        photo_ids=[photo.pk for photo in timeline.photos],
    )
    remember_photos_shown(request, timeline.photos)
    context = _chart_context(request, patient, "timeline")
    context.update(
        {
            "timeline": timeline,
            "charts": charts_for(timeline, staff=True),
            "photos": photo_links(timeline),
            "form": form,
            "presets": _preset_links(timeline),
            "clinic": patient.clinic,
            "staff": True,
        }
    )
    return render(request, "outcomes/timeline.html", context, status=status)


@require_GET
@login_required_404
def portal_timeline(request):
    patient = own_patient(request)
    form, status = _range(request)
    timeline = build_timeline(patient, **form.choice())
    record(
        Event.TIMELINE_VIEWED,
        Actor.from_request(request),
        patient=patient,
        subject=patient,
        page="portal",
        date_from=timeline.start.isoformat(),
        date_to=timeline.end.isoformat(),
        photo_ids=[photo.pk for photo in timeline.photos],
    )
    remember_photos_shown(request, timeline.photos)
    context = {
        "patient": patient,
        "clinic": patient.clinic,
        "timeline": timeline,
        "charts": charts_for(timeline, staff=False),
        "photos": photo_links(timeline),
        "form": form,
        "presets": _preset_links(timeline),
        "staff": False,
    }
    return render(request, "outcomes/timeline_portal.html", context, status=status)
