"""The per-address hourly limit on the open (anonymous) API operations: signed-in staff are not
limited; anyone else gets a 429 in the house error shape with Retry-After once over."""

from django.conf import settings


def is_signed_in_staff(request) -> bool:
    """Staff of a clinic, by API token or a verified session. The open operations have no
    auth of their own (auth=None), so this authenticates by hand only to lift the limit."""
    from ldnclinic.accounts.access import current_membership
    from ldnclinic.accounts.middleware import needs_second_factor
    from ldnclinic.api import TokenAuth

    if request.headers.get("Authorization"):
        TokenAuth()(request)  # sets request.user when the token is valid
    elif needs_second_factor(request):
        return False
    return current_membership(request) is not None


def over_public_limit(request, scope: str, setting: str, default: int, noun="requests"):
    """None while `request` may go on, else the 429 response to return."""
    from ldnclinic.api import error_response
    from ldnclinic.scheduling.public import take_hourly_attempt

    if is_signed_in_staff(request):
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
