from django.contrib.auth import views as auth_views
from django.urls import path

from ldnclinic.accounts import views

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/2fa/", views.two_factor_verify, name="two_factor_verify"),
    path("logout/", views.logout_view, name="logout"),
    path("portal/", views.portal, name="portal"),
    path("clinic/switch/", views.switch_clinic, name="switch_clinic"),
    path("account/", views.account, name="account"),
    path("account/2fa/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("account/2fa/disable/", views.two_factor_disable, name="two_factor_disable"),
    path("account/tokens/", views.api_token_create, name="api_token_create"),
    path("account/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("clinic/settings/", views.clinic_settings, name="clinic_settings"),
    path("clinic/locations/new/", views.location_edit, name="location_create"),
    path("clinic/locations/<int:pk>/", views.location_edit, name="location_edit"),
    path("clinic/staff/", views.staff_list, name="staff_list"),
    path("clinic/staff/<int:pk>/", views.staff_edit, name="staff_edit"),
]
