from django.urls import path

from ldnclinic.scheduling import views_waitlist as views

urlpatterns = [
    path("portal/waitlist/", views.waitlist_portal, name="waitlist_portal"),
    path(
        "portal/waitlist/<int:pk>/leave/",
        views.waitlist_portal_leave,
        name="waitlist_portal_leave",
    ),
    path("waitlist/", views.waitlist_list, name="waitlist_list"),
    path("waitlist/add/", views.waitlist_add, name="waitlist_add"),
    path("waitlist/<int:pk>/remove/", views.waitlist_remove, name="waitlist_remove"),
    path("waitlist/offer/<str:token>/", views.waitlist_offer, name="waitlist_offer"),
]
