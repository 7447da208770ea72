"""Private calendar feeds: a secret URL per practitioner that Google, Apple or Outlook
subscribe to. Only the token's SHA-256 is stored (like API tokens); the URL is shown
once. A practitioner has at most one working feed: creating a new one revokes the old.

The feed holds the practitioner's appointments from FEED_PAST back to FEED_AHEAD ahead,
plus recently cancelled ones as CANCELLED so that subscribed calendars drop them.
Patients appear by initials and MRN only (ics.practitioner_feed)."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.scheduling.models import Appointment, AppointmentStatus, CalendarFeed

FEED_PAST = dt.timedelta(days=30)
FEED_AHEAD = dt.timedelta(days=180)
# Calendar apps refresh a subscription every few hours to a day; a cancellation stays
# in the feed this long so that every subscriber sees it and removes the event.
RECENTLY_CANCELLED = dt.timedelta(days=14)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def feed_url(raw: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("calendar_feed_ics", args=[raw])


def active_feed(membership) -> CalendarFeed | None:
    return membership.calendar_feeds.filter(revoked_at__isnull=True).first()


def _revoke(actor, feed, now, reason):
    feed.revoked_at = now
    feed.save(update_fields=["revoked_at"])
    record(
        Event.CALENDAR_FEED_REVOKED,
        actor,
        clinic_id=feed.practitioner.clinic_id,
        subject=feed,
        practitioner=feed.practitioner_id,
        reason=reason,
    )


@transaction.atomic
def do_create_calendar_feed(actor: Actor, membership, *, now=None) -> tuple[CalendarFeed, str]:
    """A new feed for `membership`, revoking any earlier one. Returns (feed, raw token);
    the raw token is not stored and cannot be shown again."""
    now = now or timezone.now()
    for old in membership.calendar_feeds.select_for_update().filter(revoked_at__isnull=True):
        _revoke(actor, old, now, "replaced")
    raw = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(practitioner=membership, token_hash=hash_token(raw))
    record(
        Event.CALENDAR_FEED_CREATED,
        actor,
        clinic_id=membership.clinic_id,
        subject=feed,
        practitioner=membership.pk,
    )
    return feed, raw


@transaction.atomic
def do_revoke_calendar_feeds(actor: Actor, membership, *, now=None) -> int:
    """Revoke `membership`'s feed(s); returns how many were working."""
    now = now or timezone.now()
    feeds = list(membership.calendar_feeds.select_for_update().filter(revoked_at__isnull=True))
    for feed in feeds:
        _revoke(actor, feed, now, "revoked")
    return len(feeds)


def feed_for_token(raw: str) -> CalendarFeed | None:
    """The working feed a URL token names: not revoked, of an active staff member."""
    if not raw or len(raw) > 100:
        return None
    return (
        CalendarFeed.objects.select_related("practitioner__user", "practitioner__clinic")
        .filter(
            token_hash=hash_token(raw),
            revoked_at__isnull=True,
            practitioner__is_active=True,
            practitioner__user__is_active=True,
        )
        .first()
    )


def feed_appointments(membership, now):
    """The practitioner's appointments for the feed, in one query (with the history
    count that ics uses as the event SEQUENCE)."""
    history = Appointment.history.model.objects.filter(id=OuterRef("pk"))
    history_count = Subquery(
        history.order_by().values("id").annotate(n=Count("*")).values("n"),
        output_field=IntegerField(),
    )
    shown = ~Q(status=AppointmentStatus.CANCELLED) | Q(cancelled_at__gte=now - RECENTLY_CANCELLED)
    return (
        Appointment.objects.filter(
            practitioner=membership,
            start__gte=now - FEED_PAST,
            start__lt=now + FEED_AHEAD,
        )
        .filter(shown)
        .select_related("patient", "service", "clinic", "location")
        .annotate(history_sequence=history_count)
        .order_by("start", "id")
    )


@transaction.atomic
def do_record_calendar_feed_read(actor: Actor, feed, *, appointments: int, now=None):
    """A calendar app fetched the feed: note when, and audit the read of patient data."""
    now = now or timezone.now()
    CalendarFeed.objects.filter(pk=feed.pk).update(last_read_at=now)
    feed.last_read_at = now
    record(
        Event.CALENDAR_FEED_READ,
        actor,
        clinic_id=feed.practitioner.clinic_id,
        subject=feed,
        practitioner=feed.practitioner_id,
        appointments=appointments,
    )
