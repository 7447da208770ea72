"""The waitlist pages: the portal's, the front desk's, and the offer link."""

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient
from ldnclinic.scheduling.links import offer_token
from ldnclinic.scheduling.models import Appointment, WaitlistEntry, WaitlistOffer
from ldnclinic.scheduling.tests.conftest import consult_service
from ldnclinic.scheduling.tests.test_waitlist_actions import (
    NOW,
    STAFF,
    at,
    book,
    cancel,
    date,
    offer_mails,
)
from ldnclinic.scheduling.waitlist import do_join_waitlist, do_leave_waitlist

PORTAL = "/portal/waitlist/"
STAFF_LIST = "/waitlist/"
STAFF_ADD = "/waitlist/add/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def service(clinic, clinician):
    return consult_service(clinic, clinician, min_notice_hours=2, horizon_days=60)


def join(patient, service, earliest=1, latest=4, **fields):
    return do_join_waitlist(
        STAFF,
        patient=patient,
        service=service,
        earliest_date=date(earliest),
        latest_date=date(latest),
        **fields,
    )


def portal_form(service, earliest="2026-12-01", latest="2026-12-04", **fields):
    return {"service": service.pk, "earliest_date": earliest, "latest_date": latest, **fields}


def errors_in(response):
    return [
        re.sub(r"\s+", " ", e).strip()
        for e in re.findall(r'class="error">(.*?)<', response.content.decode())
    ]


# The portal ------------------------------------------------------------------------


def test_a_patient_joins_from_the_portal(client_for, service, patient_a, users):
    client = client_for("patient")
    response = client.post(PORTAL, portal_form(service, note="Mornings suit me"))
    assert response.status_code == 302
    entry = WaitlistEntry.objects.get()
    assert (entry.patient, entry.service, entry.status) == (patient_a, service, "waiting")
    assert (entry.earliest_date, entry.note) == (date(1), "Mornings suit me")
    event = AuditEvent.objects.get(code=Event.WAITLIST_JOINED)
    assert event.actor == users["patient"]
    assert event.payload["by_staff"] is False
    page = client.get(response["Location"])
    assert "You are on the waitlist for Consultation." in page.content.decode()
    assert [row["entry"] for row in page.context["rows"]] == [entry]


def test_the_portal_lists_only_my_own_entries(client_for, service, patient_a, patient_b):
    mine = join(patient_a, service)
    join(patient_b, service, earliest=2)
    response = client_for("patient").get(PORTAL)
    assert [row["entry"] for row in response.context["rows"]] == [mine]
    event = AuditEvent.objects.filter(code=Event.PATIENT_LIST_VIEWED).latest("id")
    assert event.payload["patient_ids"] == [patient_a.pk]


@pytest.mark.parametrize(
    ("form", "error"),
    [
        (
            {"earliest_date": "2026-12-04", "latest_date": "2026-12-01"},
            "The last date must not be before the first.",
        ),
        ({"earliest_date": "2026-11-20"}, "The first date cannot be in the past."),
        ({"earliest_date": "soon"}, "Give a date."),
        ({"latest_date": ""}, "Give the last date."),
        ({"note": "x" * 301}, "Keep the note under 300 characters."),
    ],
)
def test_the_portal_shows_what_is_wrong(client_for, service, patient_a, form, error):
    response = client_for("patient").post(PORTAL, {**portal_form(service), **form})
    assert response.status_code == 200
    assert error in errors_in(response)
    assert WaitlistEntry.objects.count() == 0


def test_the_portal_says_when_i_am_already_waiting(client_for, service, patient_a):
    join(patient_a, service)
    response = client_for("patient").post(PORTAL, portal_form(service, latest="2026-12-09"))
    assert errors_in(response)[0].startswith("You are already on the waitlist for Consultation")
    assert WaitlistEntry.objects.count() == 1


def test_the_portal_offers_only_services_booked_online(client_for, service, patient_a):
    service.online_bookable = False
    service.save()
    response = client_for("patient").post(PORTAL, portal_form(service))
    assert response.context["form"].errors["service"] == ["Choose one of the services listed."]
    assert "does not take waitlist requests online" in response.content.decode()
    assert WaitlistEntry.objects.count() == 0


def test_the_portal_brings_forward_only_my_own_appointment(
    client_for, service, patient_a, patient_b
):
    theirs = book(patient_b, service, at(9, 10))
    response = client_for("patient").post(
        PORTAL, portal_form(service, current_appointment=theirs.pk)
    )
    assert "Choose one of your appointments listed." in errors_in(response)
    mine = book(patient_a, service, at(9, 11))
    response = client_for("patient").post(PORTAL, portal_form(service, current_appointment=mine.pk))
    assert response.status_code == 302
    assert WaitlistEntry.objects.get().current_appointment == mine


def test_a_patient_leaves_the_waitlist(client_for, service, patient_a):
    entry = join(patient_a, service)
    response = client_for("patient").post(reverse("waitlist_portal_leave", args=[entry.pk]))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == "withdrawn"
    assert AuditEvent.objects.get(code=Event.WAITLIST_LEFT).payload["by_staff"] is False


def test_a_patient_cannot_leave_someone_elses_entry(client_for, service, patient_a, patient_b):
    entry = join(patient_a, service)
    url = reverse("waitlist_portal_leave", args=[entry.pk])
    assert client_for("patient2").post(url).status_code == 404
    assert client_for("frontdesk").post(url).status_code == 404
    entry.refresh_from_db()
    assert entry.status == "waiting"


def test_the_portal_links_to_an_open_offer(client_for, service, patient_a, clinician):
    entry = join(patient_a, service)
    offer = WaitlistOffer.objects.create(
        entry=entry, start=at(1, 9), practitioner=clinician, expires_at=NOW + dt.timedelta(hours=1)
    )
    body = client_for("patient").get(PORTAL).content.decode()
    assert "Tue 1 Dec 09:00 EST (open until Wed 25 Nov 08:00 EST)" in body
    assert f'href="{offer_url(offer)}"' in body
    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        body = client_for("patient").get(PORTAL).content.decode()
    assert "Tue 1 Dec 09:00 EST (expired)" in body
    assert "/waitlist/offer/" not in body


def test_the_portal_needs_a_patient_record(client_for, service):
    assert client_for("clinician").get(PORTAL).status_code == 404
    assert client_for("anonymous").get(PORTAL).status_code == 302


# The front desk --------------------------------------------------------------------


def staff_form(patient, service, **fields):
    return {
        "mrn": patient.mrn,
        "service": service.pk,
        "earliest_date": "2026-12-01",
        "latest_date": "2026-12-04",
        **fields,
    }


def test_the_front_desk_adds_a_patient_by_record_number(client_for, service, patient_a, users):
    response = client_for("frontdesk").post(STAFF_ADD, staff_form(patient_a, service))
    assert response.status_code == 302
    assert response["Location"] == f"{STAFF_LIST}?service={service.pk}"
    entry = WaitlistEntry.objects.get()
    assert entry.patient == patient_a
    event = AuditEvent.objects.get(code=Event.WAITLIST_JOINED)
    assert (event.actor, event.payload["by_staff"]) == (users["frontdesk"], True)


def test_staff_may_add_to_a_service_not_booked_online(client_for, service, patient_a):
    service.online_bookable = False
    service.save()
    response = client_for("frontdesk").post(STAFF_ADD, staff_form(patient_a, service))
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"mrn": "X999"}, "No patient of this clinic has that record number."),
        ({"latest_date": "2026-11-30"}, "The last date must not be before the first."),
        (
            {"bring_forward": "on"},
            "This patient has no upcoming appointment for this service.",
        ),
    ],
)
def test_the_add_form_shows_what_is_wrong(client_for, service, patient_a, fields, error):
    response = client_for("frontdesk").post(STAFF_ADD, {**staff_form(patient_a, service), **fields})
    assert response.status_code == 200
    assert error in errors_in(response)
    assert WaitlistEntry.objects.count() == 0


def test_the_add_form_says_when_the_patient_is_already_waiting(client_for, service, patient_a):
    join(patient_a, service)
    response = client_for("frontdesk").post(STAFF_ADD, staff_form(patient_a, service))
    assert errors_in(response)[0].startswith("This patient is already on the waitlist")


def test_staff_cannot_add_another_clinics_patient(client_for, service, patient_y):
    patient_y.mrn = "X0001"  # the record number of nobody in clinic X
    patient_y.save()
    response = client_for("frontdesk").post(STAFF_ADD, staff_form(patient_y, service))
    assert "No patient of this clinic has that record number." in errors_in(response)


def test_the_add_form_brings_forward_the_next_appointment(client_for, service, patient_a):
    book(patient_a, service, at(9, 11))
    nearest = book(patient_a, service, at(8, 10))
    form = staff_form(patient_a, service, latest_date="2026-12-08", bring_forward="on")
    response = client_for("frontdesk").post(STAFF_ADD, form)
    assert response.status_code == 302
    assert WaitlistEntry.objects.get().current_appointment == nearest


def test_the_staff_list_shows_the_queue_per_service(client_for, service, patient_a, patient_b):
    first = join(patient_a, service)
    second = join(patient_b, service, earliest=2)
    response = client_for("clinician").get(STAFF_LIST)
    assert response.status_code == 200
    [group] = response.context["groups"]
    assert [(r["place"], r["entry"]) for r in group["rows"]] == [(1, first), (2, second)]
    assert AuditEvent.objects.filter(code=Event.PATIENT_LIST_VIEWED).exists()


def test_the_staff_list_hides_other_clinics_entries(client_for, service, patient_a):
    join(patient_a, service)
    response = client_for("other_staff").get(STAFF_LIST)
    assert response.status_code == 200
    assert response.context["groups"] == []
    assert "Adams" not in response.content.decode()


def test_the_staff_list_filters_by_status(client_for, service, patient_a, patient_b):
    join(patient_a, service)
    left = join(patient_b, service)
    client_for("frontdesk").post(reverse("waitlist_remove", args=[left.pk]))
    client = client_for("frontdesk")
    waiting = client.get(STAFF_LIST).context["groups"][0]["rows"]
    closed = client.get(STAFF_LIST, {"status": "closed"}).context["groups"][0]["rows"]
    assert [r["entry"].patient for r in waiting] == [patient_a]
    assert [r["entry"].patient for r in closed] == [patient_b]
    partial = client.get(STAFF_LIST, {"status": "closed"}, HTTP_HX_REQUEST="true")
    assert "<h1>" not in partial.content.decode()


def test_the_staff_list_query_count_does_not_grow(client_for, clinic, service):
    client = client_for("frontdesk")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(STAFF_LIST).status_code == 200
        return len(captured)

    for n in range(2):
        join(make_patient(clinic, given_name=f"P{n}"), service)
    queries()  # the first request of a session does more (session, sign-in checks)
    few = queries()
    for n in range(2, 8):
        entry = join(make_patient(clinic, given_name=f"P{n}"), service)
        WaitlistOffer.objects.create(
            entry=entry,
            start=at(1, 9),
            practitioner=service.practitioners.get(),
            expires_at=NOW + dt.timedelta(hours=1),
        )
    assert queries() == few


def test_the_front_desk_removes_an_entry(client_for, service, patient_a, users):
    entry = join(patient_a, service)
    response = client_for("frontdesk").post(reverse("waitlist_remove", args=[entry.pk]))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == "withdrawn"
    event = AuditEvent.objects.get(code=Event.WAITLIST_LEFT)
    assert (event.actor, event.payload["by_staff"]) == (users["frontdesk"], True)


def test_other_clinics_and_patients_cannot_remove_an_entry(client_for, service, patient_a):
    entry = join(patient_a, service)
    url = reverse("waitlist_remove", args=[entry.pk])
    for persona in ("other_staff", "patient", "patient2"):
        assert client_for(persona).post(url).status_code == 404, persona
    entry.refresh_from_db()
    assert entry.status == "waiting"


# The offer link --------------------------------------------------------------------


@pytest.fixture
def offered(clinic, service, patient_a, patient_b, django_capture_on_commit_callbacks):
    """Monday 30 November 09:00 is freed (patient B cancels) and offered to Ann, then Ben."""
    clinic.phone, clinic.email = "+1 718 555 0100", "desk@clinic-x.test"
    clinic.save()
    service.location = clinic.locations.get()
    service.save()
    appointment = book(patient_b, service, at(30, 9))
    Appointment.objects.filter(pk=appointment.pk).update(reason="Psoriasis flare")
    for name in ("Ann", "Ben"):
        patient = make_patient(clinic, given_name=name, email=f"{name.lower()}@mail.test")
        join(patient, service, earliest=30, note="Knee pain, mornings")
    cancel(appointment, django_capture_on_commit_callbacks)
    return {o.entry.patient.given_name: o for o in WaitlistOffer.objects.order_by("id")}


def offer_url(offer):
    return reverse("waitlist_offer", args=[offer_token(offer)])


def test_the_offer_email_carries_only_the_slot_and_the_link(offered, client):
    ann_mail, ben_mail = offer_mails()
    assert ann_mail.to == ["ann@mail.test"]
    assert ann_mail.subject == "An earlier appointment is free at Clinic X"
    html = ann_mail.alternatives[0][0]
    for text in (ann_mail.body, html):
        assert "Consultation" in text
        assert "Monday 30 November 2026, 09:00–09:30 EST" in text
        assert "Main, Brooklyn" in text
        assert "Clinic X" in text
        assert "+1 718 555 0100" in text
        for private in ("Psoriasis", "Knee", "Ann", "Adams"):
            assert private not in text
    link = re.search(r"https?://\S+/waitlist/offer/\S+/", ann_mail.body).group(0)
    assert urlsplit(link).path == offer_url(offered["Ann"])
    assert client.get(urlsplit(link).path).status_code == 200


def test_the_offer_page_shows_the_slot_without_signing_in(offered, client):
    response = client.get(offer_url(offered["Ann"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Monday 30 November 2026, 09:00–09:30 EST" in body
    assert "Confirm this time" in body


def test_the_first_to_confirm_gets_it_and_the_second_sees_taken(offered, client):
    response = client.post(offer_url(offered["Ann"]))
    assert response.status_code == 200
    assert "You are booked" in response.content.decode()
    appointment = Appointment.objects.get(status="booked")
    assert (appointment.patient.given_name, appointment.source) == ("Ann", "waitlist")
    assert AuditEvent.objects.get(code=Event.WAITLIST_ACCEPTED).payload["appointment"] == (
        appointment.pk
    )
    for method in (client.get, client.post):
        response = method(offer_url(offered["Ben"]))
        assert response.status_code == 410
        assert "<h1>Someone else took this time</h1>" in response.content.decode()
        assert "You stay on the waitlist" in response.content.decode()
    assert Appointment.objects.filter(status="booked").count() == 1


def test_losing_the_race_says_taken_and_keeps_the_patient_waiting(offered, client, patient_a):
    # Someone books the slot directly while Ben's offer is still open.
    book(patient_a, offered["Ben"].entry.service, at(30, 9))
    response = client.post(offer_url(offered["Ben"]))
    assert response.status_code == 409
    assert "Someone else took this time" in response.content.decode()
    assert "You stay on the waitlist" in response.content.decode()
    offered["Ben"].refresh_from_db()
    assert offered["Ben"].status == "gone"
    assert offered["Ben"].entry.status == "waiting"


def test_a_used_link_says_so(offered, client):
    url = offer_url(offered["Ann"])
    client.post(url)
    response = client.post(url)
    assert response.status_code == 410
    assert "You have already confirmed this offer" in response.content.decode()
    assert Appointment.objects.filter(status="booked").count() == 1


def test_an_expired_link_says_so(offered, client):
    with time_machine.travel(offered["Ann"].expires_at, tick=False):
        response = client.get(offer_url(offered["Ann"]))
    assert response.status_code == 410
    assert "This offer has expired." in response.content.decode()


@pytest.mark.parametrize("token", ["garbled", "eyJvIjoxfQ:1vG0Zx:abc"])
def test_a_garbled_link_is_not_found(offered, client, token):
    response = client.get(reverse("waitlist_offer", args=[token]))
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()


def test_a_link_after_leaving_the_waitlist_says_so(offered, client):
    do_leave_waitlist(STAFF, offered["Ann"].entry)
    response = client.post(offer_url(offered["Ann"]))
    assert response.status_code == 410
    assert "no longer on this waitlist" in response.content.decode()


def test_confirming_moves_the_current_appointment(
    clinic, service, patient_b, client, django_capture_on_commit_callbacks
):
    patient = make_patient(clinic, given_name="Flo", email="flo@mail.test")
    current = book(patient, service, at(3, 10))
    join(patient, service, earliest=30, latest=3, current_appointment=current)
    cancel(book(patient_b, service, at(30, 9)), django_capture_on_commit_callbacks)
    url = offer_url(WaitlistOffer.objects.get())
    page = client.get(url)
    assert "your current appointment on Thu 3 Dec 10:00 EST" in (page.content.decode())
    assert AuditEvent.objects.filter(code=Event.APPOINTMENT_VIEWED, patient=patient).exists()
    response = client.post(url)
    assert response.status_code == 200
    assert "Your earlier booking on Thu 3 Dec 10:00 EST has been cancelled" in (
        response.content.decode()
    )
    current.refresh_from_db()
    assert (current.status, current.cancelled_late) == ("cancelled", False)
