"""The dose explainer: an interactive page (htmx, and a plain GET form without JS) and the
context other pages include (the public /ldn/ page, the patient's plan page).

Public and stateless: it reads no patient data, so it writes no audit rows."""

import datetime
from decimal import Decimal

from django.urls import reverse
from django.views.decorators.http import require_GET

from ldnclinic.core.htmx import render_page_or_partial
from ldnclinic.pharmacology.chart import chart
from ldnclinic.pharmacology.forms import (
    DEFAULT_DOSE_MG,
    DEFAULT_TIME,
    PAGE_DOSES,
    ExplainerForm,
)
from ldnclinic.pharmacology.model import ModelInputError, check_dose, load, simulate

CHART_STEP_H = 0.25
# A plan says "bedtime" or "morning", not a clock time; these stand in for them.
TIMING_TIMES = {"bedtime": datetime.time(22, 0), "morning": datetime.time(8, 0)}


def _dosing_time(value) -> datetime.time:
    if isinstance(value, datetime.time):
        return value
    text = str(value or "").strip()
    if text in TIMING_TIMES:
        return TIMING_TIMES[text]
    try:
        return datetime.datetime.strptime(text, "%H:%M").time()
    except ValueError:
        raise ModelInputError("time", "Enter a time as hours and minutes, such as 22:00.") from None


def _dose_text(dose) -> str:
    return f"{Decimal(str(dose)).normalize():f}"


def _options(selected: str) -> list[dict]:
    values = [_dose_text(d) for d in PAGE_DOSES]
    if selected and selected not in values:
        values = sorted({*values, selected}, key=Decimal)
    return [{"value": v, "label": f"{v} mg", "selected": v == selected} for v in values]


def _base(dose_text: str, time_text: str) -> dict:
    model = load()
    return {
        "dose": dose_text,
        "time": time_text,
        "label": model.data["label"],
        "assumptions": model.assumptions,
        "sources": model.sources,
        "options": _options(dose_text),
        "action": reverse("dose_explainer"),
        "errors": {},
        "chart": None,
    }


def explainer_context(dose_mg, dosing_time) -> dict:
    """Everything _explainer.html and _explainer_static.html draw, for one dose taken at
    `dosing_time` (a time, "HH:MM", "bedtime" or "morning"). Include it as `explainer`.
    Raises ModelInputError (a ValueError with .field) for a bad dose or time."""
    dose = check_dose(dose_mg)
    when = _dosing_time(dosing_time)
    start = when.hour + when.minute / 60
    result = simulate(dose, dosing_hour=start, hours=24, step_h=CHART_STEP_H)
    context = _base(_dose_text(dose_mg), when.strftime("%H:%M"))
    hourly = [p for p in result.points if float(p["hour"]).is_integer()]
    context.update(
        {
            "chart": chart(result.points),
            "rows": [{**p, "percent": round(p["occupancy"] * 100)} for p in hourly],
            "summary": {
                **result.summary,
                "peak_percent": round(result.summary["peak_occupancy"] * 100),
                "percent_8h": round(result.summary["occupancy_8h"] * 100),
                "percent_12h": round(result.summary["occupancy_12h"] * 100),
                "percent_24h": round(result.summary["occupancy_24h"] * 100),
                "clock_8h": hourly[8]["clock"],
                "clock_12h": hourly[12]["clock"],
            },
        }
    )
    return context


def _error_context(query, form) -> dict:
    raw_dose = str(query.get("dose_mg", _dose_text(DEFAULT_DOSE_MG)))[:20]
    raw_time = str(query.get("time", DEFAULT_TIME.strftime("%H:%M")))[:8]
    context = _base(raw_dose if raw_dose in {_dose_text(d) for d in PAGE_DOSES} else "", raw_time)
    context["errors"] = {name: " ".join(errors) for name, errors in form.errors.items()}
    return context


def explainer_from_query(
    query, *, page_action=None, dose_mg=DEFAULT_DOSE_MG, dosing_time=DEFAULT_TIME
) -> tuple[dict, int]:
    """The explainer for a GET query (defaults when it has no dose or time), and the status:
    400 with the form's errors for a bad dose or time. `page_action` is where the form
    submits without JavaScript (the page that embeds it); htmx still asks dose_explainer."""
    if "dose_mg" not in query and "time" not in query:
        explainer, status = explainer_context(dose_mg, dosing_time), 200
    else:
        form = ExplainerForm.from_query(query)
        if form.is_valid():
            explainer = explainer_context(form.cleaned_data["dose_mg"], form.cleaned_data["time"])
            status = 200
        else:
            explainer, status = _error_context(query, form), 400
    if page_action:
        explainer["page_action"] = page_action
    return explainer, status


@require_GET
def dose_explainer(request):
    """GET dose_mg (0.5–4.5) and time (HH:MM): the chart, or the form's errors with 400."""
    form = ExplainerForm.from_query(request.GET)
    if form.is_valid():
        explainer = explainer_context(form.cleaned_data["dose_mg"], form.cleaned_data["time"])
        status = 200
    else:
        explainer = _error_context(request.GET, form)
        status = 400
    return render_page_or_partial(
        request,
        "pharmacology/explainer.html",
        "pharmacology/_explainer_result.html",
        {"explainer": explainer},
        status=status,
    )
