"""The public booking pages: clinics, services, a week of times, the details form."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client

from ldnclinic.accounts.models import Clinic, Membership
from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient
from ldnclinic.patients.models import Patient
from ldnclinic.scheduling.models import Appointment, BookingSource, Service
from ldnclinic.scheduling.tests.conftest import consult_service

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)  # Wednesday, 07:00 in New York
SLOTS = "/book/clinic-x/consult/"
DETAILS = "/book/clinic-x/consult/details/"
MONDAY_9 = "2026-11-30T14:00:00Z"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def service(clinic, clinician):
    return consult_service(
        clinic,
        clinician,
        min_notice_hours=2,
        horizon_days=60,
        price_display="$180",
        description="A first visit to talk through your skin.",
    )


def form_data(**changes):
    return {
        "given_name": "Nora",
        "family_name": "Quinn",
        "birth_date": "1985-03-04",
        "email": "nora@example.test",
        "phone": "+1 555 0101",
        "condition": "vitiligo",
        "reason": "",
        "privacy": "on",
        **changes,
    }


def details_url(start=MONDAY_9, **params):
    query = "&".join(f"{k}={v}" for k, v in {"start": start, **params}.items())
    return f"{DETAILS}?{query}"


def slot_links(html):
    return re.findall(r'class="slot" href="([^"]+)"', html)


def test_one_clinic_redirects_straight_to_it(service, client):
    response = client.get("/book/")
    assert response.status_code == 302
    assert response["Location"] == "/book/clinic-x/"


def test_several_clinics_are_listed(service, other_clinic, client):
    Service.objects.create(clinic=other_clinic, name="Laser", slug="laser", duration_minutes=60)
    html = client.get("/book/").content.decode()
    assert "/book/clinic-x/" in html and "/book/clinic-y/" in html


def test_the_service_list_shows_only_online_services(service, clinic, client):
    Service.objects.create(
        clinic=clinic, name="Staff only", slug="inhouse", duration_minutes=10, online_bookable=False
    )
    html = client.get("/book/clinic-x/").content.decode()
    assert "Consultation" in html and "30 minutes" in html and "$180" in html
    assert "A first visit to talk through your skin." in html
    assert "Staff only" not in html
    assert client.get("/book/clinic-x/inhouse/").status_code == 404
    assert client.get("/book/no-such-clinic/").status_code == 404


def test_the_week_shows_free_times_in_the_clinics_zone(service, client):
    response = client.get(SLOTS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "23 November – 29 November 2026" in html
    assert "EST (New York time)" in html
    links = slot_links(html)
    # Wednesday from 09:00 (two hours' notice from 07:00), Thursday, Friday; 11 a day.
    assert len(links) == 33
    assert links[0] == "/book/clinic-x/consult/details/?start=2026-11-25T14%3A00%3A00Z"
    assert 'aria-label="Wednesday 25 November, 09:00">09:00<' in html
    assert "← Earlier week" not in html  # nothing before this week


def test_weeks_are_navigated_with_links_and_htmx(service, client):
    html = client.get(SLOTS).content.decode()
    later = re.search(r'href="([^"]+)"[^>]*rel="next"', html).group(1).replace("&amp;", "&")
    assert later == f"{SLOTS}?practitioner=any&week=2026-11-30"
    full = client.get(later).content.decode()
    assert "30 November – 6 December 2026" in full and "<html" in full
    assert len(slot_links(full)) == 55
    fragment = client.get(later, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and "30 November – 6 December 2026" in fragment
    assert 'rel="prev"' in fragment


def test_the_week_beyond_the_horizon_is_clamped(service, client):
    html = client.get(f"{SLOTS}?week=2030-01-01").content.decode()
    # 60 days from 25 November is 24 January: the last week that can hold a slot.
    assert "18 January – 24 January 2027" in html
    assert "Later week" not in html
    html = client.get(f"{SLOTS}?week=garbage").content.decode()
    assert "23 November – 29 November 2026" in html


def test_an_empty_week_points_to_the_next_free_time(service, client):
    Service.objects.filter(pk=service.pk).update(min_notice_hours=24 * 14)
    html = client.get(SLOTS).content.decode()
    assert "No free times this week" in html
    assert "Wednesday 9 December" in html


def test_choosing_a_practitioner_filters_and_carries_on(service, client, clinician, users):
    html = client.get(f"{SLOTS}?practitioner={clinician.pk}").content.decode()
    assert slot_links(html)[0].endswith(f"&amp;practitioner={clinician.pk}")
    admin = Membership.objects.get(user=users["admin"])
    html = client.get(f"{SLOTS}?practitioner={admin.pk}").content.decode()
    assert "That practitioner does not perform this service." in html
    assert "practitioner=" not in slot_links(html)[0]


def test_another_clinics_service_is_not_found_under_this_clinic(service, other_clinic, client):
    Service.objects.create(clinic=other_clinic, name="Laser", slug="laser", duration_minutes=60)
    assert client.get("/book/clinic-x/laser/").status_code == 404
    assert client.get("/book/clinic-y/consult/").status_code == 404
    assert client.get(details_url().replace("clinic-x", "clinic-y")).status_code == 404
    assert (
        client.post(details_url().replace("clinic-x", "clinic-y"), form_data()).status_code == 404
    )


def test_the_details_form_books_and_confirms(service, client, django_capture_on_commit_callbacks):
    page = client.get(details_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "Monday 30 November 2026, 09:00–09:30 EST (New York time)" in html
    assert "privacy-notice" in html and "Hailey-Hailey disease" in html
    assert '<label for="id_email">' in html and "<legend>About you</legend>" in html
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(details_url(), form_data(idempotency_key=key))
    assert response.status_code == 302
    assert re.match(r"^/booking/[^/]+/booked/$", response["Location"])
    appointment = Appointment.objects.get()
    assert appointment.source == BookingSource.ONLINE
    assert appointment.reason == "Condition of interest: Vitiligo."
    assert appointment.idempotency_key == key
    assert appointment.patient.email == "nora@example.test"
    confirmed = client.get(response["Location"]).content.decode()
    assert "You are booked" in confirmed and "Monday 30 November 2026" in confirmed
    assert "We have emailed you a confirmation" in confirmed
    assert len(mail.outbox) == 1
    # A double-click sends the same form twice: still one booking.
    again = client.post(details_url(), form_data(idempotency_key=key))
    assert again.status_code == 302
    assert Appointment.objects.count() == 1


def test_a_key_the_form_did_not_make_is_ignored(service, client):
    response = client.post(details_url(), form_data(idempotency_key="someone-elses-api-key"))
    assert response.status_code == 302
    assert Appointment.objects.get().idempotency_key is None


def test_without_a_time_the_details_page_is_400(service, client):
    for url in (DETAILS, f"{DETAILS}?start=tomorrow", f"{DETAILS}?start=2026-11-30T14:00:00"):
        response = client.get(url)
        assert response.status_code == 400
        assert "Choose a time first" in response.content.decode()


@pytest.mark.parametrize(
    "start, message",
    [
        ("2026-11-24T14:00:00Z", "That time is in the past."),
        ("2026-11-30T18:00:00Z", "outside working hours"),
        ("2026-11-25T13:00:00Z", "2 hours&#x27; notice"),
        ("2027-03-01T14:00:00Z", "at most 60 days ahead"),
    ],
)
def test_a_time_not_offered_is_explained_on_the_form(service, client, start, message):
    response = client.post(details_url(start), form_data())
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'role="alert"' in html
    assert 'value="Nora"' in html  # what was typed is kept
    assert not Patient.objects.exists()


def test_a_practitioner_who_does_not_perform_it_is_explained(service, client, users):
    admin = Membership.objects.get(user=users["admin"])
    response = client.post(details_url(practitioner=admin.pk), form_data())
    assert "That practitioner does not perform this service." in response.content.decode()
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"email": "nora-at-example"}, "email", "Enter a valid email address"),
        ({"birth_date": "2026-12-24"}, "birth_date", "cannot be in the future"),
        ({"birth_date": "24/12/85"}, "birth_date", "YYYY-MM-DD"),
        ({"privacy": ""}, "privacy", "Tick the box to agree to the privacy notice"),
        ({"condition": ""}, "condition", "Choose what you would like help with"),
        ({"phone": "call me"}, "phone", "Enter a phone number"),
        ({"given_name": ""}, "given_name", "Enter your first name."),
        ({"email": ""}, "email", "Enter your email address."),
    ],
)
def test_bad_details_get_field_errors(service, client, changes, field, message):
    response = client.post(details_url(), form_data(**changes))
    assert response.status_code == 200
    html = response.content.decode()
    errors = re.search(rf'<div id="id_{field}_error">(.*?)</div>', html, re.S)
    assert errors and message in errors.group(1), html
    assert "Please correct the fields marked below." in html
    assert not Patient.objects.exists()


def test_an_empty_form_shows_every_required_field(service, client):
    response = client.post(details_url(), {})
    html = response.content.decode()
    for field in ("given_name", "family_name", "birth_date", "email", "phone", "privacy"):
        assert f'id="id_{field}_error"' in html
    assert not Patient.objects.exists()


def test_a_taken_time_offers_the_next_ones_and_keeps_the_details(service, client, clinic):
    make_patient(clinic, email="first@example.test")
    Client().post(details_url(), form_data(email="first@example.test", birth_date="1980-05-17"))
    response = client.post(details_url(), form_data())
    assert response.status_code == 409
    html = response.content.decode()
    assert "That time has just been taken." in html
    assert 'formaction="/book/clinic-x/consult/details/?start=2026-11-30T14%3A45%3A00Z"' in html
    assert 'value="nora@example.test"' in html
    assert Appointment.objects.count() == 1


def test_the_form_is_rate_limited_too(service, client, settings):
    settings.PUBLIC_BOOKING_PER_HOUR = 2
    client.post(details_url(), form_data(email="bad"))
    client.post(details_url(), form_data(email="bad"))
    response = client.post(details_url(), form_data())
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert "Too many booking attempts" in response.content.decode()
    assert not Appointment.objects.exists()
    # The API shares the count.
    body = {
        "service": "consult",
        "start": MONDAY_9,
        "patient": {
            "given_name": "Nora",
            "family_name": "Quinn",
            "email": "nora@example.test",
            "phone": "+1 555 0101",
            "birth_date": "1985-03-04",
        },
    }
    api = client.post("/api/v1/public/bookings", body, content_type="application/json")
    assert api.status_code == 429
    assert not AuditEvent.objects.filter(code=Event.APPOINTMENT_BOOKED).exists()


def test_a_signed_in_patient_is_pointed_to_the_portal(service, client_for, patient_a):
    html = client_for("patient").get("/book/clinic-x/").content.decode()
    assert "/portal/book/" in html


def test_clinics_without_online_services_are_not_listed(service, client):
    Clinic.objects.create(name="Clinic Z", slug="clinic-z")
    assert client.get("/book/")["Location"] == "/book/clinic-x/"
    html = client.get("/book/clinic-z/").content.decode()
    assert "does not take bookings online" in html
