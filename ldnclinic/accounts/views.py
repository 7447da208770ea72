import base64
import datetime
import io

import qrcode
import qrcode.image.svg
from axes.helpers import get_client_username
from axes.utils import reset as reset_sign_in_failures
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ldnclinic.accounts import actions
from ldnclinic.accounts.access import (
    current_membership,
    forget_membership,
    is_patient_user,
    login_required_404,
    require_staff,
    staff_memberships,
    staff_required,
)
from ldnclinic.accounts.client_ip import client_ip
from ldnclinic.accounts.forms import (
    AddStaffForm,
    ApiTokenForm,
    ChangeStaffForm,
    ClinicForm,
    LocationForm,
    LoginForm,
    PasswordConfirmForm,
    PasswordResetForm,
    ProfileForm,
    SwitchClinicForm,
    TokenForm,
)
from ldnclinic.accounts.middleware import IdleTimeoutMiddleware, two_factor_verify_url
from ldnclinic.accounts.models import ApiToken, Location, Membership, Role
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record, record_security_event
from ldnclinic.core.forms import add_action_errors

ADMIN_ONLY = (Role.ADMIN,)
BAD_LOGIN = "The email or password is not correct."
LOCKED_OUT = (
    "Too many failed sign-in attempts. Sign-in is paused for {minutes} minutes; "
    "try again later or reset your password."
)


def _safe_next(request, fallback="home"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(fallback)


def lockout_response(request, original_response=None, credentials=None):
    """django-axes calls this when a lock applies. The same words whether or not the
    email exists, so a lock does not reveal accounts."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    email = get_client_username(request, credentials) or ""
    record(Event.LOGIN_LOCKED_OUT, Actor.from_request(request), email=email[:254])
    form = LoginForm(initial={"email": email})
    context = {"form": form, "error": LOCKED_OUT.format(minutes=minutes), "next": ""}
    return render(request, "accounts/login.html", context, status=429)


@sensitive_post_parameters("password")
def login_view(request):
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request))
    if request.session.pop(IdleTimeoutMiddleware.NOTICE_KEY, False):
        messages.info(request, "You were signed out after a period of inactivity.")
    form = LoginForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        # Keyed `email`, the user model's USERNAME_FIELD: django-axes reads the email from
        # that key both when it checks a lock and when it counts a failure. Passed as
        # `username`, failures were counted per address only and a lock never stopped
        # the right password.
        user = authenticate(request, email=email, password=form.cleaned_data["password"])
        if user is None:
            record(Event.LOGIN_FAILED, Actor.from_request(request), email=email[:254])
            error = BAD_LOGIN
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            record_security_event(request, Event.LOGIN_SUCCEEDED)
            if user_has_device(user, confirmed=True):
                return redirect(two_factor_verify_url(_safe_next(request)))
            return redirect(_safe_next(request))
    # A mistyped password must not lose the page the user was going to.
    next_url = request.POST.get("next") or request.GET.get("next", "")
    context = {"form": form, "error": error, "next": next_url}
    return render(request, "accounts/login.html", context, status=400 if error else 200)


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        record_security_event(request, Event.LOGOUT)
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("login")


@login_required_404
def home(request):
    if staff_memberships(request.user).exists():
        return redirect("patient_list")
    if is_patient_user(request.user):
        return redirect("portal")
    return render(request, "accounts/no_access.html", status=403)


@login_required_404
def portal(request):
    records = request.user.patient_records.filter(is_active=True).select_related("clinic")
    return render(request, "accounts/portal.html", {"records": records})


@require_POST
@login_required_404
def switch_clinic(request):
    form = SwitchClinicForm(request.POST)
    membership = None
    if form.is_valid():
        chosen = form.cleaned_data["clinic"]
        membership = staff_memberships(request.user).filter(clinic_id=chosen).first()
    if membership is None:
        messages.error(request, "You are not on that clinic's staff.")
    else:
        request.session["clinic_id"] = membership.clinic_id
        forget_membership(request)
        messages.success(request, f"Now working in {membership.clinic.name}.")
    return redirect("home")


# Two-factor login -------------------------------------------------------------------


@login_required_404
def two_factor_verify(request):
    if request.user.is_verified() or not user_has_device(request.user, confirmed=True):
        return redirect(_safe_next(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["otp_token"].strip())
        if device is None:
            record_security_event(request, Event.TWO_FACTOR_FAILED)
            form.add_error("otp_token", "That code is not valid. Try the current code.")
        else:
            otp_login(request, device)
            record_security_event(request, Event.TWO_FACTOR_VERIFIED)
            return redirect(_safe_next(request))
    status = 400 if form.errors else 200
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next": request.GET.get("next", "")},
        status=status,
    )


def _qr_data_uri(text):
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@login_required_404
def two_factor_setup(request):
    user = request.user
    if user_has_device(user, confirmed=True) and not request.user.is_verified():
        return redirect("two_factor_verify")
    if user_has_device(user, confirmed=True):
        return redirect("account")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["otp_token"].strip()):
            with transaction.atomic():
                device.confirmed = True
                device.save()
                backup = StaticDevice.objects.create(user=user, name="Backup codes")
                codes = [StaticToken.random_token() for _ in range(10)]
                for code in codes:
                    backup.token_set.create(token=code)
                otp_login(request, device)
                record_security_event(request, Event.TWO_FACTOR_ENABLED)
            return render(request, "accounts/two_factor_codes.html", {"codes": codes})
        form.add_error("otp_token", "That code is not valid. Check the time on your phone.")
    secret = base64.b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr": _qr_data_uri(device.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "required": any(m.clinic.require_staff_2fa for m in staff_memberships(user)),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@require_POST
@login_required_404
def two_factor_disable(request):
    if user_has_device(request.user, confirmed=True) and not request.user.is_verified():
        # The password alone must never remove the second factor.
        return redirect("two_factor_verify")
    form = PasswordConfirmForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, "Two-factor login was not turned off: the password is wrong.")
        return redirect("account")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=request.user).delete()
        StaticDevice.objects.filter(user=request.user).delete()
        record_security_event(request, Event.TWO_FACTOR_DISABLED)
    messages.success(request, "Two-factor login is off.")
    return redirect("account")


# The user's own account -------------------------------------------------------------


@login_required_404
def account(request):
    user = request.user
    profile_form = ProfileForm(request.POST or None, initial={"full_name": user.full_name})
    if request.method == "POST" and profile_form.is_valid():
        actions.do_update_profile(Actor.from_request(request), user, **profile_form.cleaned_data)
        messages.success(request, "Saved.")
        return redirect("account")
    context = {
        "profile_form": profile_form,
        "token_form": ApiTokenForm(),
        "tokens": user.api_tokens.select_related("clinic"),
        "has_2fa": user_has_device(user, confirmed=True),
        "password_form": PasswordConfirmForm(user=user),
    }
    return render(request, "accounts/account.html", context)


@require_POST
@login_required_404
def api_token_create(request):
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The token was not created: give it a name (and a valid expiry).")
        return redirect("account")
    days = form.cleaned_data["expires_in_days"]
    # The clinic the user is working in now, the one they switched to if they did.
    membership = current_membership(request)
    token, raw = actions.do_create_api_token(
        Actor.from_request(request),
        request.user,
        name=form.cleaned_data["name"],
        clinic=membership.clinic if membership else None,
        read_only=form.cleaned_data["read_only"],
        expires_at=timezone.now() + datetime.timedelta(days=days) if days else None,
    )
    # Rendered, not redirected: the raw token must never be stored in the session.
    return render(request, "accounts/token_created.html", {"token": token, "raw": raw})


@require_POST
@login_required_404
def api_token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    actions.do_revoke_api_token(Actor.from_request(request), token)
    messages.success(request, f"Revoked {token.name}.")
    return redirect("account")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("account")

    def form_valid(self, form):
        response = super().form_valid(form)
        # The new hash ends every other session of this user; this one is kept.
        update_session_auth_hash(self.request, form.user)
        record_security_event(self.request, Event.PASSWORD_CHANGED)
        messages.success(self.request, "Password changed. Your other sessions were signed out.")
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    html_email_template_name = "accounts/email/password_reset.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"

    def form_valid(self, form):
        record(
            Event.PASSWORD_RESET_REQUESTED,
            Actor.from_request(self.request),
            email=form.cleaned_data["email"][:254],
        )
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        actor = Actor(user=form.user, ip=client_ip(self.request), via="web")
        record(Event.PASSWORD_RESET_COMPLETED, actor)
        # The lock page tells a locked-out user to reset their password; proving control
        # of the mailbox lifts the lock on that email.
        reset_sign_in_failures(username=form.user.email)
        return response


# Clinic administration --------------------------------------------------------------


@staff_required(roles=ADMIN_ONLY)
def clinic_settings(request):
    clinic = require_staff(request, ADMIN_ONLY).clinic
    form = ClinicForm(request.POST or None, instance=clinic)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_clinic(Actor.from_request(request), clinic, **form.cleaned_data)
        except ValidationError as error:
            add_action_errors(form, error)
            clinic.refresh_from_db()
        else:
            messages.success(request, "Clinic settings saved.")
            return redirect("clinic_settings")
    context = {"form": form, "clinic": clinic, "locations": clinic.locations.all()}
    return render(request, "accounts/clinic_settings.html", context)


@staff_required(roles=ADMIN_ONLY)
def location_edit(request, pk=None):
    clinic = require_staff(request, ADMIN_ONLY).clinic
    location = get_object_or_404(Location, pk=pk, clinic=clinic) if pk else None
    form = LocationForm(request.POST or None, instance=location)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_save_location(
                Actor.from_request(request), clinic, location, **form.cleaned_data
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, "Location saved.")
            return redirect("clinic_settings")
    return render(request, "accounts/location_form.html", {"form": form, "location": location})


@staff_required(roles=ADMIN_ONLY)
def staff_list(request):
    membership = require_staff(request, ADMIN_ONLY)
    form = AddStaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = actions.do_add_staff(
                Actor.from_request(request),
                membership.clinic,
                site_url=request.build_absolute_uri("/").rstrip("/"),
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, f"Added {added.user.email} as {added.get_role_display()}.")
            return redirect("staff_list")
    members = (
        membership.clinic.memberships.select_related("user")
        .annotate(has_2fa=Exists(TOTPDevice.objects.filter(user=OuterRef("user"), confirmed=True)))
        .order_by("-is_active", "user__email")
    )
    return render(request, "accounts/staff_list.html", {"form": form, "members": members})


@staff_required(roles=ADMIN_ONLY)
def staff_edit(request, pk):
    clinic = require_staff(request, ADMIN_ONLY).clinic
    member = get_object_or_404(Membership.objects.select_related("user"), pk=pk, clinic=clinic)
    initial = {"role": member.role, "title": member.title, "is_active": member.is_active}
    form = ChangeStaffForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_change_staff(Actor.from_request(request), member, **form.cleaned_data)
        except ValidationError as error:
            add_action_errors(form, error)
            member.refresh_from_db()
        else:
            messages.success(request, f"Saved {member.user.email}.")
            return redirect("staff_list")
    return render(request, "accounts/staff_edit.html", {"form": form, "member": member})
