"""Every URL and API operation × every persona: who gets in, who gets 403, who gets 404.

The test fails when a URL or an API operation appears that this matrix does not list:
a new view must say, here, who may reach it.
"""

import datetime

import pytest
from django.urls import URLResolver, get_resolver, reverse

from ldnclinic.accounts.models import ApiToken, Membership
from ldnclinic.api import api
from ldnclinic.audit.log import Actor
from ldnclinic.conftest import PERSONAS
from ldnclinic.diary.models import Signal
from ldnclinic.evidence.actions import do_save_study
from ldnclinic.evidence.library import get_condition
from ldnclinic.outcomes.actions import do_record_assessment
from ldnclinic.outcomes.models import AssessmentRequest
from ldnclinic.photos.models import ClinicalPhoto
from ldnclinic.plans.actions import do_create_plan
from ldnclinic.plans.actions_side_effects import do_report_side_effect
from ldnclinic.plans.params import default_params
from ldnclinic.prescriptions.actions import do_draft_prescription
from ldnclinic.prescriptions.tests.factories import make_pharmacy, make_plan
from ldnclinic.protocols.actions import do_create_protocol
from ldnclinic.protocols.library import get_protocol_version
from ldnclinic.protocols.seed import seed_protocols
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
from ldnclinic.series.models import PlanSession

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
PLAN_STAFF = (200, 200, 200, 404, 404, 404, 302)
PLAN_WRITE = (200, 200, 403, 403, 404, 404, 302)

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
    # Protocols: every staff member reads the clinic's library; only admins edit.
    "protocol_list": ("get", {}, None, STAFF_PAGE),
    "protocol_create": ("get", {}, None, ADMIN_PAGE),
    "protocol_detail": ("get", {"code": "protocol"}, None, CALENDAR_APPOINTMENT),
    "protocol_version": ("get", {"code": "protocol", "number": 1}, None, CALENDAR_APPOINTMENT),
    "protocol_edit": ("get", {"code": "protocol"}, None, ADMIN_OBJECT),
    "protocol_archive": ("post", {"code": "protocol"}, {}, (302, 403, 403, 404, 404, 404, 302)),
    # Plans ("plan" is a never-screened draft; "active_plan" is live): staff read, clinical
    # roles write; the patient sees their own through the portal pages.
    "patient_plans": ("get", {"pk": "patient"}, None, PLAN_STAFF),
    "plan_create": ("get", {"pk": "patient"}, None, PLAN_WRITE),
    "plan_preview_fragment": ("post", {"pk": "patient"}, {}, PLAN_WRITE),
    "plan_detail": ("get", {"pk": "plan"}, None, PLAN_STAFF),
    "plan_version": ("get", {"pk": "plan", "number": 1}, None, PLAN_STAFF),
    "plan_edit": ("get", {"pk": "plan"}, None, PLAN_WRITE),
    "plan_activate": ("post", {"pk": "plan"}, {}, CHART_CLINICAL),
    "plan_complete": ("post", {"pk": "plan"}, {}, CHART_CLINICAL),
    "plan_adjust": ("get", {"pk": "plan"}, None, (302, 302, 403, 403, 404, 404, 302)),
    "plan_adjust_preview": ("post", {"pk": "plan"}, {}, (400, 400, 403, 403, 404, 404, 302)),
    "plan_handout": ("get", {"pk": "active_plan"}, None, PLAN_STAFF),
    "portal_plans": ("get", {}, None, (404, 404, 404, 200, 200, 404, 302)),
    "portal_plan": ("get", {"pk": "active_plan"}, None, (404, 404, 404, 200, 404, 404, 302)),
    "portal_plan_handout": (
        "get",
        {"pk": "active_plan"},
        None,
        (404, 404, 404, 200, 404, 404, 302),
    ),
    # Prescriptions: clinicians and admins draft and sign; the front desk reads and prints.
    "prescription_draft": ("get", {"plan_pk": "active_plan"}, None, PLAN_WRITE),
    "prescription_detail": ("get", {"pk": "prescription"}, None, PLAN_STAFF),
    "prescription_sign": ("post", {"pk": "prescription"}, {}, (200, 200, 403, 404, 404, 404, 302)),
    "prescription_void": ("post", {"pk": "prescription"}, {}, (200, 200, 403, 404, 404, 404, 302)),
    # A draft has no PDF yet.
    "prescription_pdf": ("get", {"pk": "prescription"}, None, (404,) * 6 + (302,)),
    "compounding_settings": ("get", {}, None, ADMIN_PAGE),
    "pharmacy_create": ("get", {}, None, ADMIN_PAGE),
    "pharmacy_edit": ("get", {"pk": "pharmacy"}, None, ADMIN_OBJECT),
    "pharmacy_set_active": (
        "post",
        {"pk": "pharmacy"},
        {"active": "1"},
        (302, 403, 403, 404, 404, 404, 302),
    ),
    # Session series: the front desk confirms and moves too.
    "series_list": ("get", {}, None, STAFF_PAGE),
    "plan_series": ("get", {"pk": "active_plan"}, None, PLAN_STAFF),
    # Nothing proposed that can be booked: the confirm answers with a message (302).
    "plan_series_confirm": ("post", {"pk": "active_plan"}, {}, (302, 302, 302, 403, 404, 404, 302)),
    "series_session_move": ("get", {"pk": "plan_session"}, None, PLAN_STAFF),
    # Side effects: the patient reports on their own live plan; clinicians review.
    "portal_side_effect_report": (
        "post",
        {"pk": "active_plan"},
        {"symptom": "insomnia", "severity": "2", "started_on": "2020-01-01"},
        (404, 404, 404, 302, 404, 404, 302),
    ),
    "side_effect_review": (
        "post",
        {"pk": "active_plan", "report_pk": "side_effect"},
        {},
        CHART_CLINICAL,
    ),
    # The diary: the patient's own pages (a future day is refused with 400); staff read.
    "portal_diary": ("get", {}, None, (404, 404, 404, 200, 200, 404, 302)),
    "portal_diary_day": (
        "get",
        {"day": "2099-01-01"},
        None,
        (404, 404, 404, 400, 400, 404, 302),
    ),
    "patient_diary": ("get", {"pk": "patient"}, None, PLAN_STAFF),
    "signal_list": ("get", {}, None, STAFF_PAGE),
    "signal_review": ("post", {"pk": "signal"}, {}, (302, 302, 403, 404, 404, 404, 302)),
    # Assessments: staff read, clinical roles score; the patient answers their own requests.
    "patient_assessments": ("get", {"pk": "patient"}, None, PLAN_STAFF),
    "assessment_new": ("get", {"pk": "patient", "code": "PASI"}, None, PLAN_WRITE),
    "assessment_preview": ("post", {"pk": "patient", "code": "PASI"}, {}, PLAN_WRITE),
    "assessment_detail": ("get", {"pk": "assessment"}, None, PLAN_STAFF),
    "assessment_in_error": ("post", {"pk": "assessment"}, {}, (302, 302, 403, 403, 404, 404, 302)),
    "portal_assessments": ("get", {}, None, (404, 404, 404, 200, 200, 404, 302)),
    "portal_assessment_fill": (
        "get",
        {"pk": "assessment_request"},
        None,
        (404, 404, 404, 200, 404, 404, 302),
    ),
    # The emailed link is the credential; a made-up one is 404 for everyone.
    "assessment_token_fill": ("get", {"token": "not-a-token"}, None, (404,) * 7),
    # Clinical photos: the chart tab and comparison are staff-only; one photo reads like the
    # chart; the world's photo has no file, so its bytes are 404; clinicians and admins mark.
    "patient_photos": ("get", {"pk": "patient"}, None, PLAN_STAFF),
    "photo_compare": ("get", {"pk": "patient"}, None, PLAN_STAFF),
    "photo_detail": ("get", {"pk": "photo"}, None, CHART_READ),
    "photo_image": ("get", {"pk": "photo"}, None, (404,) * 6 + (302,)),
    "photo_thumb": ("get", {"pk": "photo"}, None, (404,) * 6 + (302,)),
    "photo_mark_in_error": ("post", {"pk": "photo"}, {}, (400, 400, 403, 403, 404, 404, 302)),
    "portal_photos": ("get", {}, None, (404, 404, 404, 200, 200, 404, 302)),
    # Progress timeline: the chart tab is staff-only; the portal page is the patient's own.
    "patient_timeline": ("get", {"pk": "patient"}, None, PLAN_STAFF),
    "portal_timeline": ("get", {}, None, (404, 404, 404, 200, 200, 404, 302)),
    # Evidence library: clinic admins edit; the global library is readable by clinic Y's
    # admin, clinic X's own study is not.
    "evidence_list": ("get", {}, None, ADMIN_PAGE),
    "evidence_condition_new": ("get", {}, None, ADMIN_PAGE),
    "evidence_condition_edit": ("get", {"slug": "psoriasis"}, None, ADMIN_PAGE),
    "evidence_study_new": ("get", {"slug": "psoriasis"}, None, ADMIN_PAGE),
    "evidence_history": ("get", {"slug": "psoriasis"}, None, ADMIN_PAGE),
    "evidence_study_edit": ("get", {"pk": "evidence_study"}, None, ADMIN_OBJECT),
    "evidence_study_retire": (
        "post",
        {"pk": "evidence_study"},
        {},
        (302, 403, 403, 404, 404, 404, 302),
    ),
    # Public site: the same pages for everyone; the editor is the clinic admin's own.
    "public_home": ("get", {}, None, EVERYONE),
    "public_ldn": ("get", {}, None, EVERYONE),
    "public_conditions": ("get", {}, None, EVERYONE),
    "public_condition": ("get", {"slug": "psoriasis"}, None, EVERYONE),
    "public_safety": ("get", {}, None, EVERYONE),
    "public_therapies": ("get", {}, None, EVERYONE),
    "public_therapy": ("get", {"slug": "laser"}, None, EVERYONE),
    "public_sitemap": ("get", {}, None, EVERYONE),
    "public_robots": ("get", {}, None, EVERYONE),
    "site_css": ("get", {}, None, EVERYONE),
    # No logo uploaded in this world.
    "site_logo": ("get", {}, None, (404,) * 7),
    "site_pages": ("get", {}, None, ADMIN_PAGE),
    "site_branding": ("get", {}, None, ADMIN_PAGE),
    "site_page_edit": ("get", {"key": "home"}, None, ADMIN_PAGE),
    "dose_explainer": ("get", {}, None, EVERYONE),
    "api:openapi-json": ("get", {}, None, EVERYONE),
    "api:openapi-view": ("get", {}, None, EVERYONE),
}

#             admin clinician frontdesk patient patient2 other_staff anonymous
API_SIGNED_IN = (200, 200, 200, 200, 200, 200, 401)
EVERYONE_API = (200,) * 7
API_PLAN_STAFF = (200, 200, 200, 404, 404, 404, 401)
API_PLAN_READ = (200, 200, 200, 200, 404, 404, 401)
API_PLAN_WRITE = (422, 422, 403, 403, 404, 404, 401)
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
    "GET /api/v1/patients/{patient_id}/diary": (
        {"patient_id": "patient"},
        None,
        (200, 200, 200, 200, 404, 404, 401),
    ),
    # A future day: 422 once the access checks pass.
    "PUT /api/v1/patients/{patient_id}/diary/{date}": (
        {"patient_id": "patient", "date": "2099-01-01"},
        {"dose_taken": True},
        (422, 422, 403, 422, 404, 404, 401),
    ),
    # Public, stateless calculators (anonymous callers rate-limited on score/compare).
    "GET /api/v1/instruments": ({}, None, EVERYONE_API),
    "GET /api/v1/instruments/{code}": ({"code": "PASI"}, None, EVERYONE_API),
    "POST /api/v1/instruments/{code}/score": ({"code": "ITCH_NRS"}, {"score": 4}, EVERYONE_API),
    "POST /api/v1/instruments/{code}/compare": (
        {"code": "PASI"},
        {"baseline": 20, "current": 4},
        EVERYONE_API,
    ),
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
    # Stateless like the screen: a dose calendar for everyone (non-staff rate-limited).
    "POST /api/v1/plans/preview": (
        {},
        {
            "start_date": "2026-01-05",
            "start_mg": 1.5,
            "step_mg": 1.5,
            "interval_days": 7,
            "target_mg": 4.5,
            "duration_days": 84,
            "formulation": {"type": "capsule"},
        },
        (200,) * 7,
    ),
    "GET /api/v1/protocols": ({}, None, (200, 200, 200, 404, 404, 200, 401)),
    "GET /api/v1/protocols/{code}": ({"code": "protocol"}, None, API_PLAN_STAFF),
    "GET /api/v1/protocols/{code}/versions/{number}": (
        {"code": "protocol", "number": 1},
        None,
        API_PLAN_STAFF,
    ),
    "GET /api/v1/plans": ({}, None, API_SIGNED_IN),
    "POST /api/v1/plans": (
        {},
        {"patient": "patient", "protocol": "psoriasis-ldn"},
        (201, 201, 403, 403, 404, 404, 401),
    ),
    "GET /api/v1/plans/{plan_id}": ({"plan_id": "plan"}, None, API_PLAN_READ),
    "PATCH /api/v1/plans/{plan_id}": (
        {"plan_id": "plan"},
        {"params": {"duration_days": 56}},
        (200, 200, 403, 403, 404, 404, 401),
    ),
    # The draft's patient was never screened: activation is refused (422).
    "POST /api/v1/plans/{plan_id}/activate": ({"plan_id": "plan"}, None, API_PLAN_WRITE),
    "POST /api/v1/plans/{plan_id}/adjust": (
        {"plan_id": "plan"},
        {"kind": "morning", "reason": "Insomnia"},
        API_PLAN_WRITE,
    ),
    "POST /api/v1/plans/{plan_id}/pause": (
        {"plan_id": "plan"},
        {"reason": "Surgery"},
        API_PLAN_WRITE,
    ),
    "POST /api/v1/plans/{plan_id}/resume": (
        {"plan_id": "plan"},
        {"reason": "Recovered"},
        API_PLAN_WRITE,
    ),
    "POST /api/v1/plans/{plan_id}/stop": (
        {"plan_id": "plan"},
        {"reason": "No benefit"},
        API_PLAN_WRITE,
    ),
    "POST /api/v1/plans/{plan_id}/complete": ({"plan_id": "plan"}, None, API_PLAN_WRITE),
    "GET /api/v1/plans/{plan_id}/versions": ({"plan_id": "plan"}, None, API_PLAN_READ),
    "GET /api/v1/plans/{plan_id}/prescriptions": (
        {"plan_id": "active_plan"},
        None,
        API_PLAN_STAFF,
    ),
    "POST /api/v1/plans/{plan_id}/prescriptions": (
        {"plan_id": "active_plan"},
        {"pharmacy": "pharmacy"},
        (201, 201, 403, 403, 404, 404, 401),
    ),
    "GET /api/v1/prescriptions/{prescription_id}": (
        {"prescription_id": "prescription"},
        None,
        API_PLAN_STAFF,
    ),
    "POST /api/v1/prescriptions/{prescription_id}/sign": (
        {"prescription_id": "prescription"},
        {"password": "not the password"},
        (422, 422, 403, 404, 404, 404, 401),
    ),
    "GET /api/v1/prescriptions/{prescription_id}/pdf": (
        {"prescription_id": "prescription"},
        None,
        (404, 404, 404, 404, 404, 404, 401),
    ),
    "GET /api/v1/plans/{plan_id}/side-effects": ({"plan_id": "active_plan"}, None, API_PLAN_READ),
    "POST /api/v1/plans/{plan_id}/side-effects": (
        {"plan_id": "active_plan"},
        {"symptom": "insomnia", "severity": 2, "started_on": "2020-01-01"},
        (201, 201, 403, 201, 404, 404, 401),
    ),
    "GET /api/v1/plans/{plan_id}/sessions": ({"plan_id": "active_plan"}, None, API_PLAN_READ),
    # The world's session window is past the booking horizon; no working hours to move to.
    "POST /api/v1/plans/{plan_id}/sessions/confirm": (
        {"plan_id": "active_plan"},
        None,
        (422, 422, 422, 403, 404, 404, 401),
    ),
    "POST /api/v1/plan-sessions/{session_id}/move": (
        {"session_id": "plan_session"},
        {"start": "2030-01-08T09:00:00-05:00"},
        (422, 422, 422, 403, 404, 404, 401),
    ),
    "GET /api/v1/patients/{patient_id}/assessments": (
        {"patient_id": "patient"},
        None,
        API_PLAN_READ,
    ),
    "POST /api/v1/patients/{patient_id}/assessments": (
        {"patient_id": "patient"},
        {"instrument": "ITCH_NRS", "items": {"score": 4}},
        (201, 201, 403, 403, 404, 404, 401),
    ),
    "GET /api/v1/assessments/{assessment_id}": (
        {"assessment_id": "assessment"},
        None,
        API_PLAN_READ,
    ),
    "POST /api/v1/assessments/{assessment_id}/entered-in-error": (
        {"assessment_id": "assessment"},
        {"reason": "Wrong patient"},
        (200, 200, 403, 403, 404, 404, 401),
    ),
    # Photos: upload is multipart, so a JSON body is a 400 (no file) once the gate passes.
    "POST /api/v1/patients/{patient_id}/photos": (
        {"patient_id": "patient"},
        {"body_site": "chest"},
        (400, 400, 403, 403, 404, 404, 401),
    ),
    "GET /api/v1/patients/{patient_id}/photos": (
        {"patient_id": "patient"},
        None,
        (200, 200, 200, 200, 404, 404, 401),
    ),
    "GET /api/v1/photos/{photo_id}": ({"photo_id": "photo"}, None, API_PLAN_READ),
    "GET /api/v1/photos/{photo_id}/image": ({"photo_id": "photo"}, None, (404,) * 6 + (401,)),
    "POST /api/v1/photos/{photo_id}/entered-in-error": (
        {"photo_id": "photo"},
        {"reason": "Wrong site"},
        (200, 200, 403, 403, 404, 404, 401),
    ),
    "GET /api/v1/conditions": ({}, None, EVERYONE_API),
    "GET /api/v1/evidence": ({"?": "condition=psoriasis"}, None, EVERYONE_API),
    "GET /api/v1/pharmacology/occupancy": ({"?": "dose_mg=4.5&hours=24"}, None, EVERYONE_API),
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
    clinician = Actor(user=users["clinician"], ip=None, via="test")
    protocol = do_create_protocol(
        clinician, clinic, {**seed_protocols()[0], "code": "clinic-x-only"}
    )
    psoriasis = get_protocol_version(clinic, "psoriasis-ldn")
    draft_plan = do_create_plan(
        clinician,
        patient_a,
        protocol_version=psoriasis,
        condition=None,
        params=default_params(psoriasis.data, start_date=datetime.date(2030, 1, 7)),
    )
    active_plan = make_plan(patient_a, start=datetime.date(2030, 1, 7))
    pharmacy = make_pharmacy(clinic)
    prescription = do_draft_prescription(clinician, active_plan, pharmacy=pharmacy)
    plan_session = PlanSession.objects.create(
        clinic=clinic,
        patient=patient_a,
        plan=active_plan,
        plan_version=active_plan.current_version,
        adjunct_code="laser",
        adjunct_name="Laser",
        service=service,
        sequence=1,
        target_date=datetime.date(2030, 1, 8),
        earliest_date=datetime.date(2030, 1, 7),
        latest_date=datetime.date(2030, 1, 14),
    )
    side_effect = do_report_side_effect(
        Actor(user=users["patient"], ip=None, via="test"),
        active_plan,
        symptom="insomnia",
        severity=2,
        started_on=datetime.date(2020, 1, 1),
        note="",
    )
    signal = Signal.objects.create(
        clinic=clinic,
        patient=patient_a,
        plan=active_plan,
        rule="severe.any",
        severity="urgent",
        first_date=datetime.date(2030, 1, 7),
        last_date=datetime.date(2030, 1, 7),
        dates=["2030-01-07"],
    )
    assessment = do_record_assessment(
        clinician, patient_a, instrument_code="ITCH_NRS", items={"score": 4}, source="clinician"
    )
    assessment_request = AssessmentRequest.objects.create(
        clinic=clinic,
        patient=patient_a,
        plan=active_plan,
        instrument="ITCH_NRS",
        due_date=datetime.date(2030, 1, 7),
        token_hash="0" * 64,
        expires_at=start + datetime.timedelta(days=14),
    )
    # A photo row with no file on disk: its bytes are 404 for everyone.
    photo = ClinicalPhoto.objects.create(
        clinic=clinic,
        patient=patient_a,
        body_site="left_elbow",
        view="close_up",
        taken_at=start,
        file_path="not-stored.jpg",
        thumb_path="not-stored_thumb.jpg",
        sha256="0" * 64,
        content_type="image/jpeg",
        width=1,
        height=1,
        size_bytes=1,
    )
    evidence_study = do_save_study(
        Actor(user=users["admin"], ip=None, via="test"),
        clinic,
        get_condition(clinic, "psoriasis"),
        {
            "first_author": "Clinic X",
            "year": 2024,
            "design": "Case series",
            "outcome": "Itch fell.",
            "direction": "positive",
            "grade": "D",
            "citation": "Clinic X notes",
        },
    )
    return {
        "assessment": assessment.pk,
        "assessment_request": assessment_request.pk,
        "photo": photo.pk,
        "evidence_study": evidence_study.pk,
        "signal": signal.pk,
        "side_effect": side_effect.pk,
        "protocol": protocol.protocol.code,
        "plan": draft_plan.pk,
        "active_plan": active_plan.pk,
        "pharmacy": pharmacy.pk,
        "prescription": prescription.pk,
        "plan_session": plan_session.pk,
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
