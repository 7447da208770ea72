"""{% dose_explainer %} and {% dose_explainer_static dose timing %} for pages that show the
explainer without building its context in their view."""

from django import template

from ldnclinic.pharmacology.forms import DEFAULT_DOSE_MG, DEFAULT_TIME
from ldnclinic.pharmacology.model import ModelInputError
from ldnclinic.pharmacology.views import explainer_context

register = template.Library()


@register.inclusion_tag("pharmacology/_explainer.html")
def dose_explainer(dose_mg=DEFAULT_DOSE_MG, dosing_time=DEFAULT_TIME):
    """The interactive explainer (form, chart, table, assumptions, sources)."""
    return {"explainer": explainer_context(dose_mg, dosing_time)}


@register.inclusion_tag("pharmacology/_explainer_static.html")
def dose_explainer_static(dose_mg, dosing_time="bedtime"):
    """The chart and table for a fixed dose; nothing at all when there is no valid dose
    (a paused plan has none today)."""
    if dose_mg is None:
        return {"explainer": None}
    try:
        return {"explainer": explainer_context(dose_mg, dosing_time)}
    except ModelInputError:
        return {"explainer": None}
