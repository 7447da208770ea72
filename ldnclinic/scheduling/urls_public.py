"""Booking without the staff: public pages, manage links, portal booking."""

from django.urls import path

from ldnclinic.scheduling import views_public as views

urlpatterns = [
    path("book/", views.booking_clinics, name="booking-clinics"),
    path("book/<slug:clinic_slug>/", views.booking_services, name="booking-services"),
    path(
        "book/<slug:clinic_slug>/<slug:service_slug>/",
        views.booking_slots,
        name="booking-slots",
    ),
    path(
        "book/<slug:clinic_slug>/<slug:service_slug>/details/",
        views.booking_details,
        name="booking-details",
    ),
    # Signed manage links (links.manage_token), from the confirmation email.
    path("booking/<str:token>/", views.booking_manage, name="booking-manage"),
    path("booking/<str:token>/booked/", views.booking_confirmed, name="booking-confirmed"),
    path("booking/<str:token>/move/", views.booking_reschedule, name="booking-reschedule"),
    path("booking/<str:token>/cancel/", views.booking_cancel, name="booking-cancel"),
    path("booking/<str:token>/calendar.ics", views.booking_ics, name="booking-ics"),
    # A signed-in patient books and changes their own appointments.
    path("portal/book/", views.portal_bookings, name="booking-portal"),
    path(
        "portal/book/<slug:clinic_slug>/<slug:service_slug>/",
        views.portal_slots,
        name="booking-portal-slots",
    ),
    path(
        "portal/book/<slug:clinic_slug>/<slug:service_slug>/confirm/",
        views.portal_confirm,
        name="booking-portal-confirm",
    ),
    path(
        "portal/appointments/<int:pk>/move/",
        views.portal_reschedule,
        name="booking-portal-reschedule",
    ),
    path(
        "portal/appointments/<int:pk>/cancel/",
        views.portal_cancel,
        name="booking-portal-cancel",
    ),
]
