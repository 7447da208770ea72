"""The public self-check, "Could LDN be right for me?": anonymous, stores nothing."""

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from ldnclinic.scheduling.public import take_hourly_attempt
from ldnclinic.screening.engine import evaluate
from ldnclinic.screening.forms import SelfCheckForm

# What the overall answer means, for a patient, in plain words; never a diagnosis.
VERDICTS = {
    "contraindicated": (
        "LDN is probably not safe for you at the moment",
        "Something in your answers rules LDN out for now. The reasons are below. This is "
        "not a diagnosis: a clinician can explain what it means for you and whether it "
        "may change.",
    ),
    "review": (
        "A clinician needs to look at this with you",
        "Some of your answers need a clinician's judgement before LDN could be considered. "
        "That is common; a consultation is the place to go through them.",
    ),
    "caution": (
        "LDN may be possible, with care",
        "Nothing in your answers rules LDN out, but some need care, such as a slower start "
        "or closer follow-up. The clinician will go through them with you.",
    ),
    "clear": (
        "Nothing in your answers rules LDN out",
        "That does not mean LDN will help or is right for you: the evidence for most skin "
        "conditions is limited, and only a consultation with a clinician can decide.",
    ),
}


@require_http_methods(["GET", "POST"])
def self_check(request):
    result = verdict = None
    status = 200
    if request.method == "POST":
        retry_after = take_hourly_attempt(request, "self-check", settings.SELF_CHECK_PER_HOUR)
        if retry_after is not None:
            response = render(
                request, "screening/self_check_limited.html", {"minutes": retry_after // 60 + 1}
            )
            response.status_code = 429
            response["Retry-After"] = str(retry_after)
            return response
        form = SelfCheckForm(request.POST)
        if form.is_valid():
            result = evaluate(form.facts(), procedures=["ldn"])
            verdict = VERDICTS[result.status]
        else:
            status = 400
    else:
        form = SelfCheckForm()
    return render(
        request,
        "screening/self_check.html",
        {"form": form, "result": result, "verdict": verdict},
        status=status,
    )
