"""Evidence grades on the protocol pages: a badge class and words for each grade."""

from django import template

register = template.Library()

GRADE_WORDS = {
    "A": "Grade A: systematic review or regulatory label",
    "B": "Grade B: at least one randomised trial",
    "C": "Grade C: open-label, cohort or case series",
    "D": "Grade D: case reports or expert opinion",
    "E": "Grade E: laboratory or animal studies only",
    "gap": "No study found",
    "—": "Unconfirmed",
}


@register.filter
def certainty_class(certainty):
    """The colour says how far the evidence supports the use, so a grade B trial that
    found no benefit does not look like good news."""
    if certainty == "moderate":
        return "badge badge-ok"
    if certainty == "low":
        return "badge"
    return "badge badge-warn"


@register.filter
def grade_words(grade):
    return GRADE_WORDS.get(grade, f"Grade {grade}")


@register.filter
def grade_short(grade):
    return {"gap": "No study", "—": "Unconfirmed"}.get(grade, f"Grade {grade}")


@register.filter
def certainty_words(certainty):
    return certainty if certainty == "no evidence" else f"{certainty} certainty"
