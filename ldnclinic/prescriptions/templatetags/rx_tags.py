from django import template

from ldnclinic.prescriptions.texts import mg as mg_text

register = template.Library()


@register.filter
def mg(value):
    """A quantity for people: 1.50 -> 1.5, 3.0 -> 3."""
    return mg_text(value)
