"""The access gate for clinic-level things. Patient records have their own helpers in
patients.access, built on these. Not allowed to see = 404; may see but not change = 403."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404

from ldnclinic.accounts.models import Membership, Role

WRITE_ROLES = (Role.ADMIN, Role.CLINICIAN, Role.FRONT_DESK)
CLINICAL_ROLES = (Role.ADMIN, Role.CLINICIAN)

_CACHE = "_ldn_membership"
_ALL = "_ldn_memberships"


def staff_memberships(user):
    if user is None or not user.is_authenticated or not user.is_active:
        return Membership.objects.none()
    return user.memberships.filter(is_active=True).select_related("clinic")


def request_memberships(request) -> list[Membership]:
    """The request user's active staff memberships, loaded once per request (the
    middleware, the gate and the navigation all ask). Keyed by user, because API token
    authentication swaps the user after the middleware has run."""
    user = getattr(request, "user", None)
    key = getattr(user, "pk", None)
    cached = getattr(request, _ALL, None)
    if cached is None or cached[0] != key:
        memberships = list(staff_memberships(user).order_by("clinic__name", "id"))
        cached = (key, memberships)
        setattr(request, _ALL, cached)
    return cached[1]


def current_membership(request) -> Membership | None:
    """The staff membership this request acts under: the API token's clinic, else the
    clinic chosen in the session, else the user's first clinic."""
    key = getattr(getattr(request, "user", None), "pk", None)
    cached = getattr(request, _CACHE, None)
    if cached is not None and cached[0] == key:
        return cached[1]
    memberships = request_memberships(request)
    token = getattr(request, "api_token", None)
    if token is not None and token.clinic_id is not None:
        memberships = [m for m in memberships if m.clinic_id == token.clinic_id]
    chosen = None
    session = getattr(request, "session", None)
    if token is None and session is not None and session.get("clinic_id"):
        chosen = next((m for m in memberships if m.clinic_id == session["clinic_id"]), None)
    membership = chosen or (memberships[0] if memberships else None)
    setattr(request, _CACHE, (key, membership))
    return membership


def forget_membership(request):
    for name in (_CACHE, _ALL):
        if hasattr(request, name):
            delattr(request, name)


def require_staff(request, roles=None) -> Membership:
    """The request's membership, or 404 for non-staff and 403 for the wrong role."""
    membership = current_membership(request)
    if membership is None:
        raise Http404("Not found")
    if roles is not None and membership.role not in roles:
        raise PermissionDenied("Your role does not allow this.")
    return membership


def require_write(request):
    token = getattr(request, "api_token", None)
    if token is not None and token.read_only:
        raise PermissionDenied("This API token is read-only.")


def staff_required(roles=None):
    """View decorator: a logged-in staff member of the current clinic, with one of `roles`."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require_staff(request, roles)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def login_required_404(view):
    """Logged-in users only; the view itself decides what they may see."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def is_patient_user(user):
    return user.is_authenticated and user.patient_records.filter(is_active=True).exists()
