from django.urls import path

from ldnclinic.series import views

urlpatterns = [
    path("series/", views.series_list, name="series_list"),
    path("plans/<int:pk>/series/", views.plan_series, name="plan_series"),
    path("plans/<int:pk>/series/confirm/", views.plan_series_confirm, name="plan_series_confirm"),
    path("series/sessions/<int:pk>/move/", views.session_move, name="series_session_move"),
]
