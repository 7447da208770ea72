"""The per-address hourly limit on the open (anonymous) API operations: signed-in staff are not
limited; anyone else gets a 429 in the house error shape with Retry-After once over."""

from django.conf import settings


def over_public_limit(request, scope: str, setting: str, default: int, noun="requests"):
    """None while `request` may go on, else the 429 response to return."""
    from ldnclinic.api import error_response
    from ldnclinic.scheduling.public import take_hourly_attempt
    from ldnclinic.screening.api import _is_staff

    if _is_staff(request):
        return None
    limit = getattr(settings, setting, default)
    retry_after = take_hourly_attempt(request, scope, limit)
    if retry_after is None:
        return None
    minutes = -(-retry_after // 60)
    response = error_response(
        request, f"Too many {noun} from this address. Try again in {minutes} minutes.", 429
    )
    response["Retry-After"] = str(retry_after)
    return response
