"""Every URL and API operation × every persona: who gets in, who gets 403, who gets 404.

The test fails when a URL or an API operation appears that this matrix does not list:
a new view must say, here, who may reach it.
"""

import datetime

import pytest
from django.urls import URLResolver, get_resolver, reverse

from ldnclinic.accounts.models import ApiToken, Membership
from ldnclinic.api import api
from ldnclinic.conftest import PERSONAS
from ldnclinic.scheduling.links import manage_token, offer_token
from ldnclinic.scheduling.models import (
    Appointment,
    ClinicClosure,
    Resource,
    Service,
    TimeOff,
    WaitlistEntry,
    WaitlistOffer,
)

#           admin clinician frontdesk patient patient2 other_staff anonymous
STAFF_PAGE = (200, 200, 200, 404, 404, 200, 302)
ADMIN_PAGE = (200, 403, 403, 404, 404, 200, 302)
ADMIN_OBJECT = (200, 403, 403, 404, 404, 404, 302)
CHART_READ = (200, 200, 200, 200, 404, 404, 302)
CHART_WRITE = (200, 200, 200, 403, 404, 404, 302)
CHART_CLINICAL = (302, 302, 403, 403, 404, 404, 302)
SIGNED_IN = (200, 200, 200, 200, 200, 200, 302)
SIGNED_IN_POST = (302, 302, 302, 302, 302, 302, 302)
EVERYONE = (200,) * 7
GUEST_ONLY = (302, 302, 302, 302, 302, 302, 200)
CALENDAR_APPOINTMENT = (200, 200, 200, 404, 404, 404, 302)

# name: (method, url kwargs from the world, POST data, expected per persona)
WEB = {
    "home": ("get", {}, None, (302,) * 7),
    "healthz": ("get", {}, None, EVERYONE),
    "self_check": ("get", {}, None, EVERYONE),
    "login": ("get", {}, None, GUEST_ONLY),
    "two_factor_verify": ("get", {}, None, (302,) * 7),
    "logout": ("post", {}, {}, (302,) * 7),
    "portal": ("get", {}, None, SIGNED_IN),
    "switch_clinic": ("post", {}, {}, SIGNED_IN_POST),
    "account": ("get", {}, None, SIGNED_IN),
    "two_factor_setup": ("get", {}, None, SIGNED_IN),
    "two_factor_disable": ("post", {}, {}, SIGNED_IN_POST),
    "api_token_create": ("post", {}, {}, SIGNED_IN_POST),
    "api_token_revoke": ("post", {"pk": "token"}, {}, (404, 302, 404, 404, 404, 404, 302)),
    "password_change": ("get", {}, None, SIGNED_IN),
    "password_reset": ("get", {}, None, EVERYONE),
    "password_reset_done": ("get", {}, None, EVERYONE),
    "password_reset_confirm": ("get", {"uidb64": "MQ", "token": "bad-token"}, None, EVERYONE),
    "password_reset_complete": ("get", {}, None, EVERYONE),
    "patient_list": ("get", {}, None, STAFF_PAGE),
    "patient_create": ("get", {}, None, STAFF_PAGE),
    "patient_detail": ("get", {"pk": "patient"}, None, CHART_READ),
    "patient_history": ("get", {"pk": "patient"}, None, (200, 200, 200, 404, 404, 404, 302)),
    "patient_edit": ("get", {"pk": "patient"}, None, CHART_WRITE),
    "patient_deactivate": ("post", {"pk": "patient"}, {}, CHART_CLINICAL),
    "patient_reactivate": ("post", {"pk": "patient"}, {}, CHART_CLINICAL),
    "patient_invite": ("post", {"pk": "patient"}, {}, (302, 302, 302, 403, 404, 404, 302)),
    # Intake: the portal form is the patient's own record only (staff have none: 404); the
    # chart tab reads like the chart, its edit form is for the clinic's write roles.
    "portal_intake_start": ("get", {}, None, (404, 404, 404, 302, 302, 404, 302)),
    "portal_intake": ("get", {"pk": "patient"}, None, (404, 404, 404, 200, 404, 404, 302)),
    "patient_intake": ("get", {"pk": "patient"}, None, CHART_READ),
    "patient_intake_edit": ("get", {"pk": "patient"}, None, CHART_WRITE),
    "clinic_settings": ("get", {}, None, ADMIN_PAGE),
    "location_create": ("get", {}, None, ADMIN_PAGE),
    "location_edit": ("get", {"pk": "location"}, None, ADMIN_OBJECT),
    "staff_list": ("get", {}, None, ADMIN_PAGE),
    "staff_edit": ("get", {"pk": "membership"}, None, ADMIN_OBJECT),
    "audit_list": ("get", {}, None, ADMIN_PAGE),
    "audit_export": ("get", {}, None, ADMIN_PAGE),
    # Calendar feeds: each staff member manages only their own (no ids in the URLs);
    # the .ics answers a valid token only, so a made-up one is 404 for everyone.
    "calendar_feed": ("get", {}, None, STAFF_PAGE),
    "calendar_feed_create": ("post", {}, {}, (200, 200, 200, 404, 404, 200, 302)),
    "calendar_feed_revoke": ("post", {}, {}, (302, 302, 302, 404, 404, 302, 302)),
    "calendar_feed_ics": ("get", {"token": "not-a-feed-token"}, None, (404,) * 7),
    # Waitlist: the portal pages are the patient's own (staff have none: 404); the staff
    # pages are the clinic's; an offer link is the credential, so it opens for anyone.
    "waitlist_portal": ("get", {}, None, (404, 404, 404, 200, 200, 404, 302)),
    "waitlist_portal_leave": (
        "post",
        {"pk": "waitlist_entry"},
        {},
        (404, 404, 404, 302, 404, 404, 302),
    ),
    "waitlist_list": ("get", {}, None, STAFF_PAGE),
    "waitlist_add": ("get", {}, None, STAFF_PAGE),
    "waitlist_remove": ("post", {"pk": "waitlist_entry"}, {}, (302, 302, 302, 404, 404, 404, 302)),
    "waitlist_offer": ("get", {"token": "offer_token"}, None, EVERYONE),
    # Scheduling settings: the clinic admin's, for their own clinic's objects only.
    "scheduling_services": ("get", {}, None, ADMIN_PAGE),
    "scheduling_service_create": ("get", {}, None, ADMIN_PAGE),
    "scheduling_service_edit": ("get", {"pk": "settings_service"}, None, ADMIN_OBJECT),
    "scheduling_resources": ("get", {}, None, ADMIN_PAGE),
    "scheduling_resource_create": ("get", {}, None, ADMIN_PAGE),
    "scheduling_resource_edit": ("get", {"pk": "settings_resource"}, None, ADMIN_OBJECT),
    "scheduling_hours": ("get", {}, None, ADMIN_PAGE),
    "scheduling_hours_edit": ("get", {"pk": "membership"}, None, ADMIN_OBJECT),
    "scheduling_time_off": ("get", {"pk": "membership"}, None, ADMIN_OBJECT),
    "scheduling_time_off_remove": (
        "post",
        {"pk": "settings_time_off"},
        {},
        (302, 403, 403, 404, 404, 404, 302),
    ),
    "scheduling_closures": ("get", {}, None, ADMIN_PAGE),
    "scheduling_closure_remove": (
        "post",
        {"pk": "settings_closure"},
        {},
        (302, 403, 403, 404, 404, 404, 302),
    ),
    # Online booking: the public pages are for everyone (one clinic takes online bookings
    # here, so /book/ redirects to it); a manage link is the credential, so it opens for
    # anyone; the portal pages are the patient's own (staff book from the calendar: 404).
    "booking-clinics": ("get", {}, None, (302,) * 7),
    "booking-services": ("get", {"clinic_slug": "clinic-x"}, None, EVERYONE),
    "booking-slots": (
        "get",
        {"clinic_slug": "clinic-x", "service_slug": "consult"},
        None,
        EVERYONE,
    ),
    # Without ?start= (a time chosen on the previous page) the form is a 400 for everyone.
    "booking-details": (
        "get",
        {"clinic_slug": "clinic-x", "service_slug": "consult"},
        None,
        (400,) * 7,
    ),
    "booking-manage": ("get", {"token": "manage_token"}, None, EVERYONE),
    "booking-confirmed": ("get", {"token": "manage_token"}, None, EVERYONE),
    "booking-reschedule": ("get", {"token": "manage_token"}, None, EVERYONE),
    "booking-cancel": ("get", {"token": "manage_token"}, None, EVERYONE),
    "booking-ics": ("get", {"token": "manage_token"}, None, EVERYONE),
    "booking-portal": ("get", {}, None, (404, 404, 404, 200, 200, 404, 302)),
    "booking-portal-slots": (
        "get",
        {"clinic_slug": "clinic-x", "service_slug": "consult"},
        None,
        (404, 404, 404, 200, 200, 404, 302),
    ),
    "booking-portal-confirm": (
        "get",
        {"clinic_slug": "clinic-x", "service_slug": "consult"},
        None,
        (404, 404, 404, 400, 400, 404, 302),
    ),
    "booking-portal-reschedule": (
        "get",
        {"pk": "appointment"},
        None,
        (404, 404, 404, 200, 404, 404, 302),
    ),
    "booking-portal-cancel": (
        "get",
        {"pk": "appointment"},
        None,
        (404, 404, 404, 200, 404, 404, 302),
    ),
    # Staff calendar: every staff member's own clinic; an appointment of another clinic
    # is a 404. The empty POSTs are refused by the form (200, the panel with the error).
    "calendar": ("get", {}, None, STAFF_PAGE),
    "calendar_book": ("get", {}, None, STAFF_PAGE),
    "calendar_appointment": ("get", {"pk": "appointment"}, None, CALENDAR_APPOINTMENT),
    "calendar_appointment_move": ("get", {"pk": "appointment"}, None, CALENDAR_APPOINTMENT),
    "calendar_appointment_status": ("post", {"pk": "appointment"}, {}, CALENDAR_APPOINTMENT),
    "calendar_appointment_cancel": ("post", {"pk": "appointment"}, {}, CALENDAR_APPOINTMENT),
    "calendar_appointment_identity_checked": (
        "post",
        {"pk": "appointment"},
        {},
        CALENDAR_APPOINTMENT,
    ),
    # Consents: the portal pages are the patient's own (staff have none: 404); the PDF of
    # a signature goes through the patient gate (no signature in this world: 404); the
    # chart tab is staff-only.
    "consents_portal": ("get", {}, None, (404, 404, 404, 200, 200, 404, 302)),
    "consent_sign": ("get", {"kind": "ldn_off_label"}, None, (404, 404, 404, 200, 200, 404, 302)),
    "consent_pdf": ("get", {"pk": 999999}, None, (404,) * 6 + (302,)),
    "patient_consents": ("get", {"pk": "patient"}, None, (200, 200, 200, 404, 404, 404, 302)),
    # Safety screen: the chart tab is staff-only; the write roles may run it again; only
    # clinicians and admins review findings (an empty POST names no finding: redirect).
    "patient_screening": ("get", {"pk": "patient"}, None, (200, 200, 200, 404, 404, 404, 302)),
    "patient_screening_run": ("post", {"pk": "patient"}, {}, (302, 302, 302, 403, 404, 404, 302)),
    "patient_screening_acknowledge": ("post", {"pk": "patient"}, {}, CHART_CLINICAL),
    "patient_screening_override": ("post", {"pk": "patient"}, {}, CHART_CLINICAL),
    # Screening rules: each admin sees and changes their own clinic's settings (no clinic
    # in the URL, so another clinic's admin gets their own page).
    "screening_rules": ("get", {}, None, ADMIN_PAGE),
    "screening_rules_edit": ("get", {"rule_id": "skin.keloid"}, None, ADMIN_PAGE),
    "api:openapi-json": ("get", {}, None, EVERYONE),
    "api:openapi-view": ("get", {}, None, EVERYONE),
}

#             admin clinician frontdesk patient patient2 other_staff anonymous
API_SIGNED_IN = (200, 200, 200, 200, 200, 200, 401)
NEW_PATIENT = {"given_name": "New", "family_name": "Person", "date_of_birth": "1990-01-01"}

# "METHOD /path": (path params from the world, JSON body, expected per persona)
API = {
    "GET /api/v1/me": ({}, None, API_SIGNED_IN),
    "GET /api/v1/patients": ({}, None, API_SIGNED_IN),
    "POST /api/v1/patients": ({}, NEW_PATIENT, (201, 201, 201, 404, 404, 201, 401)),
    "GET /api/v1/patients/{patient_id}": (
        {"patient_id": "patient"},
        None,
        (200, 200, 200, 200, 404, 404, 401),
    ),
    "PATCH /api/v1/patients/{patient_id}": (
        {"patient_id": "patient"},
        {"phone": "+1 555 0100"},
        (200, 200, 200, 403, 404, 404, 401),
    ),
    "POST /api/v1/patients/{patient_id}/deactivate": (
        {"patient_id": "patient"},
        {"reason": "Moved away"},
        (200, 200, 403, 403, 404, 404, 401),
    ),
    "POST /api/v1/patients/{patient_id}/reactivate": (
        {"patient_id": "patient"},
        None,
        (422, 422, 403, 403, 404, 404, 401),
    ),
    "GET /api/v1/appointments": ({}, None, API_SIGNED_IN),
    "POST /api/v1/appointments": (
        {},
        {"patient": "patient", "service": "consult", "start": "2026-12-07T09:00:00-05:00"},
        # Not a slot on offer (no working hours in this world): 422 for those who may book.
        (422, 422, 422, 404, 404, 404, 401),
    ),
    "POST /api/v1/appointments/{appointment_id}/reschedule": (
        {"appointment_id": "appointment"},
        {"start": "2026-12-07T09:00:00-05:00"},
        (422, 422, 422, 403, 404, 404, 401),
    ),
    "POST /api/v1/appointments/{appointment_id}/cancel": (
        {"appointment_id": "appointment"},
        {"reason": "Unwell"},
        (200, 200, 200, 403, 404, 404, 401),
    ),
    "POST /api/v1/appointments/{appointment_id}/status": (
        {"appointment_id": "appointment"},
        {"status": "fulfilled"},
        (422, 422, 422, 403, 404, 404, 401),
    ),
    # Public: anyone may see the free slots of an online-bookable service.
    "GET /api/v1/availability": (
        {"?": "service=consult&start=2026-12-01&end=2026-12-07"},
        None,
        (200,) * 7,
    ),
    # Public, no account: the same for everyone. No working hours in this world, so the
    # time is not offered: 422.
    "POST /api/v1/public/bookings": (
        {},
        {
            "service": "consult",
            "start": "2026-12-07T09:00:00-05:00",
            "patient": {
                "given_name": "New",
                "family_name": "Person",
                "email": "new.person@example.test",
                "phone": "+1 555 0100",
                "birth_date": "1990-01-01",
            },
        },
        (422,) * 7,
    ),
    # Public and stateless: the same screen for everyone (anonymous callers rate-limited).
    "POST /api/v1/screening/evaluate": (
        {},
        {"medications": ["Tylenol with codeine"], "procedures": ["ldn"]},
        (200,) * 7,
    ),
    # Intake: read like the chart; filled by the patient themself or the clinic's write roles.
    "GET /api/v1/patients/{patient_id}/intake": (
        {"patient_id": "patient"},
        None,
        (200, 200, 200, 200, 404, 404, 401),
    ),
    "PUT /api/v1/patients/{patient_id}/intake": (
        {"patient_id": "patient"},
        {"answers": {"pregnant": "no"}, "submit": False},
        (200, 200, 200, 200, 404, 404, 401),
    ),
    # Safety screen: staff only (the patient too gets 404); only clinicians and admins
    # review, and this world has no screening to review: 422 for them.
    "GET /api/v1/patients/{patient_id}/screening": (
        {"patient_id": "patient"},
        None,
        (200, 200, 200, 404, 404, 404, 401),
    ),
    "POST /api/v1/patients/{patient_id}/screening/acknowledge": (
        {"patient_id": "patient"},
        {"rule": "ldn.thyroid"},
        (422, 422, 403, 403, 404, 404, 401),
    ),
    "POST /api/v1/patients/{patient_id}/screening/override": (
        {"patient_id": "patient"},
        {"rule": "ldn.opioid.current", "reason": "Opioid stopped three weeks ago."},
        (422, 422, 403, 403, 404, 404, 401),
    ),
}


def web_url_names():
    names = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, None)
    # API operations are covered below, by their OpenAPI method and path.
    return {n for n in names if not n.startswith("api:") or n.startswith("api:openapi")}


def api_operations():
    schema = api.get_openapi_schema()
    return {
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
    }


def test_every_url_is_in_the_matrix():
    assert web_url_names() - set(WEB) == set(), "add the new URL to WEB with its expectations"
    assert set(WEB) - web_url_names() == set(), "remove URLs that no longer exist from WEB"


def test_every_api_operation_is_in_the_matrix():
    assert api_operations() - set(API) == set(), "add the new operation to API"
    assert set(API) - api_operations() == set(), "remove operations that no longer exist"


@pytest.fixture
def world(users, patient_a, patient_b, clinic):
    token, _ = ApiToken.generate()
    service = Service.objects.create(
        clinic=clinic, name="Consultation", slug="consult", duration_minutes=30
    )
    service.practitioners.add(Membership.objects.get(user=users["clinician"]))
    api_token = ApiToken.objects.create(
        user=users["clinician"], clinic=clinic, name="t", token_hash=token, lookup_prefix="x"
    )
    start = datetime.datetime(2030, 1, 7, 14, tzinfo=datetime.UTC)
    appointment = Appointment.objects.create(
        clinic=clinic,
        patient=patient_a,
        service=service,
        practitioner=Membership.objects.get(user=users["clinician"]),
        start=start,
        end=start + datetime.timedelta(minutes=30),
        blocked_start=start,
        blocked_end=start + datetime.timedelta(minutes=30),
    )
    entry = WaitlistEntry.objects.create(
        clinic=clinic,
        patient=patient_a,
        service=service,
        earliest_date=datetime.date(2029, 12, 1),
        latest_date=datetime.date(2030, 1, 31),
    )
    offer = WaitlistOffer.objects.create(
        entry=entry,
        start=start - datetime.timedelta(days=7),
        practitioner=appointment.practitioner,
        expires_at=start - datetime.timedelta(days=8),
    )
    resource = Resource.objects.create(
        clinic=clinic, location=clinic.locations.first(), name="Laser", kind="device"
    )
    time_off = TimeOff.objects.create(
        practitioner=appointment.practitioner, date=datetime.date(2030, 1, 10)
    )
    closure = ClinicClosure.objects.create(clinic=clinic, date=datetime.date(2030, 1, 11))
    return {
        "settings_service": service.pk,
        "settings_resource": resource.pk,
        "settings_time_off": time_off.pk,
        "settings_closure": closure.pk,
        "waitlist_entry": entry.pk,
        "offer_token": offer_token(offer),
        "manage_token": manage_token(appointment),
        "appointment": appointment.pk,
        "patient": patient_a.pk,
        "location": clinic.locations.first().pk,
        "membership": Membership.objects.get(user=users["clinician"]).pk,
        "token": api_token.pk,
    }


def _resolve(kwargs, world):
    return {k: world.get(v, v) for k, v in kwargs.items()}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(WEB))
def test_web_access(name, persona, client_for, world):
    method, kwargs, data, expected = WEB[name]
    url = reverse(name, kwargs=_resolve(kwargs, world))
    client = client_for(persona)
    response = client.post(url, data) if method == "post" else client.get(url)
    want = expected[PERSONAS.index(persona)]
    assert response.status_code == want, f"{persona} {method.upper()} {url}"
    if want == 302 and persona == "anonymous" and name not in ("home", "logout", "booking-clinics"):
        assert response["Location"].startswith(reverse("login")) or name == "login"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("operation", sorted(API))
def test_api_access(operation, persona, client_for, world):
    method, path = operation.split(" ", 1)
    params, body, expected = API[operation]
    params = dict(params)
    query = params.pop("?", "")
    url = path.format(**_resolve(params, world)) + (f"?{query}" if query else "")
    client = client_for(persona)
    call = getattr(client, method.lower())
    if isinstance(body, dict):
        body = {k: world.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    response = call(url, body, content_type="application/json") if body else call(url)
    want = expected[PERSONAS.index(persona)]
    assert response.status_code == want, f"{persona} {operation}: {response.content[:200]}"
    assert response["Content-Type"].startswith("application/json")
    if want >= 400:
        assert "error" in response.json()
