"""State changes for users, clinics, staff and API tokens."""

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.forms.models import model_to_dict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from ldnclinic.accounts.models import ApiToken, Clinic, Location, Membership, Role, User
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record

CLINIC_FIELDS = (
    "name",
    "time_zone",
    "email",
    "phone",
    "website",
    "require_staff_2fa",
    "staff_idle_minutes",
    "mrn_prefix",
)
LOCATION_FIELDS = (
    "name",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "country",
    "phone",
    "is_active",
)


def _changes(before: dict, after: dict):
    changed = sorted(k for k in after if after[k] != before.get(k))
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


def set_password_url(user, site_url):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return site_url + reverse("password_reset_confirm", args=[uid, token])


def send_account_invite(user, clinic, site_url, *, as_patient=False):
    context = {
        "user": user,
        "clinic": clinic,
        "url": set_password_url(user, site_url),
        "as_patient": as_patient,
    }
    send_mail(
        subject=f"Your {clinic.name} account",
        message=render_to_string("accounts/email/invite.txt", context),
        html_message=render_to_string("accounts/email/invite.html", context),
        from_email=None,
        recipient_list=[user.email],
    )


@transaction.atomic
def do_update_clinic(actor: Actor, clinic: Clinic, **values) -> Clinic:
    before = model_to_dict(clinic, fields=CLINIC_FIELDS)
    for name, value in values.items():
        if name not in CLINIC_FIELDS:
            raise ValidationError({name: ["Unknown field."]})
        setattr(clinic, name, value)
    clinic.full_clean()
    old, new = _changes(before, model_to_dict(clinic, fields=CLINIC_FIELDS))
    if new:
        clinic.save()
        record(Event.CLINIC_UPDATED, actor, clinic=clinic, subject=clinic, before=old, after=new)
    return clinic


@transaction.atomic
def do_save_location(actor: Actor, clinic: Clinic, location: Location | None, **values):
    creating = location is None
    location = location or Location(clinic=clinic)
    before = {} if creating else model_to_dict(location, fields=LOCATION_FIELDS)
    for name, value in values.items():
        if name not in LOCATION_FIELDS:
            raise ValidationError({name: ["Unknown field."]})
        setattr(location, name, value)
    location.full_clean()
    old, new = _changes(before, model_to_dict(location, fields=LOCATION_FIELDS))
    if new:
        location.save()
        event = Event.LOCATION_CREATED if creating else Event.LOCATION_UPDATED
        record(event, actor, clinic=clinic, subject=location, before=old, after=new)
    return location


@transaction.atomic
def do_add_staff(
    actor: Actor, clinic: Clinic, *, email, full_name, role, title="", site_url=""
) -> Membership:
    email = User.objects.normalize_email(email).strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    invited = user is None
    if invited:
        user = User(email=email, full_name=full_name.strip())
        user.set_unusable_password()
        user.full_clean()
        user.save()
    elif Membership.objects.filter(user=user, clinic=clinic).exists():
        raise ValidationError({"email": ["This person is already on the clinic's staff."]})
    membership = Membership(user=user, clinic=clinic, role=role, title=title.strip())
    membership.full_clean()
    membership.save()
    record(Event.STAFF_ADDED, actor, clinic=clinic, subject=membership, email=email, role=role)
    if invited:
        transaction.on_commit(lambda: send_account_invite(user, clinic, site_url))
    return membership


def _ensure_an_admin_remains(membership, new_role, new_active):
    if membership.role != Role.ADMIN or (new_role == Role.ADMIN and new_active):
        return
    others = Membership.objects.filter(
        clinic=membership.clinic, role=Role.ADMIN, is_active=True
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise ValidationError("A clinic needs at least one active clinic admin.")


@transaction.atomic
def do_change_staff(actor: Actor, membership: Membership, *, role, title, is_active):
    _ensure_an_admin_remains(membership, role, is_active)
    before = model_to_dict(membership, fields=("role", "title", "is_active"))
    membership.role, membership.title, membership.is_active = role, title.strip(), is_active
    membership.full_clean()
    old, new = _changes(before, model_to_dict(membership, fields=("role", "title", "is_active")))
    if not new:
        return membership
    membership.save()
    if "is_active" in new:
        event = Event.STAFF_REACTIVATED if is_active else Event.STAFF_DEACTIVATED
    else:
        event = Event.STAFF_CHANGED
    record(event, actor, clinic=membership.clinic, subject=membership, before=old, after=new)
    if not is_active:
        _deactivate_user_if_orphaned(actor, membership.user, membership.clinic)
    return membership


def _deactivate_user_if_orphaned(actor, user, clinic):
    """A login with no clinic and no patient record left is switched off, which ends
    all of its sessions (Django refuses inactive users on every request)."""
    if user.memberships.filter(is_active=True).exists():
        return
    if user.patient_records.filter(is_active=True).exists():
        return
    do_deactivate_user(actor, user, clinic=clinic)


@transaction.atomic
def do_deactivate_user(actor: Actor, user: User, clinic=None):
    if not user.is_active:
        return user
    user.is_active = False
    user.save(update_fields=["is_active"])
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    record(Event.USER_DEACTIVATED, actor, clinic=clinic, subject=user, email=user.email)
    return user


@transaction.atomic
def do_create_api_token(
    actor: Actor, user: User, *, name, clinic=None, read_only=False, expires_at=None
) -> tuple[ApiToken, str]:
    raw, digest = ApiToken.generate()
    token = ApiToken(
        user=user,
        clinic=clinic,
        name=name.strip(),
        token_hash=digest,
        lookup_prefix=raw[:12],
        read_only=read_only,
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    record(
        Event.TOKEN_CREATED,
        actor,
        clinic=clinic,
        subject=token,
        name=token.name,
        read_only=read_only,
    )
    return token, raw


@transaction.atomic
def do_revoke_api_token(actor: Actor, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(Event.TOKEN_REVOKED, actor, clinic=token.clinic, subject=token, name=token.name)
    return token


@transaction.atomic
def do_update_profile(actor: Actor, user: User, *, full_name):
    user.full_name = full_name.strip()
    user.full_clean()
    user.save(update_fields=["full_name"])
    return user
