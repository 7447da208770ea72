from django.urls import path

from ldnclinic.photos import views

urlpatterns = [
    path("patients/<int:pk>/photos/", views.patient_photos, name="patient_photos"),
    path("patients/<int:pk>/photos/compare/", views.photo_compare, name="photo_compare"),
    path("photos/<int:pk>/", views.photo_detail, name="photo_detail"),
    path("photos/<int:pk>/image", views.photo_image, name="photo_image"),
    path("photos/<int:pk>/thumb", views.photo_thumb, name="photo_thumb"),
    path(
        "photos/<int:pk>/entered-in-error/",
        views.photo_mark_in_error,
        name="photo_mark_in_error",
    ),
    path("portal/photos/", views.portal_photos, name="portal_photos"),
]
