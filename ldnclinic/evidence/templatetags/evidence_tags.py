"""Grade and certainty badges for the evidence library (admin and public pages). The
badge classes are the protocol pages' (protocols/templatetags/protocol_tags.py): the
colour follows how far the evidence supports the use, not the grade alone."""

from django import template

from ldnclinic.evidence.library import cite_url as _cite_url
from ldnclinic.protocols.templatetags.protocol_tags import certainty_class as _certainty_class

register = template.Library()

GRADE_WORDS = {
    "A": "Grade A: systematic review, meta-analysis or regulatory label",
    "B": "Grade B: at least one randomised trial",
    "C": "Grade C: open-label trial, cohort, register or case series",
    "D": "Grade D: case report or expert opinion",
    "E": "Grade E: laboratory or animal study only",
    "-": "Unconfirmed: not checked against a source",
}
CERTAINTY_WORDS = {
    "moderate": "Moderate certainty",
    "low": "Low certainty",
    "very_low": "Very low certainty",
    "none": "No study found",
}
DIRECTION_WORDS = {
    "positive": "Benefit reported",
    "negative": "No benefit found",
    "mixed": "Mixed",
    "no_result": "No result yet",
}


@register.filter
def grade_label(grade):
    return "Unconfirmed" if grade == "-" else f"Grade {grade}"


@register.filter
def grade_words(grade):
    return GRADE_WORDS.get(grade, f"Grade {grade}")


@register.filter
def certainty_words(certainty):
    return CERTAINTY_WORDS.get(certainty, certainty)


@register.filter
def certainty_class(certainty):
    return _certainty_class(certainty)


@register.filter
def direction_words(direction):
    return DIRECTION_WORDS.get(direction, direction)


@register.filter
def study_class(study):
    """A positive randomised or systematic result reads as support; case reports,
    laboratory work, negative or empty trials as a warning; the rest as neutral."""
    if study.direction in ("negative", "no_result") or study.grade in ("D", "E", "-"):
        return "badge badge-warn"
    if study.direction == "positive" and study.grade in ("A", "B") and study.is_low_dose:
        return "badge badge-ok"
    return "badge"


@register.filter
def not_low_dose_tag(study):
    """Why a study is not LDN evidence, in two words, or ''."""
    if study.is_low_dose:
        return ""
    dose = study.dose.lower()
    if "topical" in dose:
        return "topical, not oral LDN"
    if "50 mg" in dose and "250" not in dose:
        return "50 mg, not low dose"
    return "not low dose"


@register.filter
def cite_url(study):
    return _cite_url(study)
