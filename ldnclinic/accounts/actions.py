"""State changes for users, clinics, staff and API tokens."""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from ldnclinic.accounts.models import ApiToken, Clinic, Location, Membership, Role, User
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.core import public_cache

CLINIC_FIELDS = (
    "name",
    "time_zone",
    "email",
    "phone",
    "website",
    "require_staff_2fa",
    "staff_idle_minutes",
    "mrn_prefix",
    "slot_step_minutes",
    "cancellation_window_hours",
    "reminder_offsets",
    "sms_reminders",
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


DUPLICATE_LOCATION = "This clinic already has a location with that name."


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
def do_create_clinic(
    actor: Actor, *, name, slug, time_zone, admin_email, admin_name, site_url, **values
) -> Membership:
    """A new tenant with its first clinic admin, who is emailed a set-password link."""
    clinic = Clinic(name=name.strip(), slug=slug.strip(), time_zone=time_zone)
    for field, value in values.items():
        if field not in CLINIC_FIELDS:
            raise ValidationError({field: ["Unknown field."]})
        setattr(clinic, field, value)
    clinic.full_clean()
    clinic.save()
    record(
        Event.CLINIC_CREATED,
        actor,
        clinic=clinic,
        subject=clinic,
        after=model_to_dict(clinic, fields=CLINIC_FIELDS),
    )
    return do_add_staff(
        actor,
        clinic,
        email=admin_email,
        full_name=admin_name,
        role=Role.ADMIN,
        site_url=site_url,
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
        # The public site shows the clinic's name and contact details.
        transaction.on_commit(public_cache.bump)
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
    # Django reports the (clinic, name) constraint as an error on the whole form; this
    # names the field, and "main" next to "Main" is a duplicate too.
    if (
        Location.objects.filter(clinic=clinic, name__iexact=location.name)
        .exclude(pk=location.pk)
        .exists()
    ):
        raise ValidationError({"name": [DUPLICATE_LOCATION]})
    location.full_clean()
    old, new = _changes(before, model_to_dict(location, fields=LOCATION_FIELDS))
    if new:
        try:
            with transaction.atomic():
                location.save()
        except IntegrityError:  # the same name saved by someone else a moment ago
            raise ValidationError({"name": [DUPLICATE_LOCATION]}) from None
        event = Event.LOCATION_CREATED if creating else Event.LOCATION_UPDATED
        record(event, actor, clinic=clinic, subject=location, before=old, after=new)
        transaction.on_commit(public_cache.bump)
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
    reactivated = reactivate_user(user)
    record(
        Event.STAFF_ADDED,
        actor,
        clinic=clinic,
        subject=membership,
        email=email,
        role=role,
        **({"user_reactivated": True} if reactivated else {}),
    )
    if invited:
        transaction.on_commit(lambda: send_account_invite(user, clinic, site_url))
    return membership


def reactivate_user(user) -> bool:
    """A login switched off when it lost its last clinic comes back with a new one.
    Its API tokens stay revoked."""
    if user.is_active:
        return False
    user.is_active = True
    user.save(update_fields=["is_active"])
    return True


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
    # Two admins demoting each other at once must not both pass the check below.
    Clinic.objects.select_for_update().filter(pk=membership.clinic_id).first()
    _ensure_an_admin_remains(membership, role, is_active)
    before = model_to_dict(membership, fields=("role", "title", "is_active"))
    membership.role, membership.title, membership.is_active = role, title.strip(), is_active
    membership.full_clean()
    old, new = _changes(before, model_to_dict(membership, fields=("role", "title", "is_active")))
    if not new:
        return membership
    membership.save()
    extra = {}
    if "is_active" in new:
        event = Event.STAFF_REACTIVATED if is_active else Event.STAFF_DEACTIVATED
        if is_active and reactivate_user(membership.user):
            extra["user_reactivated"] = True
        if not is_active:
            # Tokens made for this clinic would only answer 404s from now on.
            extra["tokens_revoked"] = ApiToken.objects.filter(
                user=membership.user, clinic=membership.clinic, revoked_at__isnull=True
            ).update(revoked_at=timezone.now())
    else:
        event = Event.STAFF_CHANGED
    record(
        event, actor, clinic=membership.clinic, subject=membership, before=old, after=new, **extra
    )
    if not is_active:
        deactivate_user_if_orphaned(actor, membership.user, membership.clinic)
    return membership


def deactivate_user_if_orphaned(actor, user, clinic):
    """A login with no clinic and no patient record left is switched off, which ends
    all of its sessions (Django refuses inactive users on every request)."""
    if user.memberships.filter(is_active=True).exists():
        return
    if user.patient_records.filter(is_active=True).exists():
        return
    do_deactivate_user(actor, user, clinic=clinic)


def _end_sessions(user):
    """Delete the user's stored sessions. Django already refuses an inactive user's
    session, but a session left in place would come back to life if the user were
    reactivated. Sessions are not indexed by user; deactivation is rare enough to scan."""
    engine = import_module(settings.SESSION_ENGINE)
    if not hasattr(engine.SessionStore, "get_model_class"):
        return
    sessions = engine.SessionStore.get_model_class().objects.filter(expire_date__gt=timezone.now())
    user_id = str(user.pk)
    stale = [
        session.pk
        for session in sessions.iterator()
        if str(session.get_decoded().get(SESSION_KEY)) == user_id
    ]
    sessions.filter(pk__in=stale).delete()


@transaction.atomic
def do_deactivate_user(actor: Actor, user: User, clinic=None):
    if not user.is_active:
        return user
    user.is_active = False
    user.save(update_fields=["is_active"])
    _end_sessions(user)
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
