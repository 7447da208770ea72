"""Calendar feed pages: a staff member manages their own feed (current clinic), and
calendar apps fetch `/feeds/<token>.ics` without a login."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from ldnclinic.accounts.access import require_staff, staff_required
from ldnclinic.accounts.client_ip import client_ip
from ldnclinic.audit.log import Actor
from ldnclinic.scheduling import feeds
from ldnclinic.scheduling.ics import practitioner_feed


def _page(request, membership, raw=None, status=200):
    context = {
        "feed": feeds.active_feed(membership),
        "practitioner": membership,
        "raw_url": feeds.feed_url(raw) if raw else None,
    }
    if raw:
        context["webcal_url"] = "webcal://" + context["raw_url"].split("://", 1)[1]
    return render(request, "scheduling/feeds/feed.html", context, status=status)


@require_safe
@staff_required()
def calendar_feed(request):
    return _page(request, require_staff(request))


@require_POST
@staff_required()
def calendar_feed_create(request):
    membership = require_staff(request)
    _feed, raw = feeds.do_create_calendar_feed(Actor.from_request(request), membership)
    # Rendered, not redirected: the raw token must never be stored in the session.
    return _page(request, membership, raw=raw)


@require_POST
@staff_required()
def calendar_feed_revoke(request):
    membership = require_staff(request)
    if feeds.do_revoke_calendar_feeds(Actor.from_request(request), membership):
        messages.success(request, "Feed revoked: calendars subscribed to it stop updating.")
    else:
        messages.info(request, "You had no working feed to revoke.")
    return redirect("calendar_feed")


@require_safe
def calendar_feed_ics(request, token):
    feed = feeds.feed_for_token(token)
    if feed is None:
        raise Http404("Not found")
    now = timezone.now()
    appointments = list(feeds.feed_appointments(feed.practitioner, now))
    body = practitioner_feed(feed.practitioner, appointments, now=now)
    # The reader is a calendar app, not a user: a system actor, with its address.
    actor = Actor(user=None, ip=client_ip(request), via="feed")
    feeds.do_record_calendar_feed_read(actor, feed, appointments=len(appointments), now=now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="appointments.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
