"""Signed links a patient gets by email, usable without logging in.

A manage link names the appointment and its current `manage_nonce`; rescheduling or
cancelling changes the nonce, so an old link stops working. Links also expire when the
appointment starts (and never last more than MANAGE_LINK_MAX_AGE)."""

import datetime as dt

from django.core import signing
from django.urls import reverse
from django.utils import timezone

MANAGE_SALT = "ldnclinic.scheduling.manage"
OFFER_SALT = "ldnclinic.scheduling.waitlist-offer"
MANAGE_LINK_MAX_AGE = dt.timedelta(days=400)


class LinkInvalid(Exception):
    """The link is unreadable, expired or already used; str() says which, for the patient."""


class LinkExpired(LinkInvalid):
    """The link was valid once but its time is up (a page answers 410 rather than 404)."""


def manage_token(appointment):
    return signing.dumps({"a": appointment.pk, "n": appointment.manage_nonce}, salt=MANAGE_SALT)


def manage_path(appointment):
    return reverse("booking-manage", args=[manage_token(appointment)])


def appointment_for_token(token, *, now=None):
    """The appointment a manage token names; raises LinkInvalid."""
    from ldnclinic.scheduling.models import Appointment

    now = now or timezone.now()
    try:
        data = signing.loads(token, salt=MANAGE_SALT, max_age=MANAGE_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise LinkExpired("This link has expired.") from None
    except signing.BadSignature:
        raise LinkInvalid("This link is not valid. Check that it was copied whole.") from None
    appointment = (
        Appointment.objects.select_related("clinic", "service", "location", "patient")
        .filter(pk=data.get("a"))
        .first()
    )
    if appointment is None:
        raise LinkInvalid("This link is not valid. Check that it was copied whole.")
    if appointment.manage_nonce != data.get("n"):
        raise LinkExpired(
            "This link was replaced: the appointment changed since it was sent. "
            "Use the link in the most recent email."
        )
    if appointment.start <= now:
        raise LinkExpired("This appointment has already started; the link has expired.")
    return appointment


def offer_token(offer):
    return signing.dumps({"o": offer.pk, "n": offer.nonce}, salt=OFFER_SALT)


def offer_for_token(token, *, now=None):
    """The waitlist offer a token names; raises LinkInvalid."""
    from ldnclinic.scheduling.models import WaitlistOffer

    now = now or timezone.now()
    try:
        data = signing.loads(token, salt=OFFER_SALT, max_age=MANAGE_LINK_MAX_AGE)
    except signing.BadSignature:
        raise LinkInvalid("This link is not valid. Check that it was copied whole.") from None
    offer = (
        WaitlistOffer.objects.select_related("entry__clinic", "entry__service", "entry__patient")
        .filter(pk=data.get("o"), nonce=data.get("n"))
        .first()
    )
    if offer is None:
        raise LinkInvalid("This link is not valid. Check that it was copied whole.")
    if offer.expires_at <= now:
        raise LinkExpired("This offer has expired.")
    return offer
