"""The JSON API root: authentication, error shape and the routers of each app."""

import datetime
import math

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth
from pydantic import ConfigDict

from ldnclinic.accounts.access import forget_membership
from ldnclinic.accounts.middleware import needs_second_factor
from ldnclinic.accounts.models import ApiToken
from ldnclinic.scheduling.actions import SlotTaken


class StrictSchema(Schema):
    """Input schemas reject fields they do not know."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ErrorOut(Schema):
    error: str
    fields: dict[str, str] = {}


# The 4xx answers an operation documents, all in the ErrorOut shape.
ERRORS = frozenset({400, 401, 403, 404, 422})


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        api_token = ApiToken.find(token)
        if api_token is None:
            return None
        request.user = api_token.user
        request.api_token = api_token
        # Middleware looked up the staff membership before this request had a user.
        forget_membership(request)
        now = timezone.now()
        # Recording every use would add a write per request; a minute's precision is enough.
        if api_token.last_used_at is None or now - api_token.last_used_at > datetime.timedelta(
            minutes=1
        ):
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        return api_token.user


class VerifiedSessionAuth(SessionAuth):
    """The browser's session, once any second factor it owes is done (CSRF-checked)."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is None or needs_second_factor(request):
            return None
        return user


api = NinjaAPI(
    title="ldnclinic API",
    version="1",
    description=(
        "JSON API for ldnclinic. Authenticate with a personal access token "
        "(`Authorization: Bearer ldn_…`, created on your account page) or, from the "
        "browser, the session cookie with a CSRF token. Errors are "
        '`{"error": "...", "fields": {...}}` with a 4xx status.'
    ),
    auth=[TokenAuth(), VerifiedSessionAuth()],
    urls_namespace="api",
    docs_url="/docs",
)


def error_response(request, message, status, fields=None):
    return api.create_response(request, {"error": message, "fields": fields or {}}, status=status)


def _field_name(loc):
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path")]
    return ".".join(parts) or "body"


def _message(error):
    if error.get("type") == "extra_forbidden":
        return "Unknown field."
    if _field_name(error.get("loc", ())) == "body":
        return "Send a JSON object."
    return error.get("msg", "Invalid value.")


@api.exception_handler(NinjaValidationError)
def on_schema_error(request, exc):
    fields = {}
    for error in exc.errors:
        fields.setdefault(_field_name(error.get("loc", ())), _message(error))
    first = next(iter(fields.items()), ("body", "Invalid request."))
    # A bad query string or path is a bad request; a body that parses but does not fit
    # the schema is unprocessable.
    in_url = all((error.get("loc") or ("",))[0] in ("query", "path") for error in exc.errors)
    return error_response(request, f"{first[0]}: {first[1]}", 400 if in_url else 422, fields)


@api.exception_handler(DjangoValidationError)
def on_action_error(request, exc):
    if hasattr(exc, "error_dict"):
        fields = {k: " ".join(v) for k, v in exc.message_dict.items()}
        first = next(iter(fields.items()))
        return error_response(request, f"{first[0]}: {first[1]}", 422, fields)
    return error_response(request, " ".join(exc.messages), 422)


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return error_response(request, "Authentication required: send a valid API token.", 401)


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    message = str(exc)
    if message.startswith("Cannot parse request body"):
        message = "The request body is not valid JSON."
    return error_response(request, message, exc.status_code)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error_response(request, "Not found.", 404)


@api.exception_handler(SlotTaken)
def on_slot_taken(request, exc):
    body = {
        "error": "That time has just been taken; here are the next free ones.",
        "fields": {"start": "Taken."},
        "next_slots": [
            {
                "start": s.start.astimezone(exc.tz),
                "end": s.end.astimezone(exc.tz),
                "practitioner": s.practitioner_id,
            }
            for s in exc.next_slots
        ],
    }
    return api.create_response(request, body, status=409)


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return error_response(request, str(exc) or "You may not do this.", 403)


class Page(Schema):
    count: int
    page: int
    pages: int
    page_size: int


def paginate(queryset, page: int, page_size: int | None):
    """Slice a queryset into one page; returns (items, Page)."""
    size = min(max(page_size or settings.API_PAGE_SIZE, 1), settings.API_MAX_PAGE_SIZE)
    count = queryset.count()
    pages = max(math.ceil(count / size), 1)
    if page < 1 or page > pages:
        raise HttpError(400, f"page must be between 1 and {pages}.")
    start = (page - 1) * size
    return list(queryset[start : start + size]), Page(
        count=count, page=page, pages=pages, page_size=size
    )


def _register_routers():
    from ldnclinic.accounts.api import router as accounts_router
    from ldnclinic.diary.api import router as diary_router
    from ldnclinic.evidence.api import router as evidence_router
    from ldnclinic.intake.api import router as intake_router
    from ldnclinic.outcomes.api import router as outcomes_router
    from ldnclinic.outcomes.api_assessments import router as assessments_router
    from ldnclinic.patients.api import router as patients_router
    from ldnclinic.pharmacology.api import router as pharmacology_router
    from ldnclinic.photos.api import router as photos_router
    from ldnclinic.plans.api import router as plans_router
    from ldnclinic.plans.api_preview import router as plan_preview_router
    from ldnclinic.prescriptions.api import router as prescriptions_router
    from ldnclinic.protocols.api import router as protocols_router
    from ldnclinic.scheduling.api import router as scheduling_router
    from ldnclinic.scheduling.api_public import router as public_booking_router
    from ldnclinic.screening.api import router as screening_router
    from ldnclinic.screening.api_results import router as screening_results_router
    from ldnclinic.series.api import router as series_router

    api.add_router("/", accounts_router)
    api.add_router("/patients", patients_router)
    api.add_router("/", scheduling_router)
    api.add_router("/", public_booking_router)
    api.add_router("/", screening_router)
    api.add_router("/", intake_router)
    api.add_router("/", screening_results_router)
    api.add_router("/", plan_preview_router)
    api.add_router("/", protocols_router)
    api.add_router("/", plans_router)
    api.add_router("/", prescriptions_router)
    api.add_router("/", series_router)
    api.add_router("/", outcomes_router)
    api.add_router("/", diary_router)
    api.add_router("/", assessments_router)
    api.add_router("/", photos_router)
    api.add_router("/", evidence_router)
    api.add_router("/", pharmacology_router)


_register_routers()
