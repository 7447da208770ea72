"""Whether LDN may be prescribed, as the safety screen stands: the one function that
prescribing asks. Only the latest LDN screening counts; its reviews are its own."""

from ldnclinic.screening.models import ReviewKind, Screening

NOT_SCREENED = {
    "rule": "screening.none",
    "title": "No safety screen has been run",
    "severity": "review",
    "reason": "Run the safety screen before prescribing.",
}

# What review each severity needs before prescribing; info needs none.
NEEDS = {
    "contraindicated": ReviewKind.OVERRIDE,
    "review": ReviewKind.ACKNOWLEDGE,
    "caution": ReviewKind.ACKNOWLEDGE,
}


def latest_ldn_screening(patient):
    for screening in Screening.objects.filter(patient=patient).order_by("-created_at", "-id"):
        if "ldn" in screening.procedures:
            return screening
    return None


def unreviewed(screening, *, procedure="ldn"):
    """The findings of `screening` for `procedure` still waiting for their review."""
    done = {(r.rule, r.kind) for r in screening.reviews.all()}
    return [
        finding
        for finding in screening.findings
        if procedure in finding["applies_to"]
        and finding["severity"] in NEEDS
        and (finding["rule"], NEEDS[finding["severity"]]) not in done
    ]


def blocking_findings(patient) -> list:
    """What stands between this patient and an LDN prescription: the latest screening's
    contraindications without an override and its cautions and reviews (the incomplete
    screen among them) without an acknowledgement. Never screened blocks too."""
    screening = latest_ldn_screening(patient)
    if screening is None:
        return [NOT_SCREENED]
    return unreviewed(screening)


def may_prescribe(patient) -> bool:
    return not blocking_findings(patient)
