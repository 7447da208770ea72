"""The appointment panel and its quick actions: arrived, no-show, completed, cancel,
identity checked, move."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse

from ldnclinic.accounts.models import ApiToken, Membership
from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.scheduling import views_calendar
from ldnclinic.scheduling.forms_calendar import slot_value
from ldnclinic.scheduling.models import Appointment, AppointmentStatus
from ldnclinic.scheduling.tests.calendar_support import HX, book, local
from ldnclinic.scheduling.tests.conftest import consult_service

MONDAY = dt.date(2026, 11, 30)
NOW = dt.datetime(2026, 11, 30, 13, 50, tzinfo=dt.UTC)  # 08:50 in New York


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def service(clinic, clinician):
    return consult_service(clinic, clinician, min_notice_hours=0)


@pytest.fixture
def appointment(service, patient_a):
    return book(patient_a, service, local(MONDAY, 9))


def url(name, appointment):
    return reverse(name, args=[appointment.pk])


def reload(appointment):
    return Appointment.objects.get(pk=appointment.pk)


def events(code):
    return AuditEvent.objects.filter(code=code)


# The panel


def test_the_panel_shows_the_appointment_and_audits_the_read(client_for, appointment):
    response = client_for("frontdesk").get(url("calendar_appointment", appointment))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Consultation" in html
    assert "Monday 30 November 2026" in html
    assert "09:00–09:30" in html  # New York time, not UTC
    assert "Alice Adams" in html and appointment.patient.mrn in html
    assert "<dd>Main</dd>" in html  # where the clinician works on Monday mornings
    for label in ("Arrived", "No-show", "Move", "Cancel appointment"):
        assert label in html
    assert "Completed</button>" not in html  # not before arrival
    (event,) = events(Event.APPOINTMENT_VIEWED)
    assert (event.patient, event.subject_id) == (appointment.patient, str(appointment.pk))


def test_the_panel_is_a_fragment_for_htmx_and_a_page_without(client_for, appointment):
    client = client_for("clinician")
    fragment = client.get(url("calendar_appointment", appointment), **HX).content.decode()
    assert fragment.lstrip().startswith('<section class="cal-detail" id="appointment-panel"')
    assert "<h2" in fragment and "<html" not in fragment
    page = client.get(url("calendar_appointment", appointment)).content.decode()
    assert "<html" in page and "<h1" in page and 'id="calendar-panel"' in page


def test_arrived_and_no_show_wait_until_the_day(client_for, service, patient_b):
    later = book(patient_b, service, local(MONDAY + dt.timedelta(days=2), 9))
    html = client_for("frontdesk").get(url("calendar_appointment", later)).content.decode()
    assert "Arrived</button>" not in html and "No-show</button>" not in html
    assert "Move" in html


# Status


def test_the_desk_marks_arrived_then_completed(client_for, appointment):
    client = client_for("frontdesk")
    response = client.post(url("calendar_appointment_status", appointment), {"status": "arrived"})
    assert response.status_code == 302
    assert response["Location"] == url("calendar_appointment", appointment) + "?changed=1"
    assert reload(appointment).status == AppointmentStatus.ARRIVED
    panel = client.get(response["Location"], **HX)
    assert panel["HX-Trigger"] == "calendar-changed"
    assert "Marked arrived." in panel.content.decode()

    client.post(url("calendar_appointment_status", appointment), {"status": "fulfilled"})
    assert reload(appointment).status == AppointmentStatus.FULFILLED
    changes = events(Event.APPOINTMENT_STATUS_CHANGED).order_by("pk")
    assert [e.payload["after"] for e in changes] == ["arrived", "fulfilled"]
    assert changes[0].actor.email == "frontdesk@x.test"


def test_the_desk_marks_a_no_show(client_for, appointment):
    client_for("clinician").post(
        url("calendar_appointment_status", appointment), {"status": "noshow"}
    )
    assert reload(appointment).status == AppointmentStatus.NOSHOW


def test_a_status_that_may_not_follow_is_refused(client_for, appointment):
    response = client_for("frontdesk").post(
        url("calendar_appointment_status", appointment), {"status": "fulfilled"}
    )
    assert response.status_code == 200
    assert "A booked appointment can become: arrived, noshow." in response.content.decode()
    assert reload(appointment).status == AppointmentStatus.BOOKED
    assert not events(Event.APPOINTMENT_STATUS_CHANGED).exists()


def test_an_unknown_status_is_refused(client_for, appointment):
    response = client_for("frontdesk").post(
        url("calendar_appointment_status", appointment), {"status": "cancelled"}
    )
    assert "Choose arrived, no-show or completed." in response.content.decode()
    assert reload(appointment).status == AppointmentStatus.BOOKED


def test_arrived_is_refused_days_ahead(client_for, service, patient_b):
    later = book(patient_b, service, local(MONDAY + dt.timedelta(days=2), 9))
    response = client_for("frontdesk").post(
        url("calendar_appointment_status", later), {"status": "arrived"}
    )
    assert "too early" in response.content.decode()
    assert reload(later).status == AppointmentStatus.BOOKED


# Cancel


def test_the_desk_cancels_with_a_reason(client_for, appointment):
    response = client_for("frontdesk").post(
        url("calendar_appointment_cancel", appointment), {"reason": "Called in sick"}
    )
    assert response.status_code == 302
    cancelled = reload(appointment)
    assert cancelled.status == AppointmentStatus.CANCELLED
    assert cancelled.cancelled_late  # ten minutes before, inside the 24-hour window
    (event,) = events(Event.APPOINTMENT_CANCELLED)
    assert event.payload == {"late": True, "reason": "Called in sick"}


def test_a_cancellation_needs_a_reason(client_for, appointment):
    response = client_for("frontdesk").post(url("calendar_appointment_cancel", appointment), {})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Say why the appointment is cancelled." in html
    assert '<details class="cal-cancel" open>' in html
    assert reload(appointment).status == AppointmentStatus.BOOKED


def test_a_completed_appointment_cannot_be_cancelled(client_for, appointment):
    Appointment.objects.filter(pk=appointment.pk).update(status=AppointmentStatus.FULFILLED)
    response = client_for("frontdesk").post(
        url("calendar_appointment_cancel", appointment), {"reason": "Oops"}
    )
    assert "This appointment cannot be cancelled." in response.content.decode()
    assert reload(appointment).status == AppointmentStatus.FULFILLED


# Identity checked


def test_the_desk_clears_an_identity_check(client_for, appointment):
    note = "The email matched; the date of birth differs."
    Appointment.objects.filter(pk=appointment.pk).update(identity_review=note)
    client = client_for("frontdesk")
    assert (
        "Identity checked</button>"
        in client.get(url("calendar_appointment", appointment)).content.decode()
    )
    response = client.post(url("calendar_appointment_identity_checked", appointment))
    assert response.status_code == 302
    assert reload(appointment).identity_review == ""
    (event,) = events(Event.APPOINTMENT_IDENTITY_CONFIRMED)
    assert event.payload == {"before": note}
    assert event.actor.email == "frontdesk@x.test"
    assert reload(appointment).history.first().history_user.email == "frontdesk@x.test"


def test_there_is_nothing_to_clear_without_a_check(client_for, appointment):
    response = client_for("frontdesk").post(
        url("calendar_appointment_identity_checked", appointment)
    )
    assert "no identity check pending" in response.content.decode()
    assert not events(Event.APPOINTMENT_IDENTITY_CONFIRMED).exists()


# Move


def test_the_move_panel_lists_the_free_times_of_a_day(client_for, appointment, service):
    response = client_for("frontdesk").get(
        url("calendar_appointment_move", appointment), {"date": "2026-12-01"}
    )
    assert response.status_code == 200
    labels = [s["label"] for g in response.context["groups"] for s in g["slots"]]
    assert labels[:3] == ["09:00", "09:15", "09:30"]
    assert labels[-1] == "11:30"


def test_it_moves_to_a_free_slot(client_for, appointment, clinician):
    start = local(dt.date(2026, 12, 1), 10, 15)
    response = client_for("frontdesk").post(
        url("calendar_appointment_move", appointment), {"slot": slot_value(clinician.pk, start)}
    )
    assert response.status_code == 302
    moved = reload(appointment)
    assert moved.start == start
    assert events(Event.APPOINTMENT_RESCHEDULED).count() == 1


def test_a_taken_slot_shows_the_next_free_ones(client_for, appointment, service, patient_b):
    taken = local(dt.date(2026, 12, 1), 10)
    book(patient_b, service, taken)
    response = client_for("frontdesk").post(
        url("calendar_appointment_move", appointment),
        {"slot": slot_value(appointment.practitioner_id, taken)},
        **HX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "That time has just been taken." in html
    assert "The next free times" in html
    labels = [s["label"] for g in response.context["groups"] for s in g["slots"]]
    assert labels[0] == "10:45"  # after 10:00-10:30 and its 10-minute buffer
    assert reload(appointment).start == local(MONDAY, 9)


def test_a_time_that_is_not_offered_is_refused(client_for, appointment, clinician):
    response = client_for("frontdesk").post(
        url("calendar_appointment_move", appointment),
        {"slot": slot_value(clinician.pk, local(dt.date(2026, 12, 1), 15))},
    )
    assert "That time is not offered" in response.content.decode()
    assert reload(appointment).start == local(MONDAY, 9)


def test_a_made_up_slot_is_refused(client_for, appointment):
    response = client_for("frontdesk").post(
        url("calendar_appointment_move", appointment), {"slot": "nonsense"}
    )
    assert "Choose one of the free times." in response.content.decode()


def test_only_a_booked_appointment_moves(client_for, appointment, clinician):
    Appointment.objects.filter(pk=appointment.pk).update(status=AppointmentStatus.ARRIVED)
    client = client_for("frontdesk")
    assert (
        "Only a booked appointment can be moved."
        in client.get(url("calendar_appointment_move", appointment)).content.decode()
    )
    response = client.post(
        url("calendar_appointment_move", appointment),
        {"slot": slot_value(clinician.pk, local(dt.date(2026, 12, 1), 10))},
    )
    assert "Only a booked appointment can be moved." in response.content.decode()
    assert reload(appointment).start == local(MONDAY, 9)


# Who may


WRITES = [
    ("calendar_appointment_status", {"status": "arrived"}),
    ("calendar_appointment_cancel", {"reason": "x"}),
    ("calendar_appointment_identity_checked", {}),
    ("calendar_appointment_move", {"slot": "x"}),
]


@pytest.mark.parametrize("name, data", WRITES)
@pytest.mark.parametrize("persona", ["other_staff", "patient", "patient2"])
def test_others_get_404_and_nothing_changes(client_for, appointment, name, data, persona):
    response = client_for(persona).post(url(name, appointment), data)
    assert response.status_code == 404
    assert reload(appointment).status == AppointmentStatus.BOOKED


@pytest.mark.parametrize("persona", ["other_staff", "patient", "patient2"])
def test_others_cannot_open_the_panel(client_for, appointment, persona):
    assert client_for(persona).get(url("calendar_appointment", appointment)).status_code == 404
    assert not events(Event.APPOINTMENT_VIEWED).exists()


def test_visitors_are_sent_to_sign_in(client_for, appointment):
    response = client_for("anonymous").post(
        url("calendar_appointment_status", appointment), {"status": "arrived"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_status_changes_need_a_post(client_for, appointment):
    response = client_for("frontdesk").get(url("calendar_appointment_status", appointment))
    assert response.status_code == 405


@pytest.fixture
def read_only_role(users):
    """A staff role outside the writing roles (e.g. a future auditor role)."""
    Membership.objects.filter(user=users["frontdesk"]).update(role="auditor")


@pytest.mark.parametrize("name, data", WRITES)
def test_a_read_only_role_gets_403(client_for, appointment, read_only_role, name, data):
    client = client_for("frontdesk")
    assert client.get(reverse("calendar")).status_code == 200
    assert client.get(url("calendar_appointment", appointment)).status_code == 200
    assert client.post(url(name, appointment), data).status_code == 403
    assert client.get(url("calendar_appointment_move", appointment)).status_code == 403
    assert reload(appointment).status == AppointmentStatus.BOOKED


def test_a_read_only_role_sees_no_action_buttons(client_for, appointment, read_only_role):
    html = client_for("frontdesk").get(url("calendar_appointment", appointment)).content.decode()
    assert "Arrived</button>" not in html and "Cancel appointment" not in html


def test_a_read_only_token_gets_403(users, clinic, appointment):
    request = RequestFactory().post(
        url("calendar_appointment_status", appointment), {"status": "arrived"}
    )
    request.user = users["frontdesk"]
    request.session = {}
    request.api_token = ApiToken(user=users["frontdesk"], clinic=clinic, read_only=True)
    with pytest.raises(PermissionDenied):
        views_calendar.appointment_status(request, appointment.pk)
    assert reload(appointment).status == AppointmentStatus.BOOKED
