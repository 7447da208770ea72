from django.urls import path

from ldnclinic.scheduling import views_calendar as views

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("book/", views.book, name="calendar_book"),
    path("appointments/<int:pk>/", views.appointment_detail, name="calendar_appointment"),
    path(
        "appointments/<int:pk>/status/",
        views.appointment_status,
        name="calendar_appointment_status",
    ),
    path(
        "appointments/<int:pk>/cancel/",
        views.appointment_cancel,
        name="calendar_appointment_cancel",
    ),
    path("appointments/<int:pk>/move/", views.appointment_move, name="calendar_appointment_move"),
    path(
        "appointments/<int:pk>/identity-checked/",
        views.appointment_identity_checked,
        name="calendar_appointment_identity_checked",
    ),
]
