from django.urls import path

from ldnclinic.scheduling import views_feeds

urlpatterns = [
    path("account/calendar-feed/", views_feeds.calendar_feed, name="calendar_feed"),
    path(
        "account/calendar-feed/new/",
        views_feeds.calendar_feed_create,
        name="calendar_feed_create",
    ),
    path(
        "account/calendar-feed/revoke/",
        views_feeds.calendar_feed_revoke,
        name="calendar_feed_revoke",
    ),
    path("feeds/<str:token>.ics", views_feeds.calendar_feed_ics, name="calendar_feed_ics"),
]
