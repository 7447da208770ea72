from django.urls import path

from ldnclinic.consents import views

urlpatterns = [
    path("portal/consents/", views.consents_portal, name="consents_portal"),
    path("portal/consents/<slug:kind>/", views.consent_sign, name="consent_sign"),
    path("consents/signatures/<int:pk>/pdf/", views.consent_pdf, name="consent_pdf"),
    path("patients/<int:pk>/consents/", views.patient_consents, name="patient_consents"),
]
