from django.urls import include, path

from ldnclinic.accounts import views as account_views
from ldnclinic.api import api
from ldnclinic.core import views as core_views

urlpatterns = [
    # The public site answers "/"; the signed-in start page dispatches from /home/.
    path("home/", account_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("patients/", include("ldnclinic.patients.urls")),
    path("clinic/audit/", include("ldnclinic.audit.urls")),
    # Scheduling: public booking and manage links, the staff calendar, scheduling
    # settings, calendar feeds, the waitlist.
    path("", include("ldnclinic.scheduling.urls_public")),
    path("calendar/", include("ldnclinic.scheduling.urls_calendar")),
    path("clinic/scheduling/", include("ldnclinic.scheduling.urls_settings")),
    path("", include("ldnclinic.scheduling.urls_feeds")),
    path("", include("ldnclinic.scheduling.urls_waitlist")),
    path("", include("ldnclinic.screening.urls")),
    path("", include("ldnclinic.intake.urls")),
    path("", include("ldnclinic.consents.urls")),
    # Treatment: protocols, plans, prescriptions, session series.
    path("", include("ldnclinic.protocols.urls")),
    path("", include("ldnclinic.plans.urls")),
    path("", include("ldnclinic.prescriptions.urls")),
    path("", include("ldnclinic.series.urls")),
    # Outcomes: instruments, the patient diary.
    path("", include("ldnclinic.outcomes.urls")),
    path("", include("ldnclinic.diary.urls")),
    path("", include("ldnclinic.outcomes.urls_assessments")),
    path("", include("ldnclinic.outcomes.urls_timeline")),
    path("", include("ldnclinic.photos.urls")),
    # Public site: evidence library, clinic pages, the dose explainer.
    path("", include("ldnclinic.evidence.urls")),
    path("", include("ldnclinic.pharmacology.urls")),
    path("", include("ldnclinic.website.urls")),
    path("", include("ldnclinic.accounts.urls")),
]

handler404 = "ldnclinic.core.views.not_found"
handler403 = "ldnclinic.core.views.forbidden"
handler500 = "ldnclinic.core.views.server_error"
