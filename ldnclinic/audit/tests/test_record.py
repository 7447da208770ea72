import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor, record
from ldnclinic.audit.models import AuditEvent


def test_it_records_who_what_where_and_from_where(users, patient_a, clinic):
    event = record(
        Event.PATIENT_VIEWED,
        Actor(users["clinician"], "203.0.113.1", "api"),
        patient=patient_a,
        subject=patient_a,
        extra="yes",
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.code == 100
    assert stored.get_code_display() == "Patient record viewed"
    assert (stored.actor, stored.actor_label) == (users["clinician"], "clinician@x.test")
    assert (stored.clinic_id, stored.patient) == (clinic.pk, patient_a)
    assert (stored.subject_type, stored.subject_id) == ("patients.patient", str(patient_a.pk))
    assert (stored.source_ip, stored.via, stored.payload) == (
        "203.0.113.1",
        "api",
        {"extra": "yes"},
    )
    assert stored.created_at is not None


def test_an_explicit_clinic_wins_over_the_patients(patient_a, other_clinic):
    event = record(Event.PATIENT_VIEWED, Actor.system(), clinic=other_clinic, patient=patient_a)
    assert event.clinic_id == other_clinic.pk


def test_it_takes_a_clinic_id(other_clinic):
    event = record(Event.PATIENT_LIST_VIEWED, Actor.system(), clinic_id=other_clinic.pk)
    assert AuditEvent.objects.get(pk=event.pk).clinic_id == other_clinic.pk
    assert event.payload == {}


def test_a_system_actor_is_labelled_by_its_channel(db):
    event = record(Event.LOGOUT, Actor.system(via="cli"))
    assert (event.actor, event.actor_label, event.via, event.source_ip) == (
        None,
        "cli",
        "cli",
        None,
    )


@pytest.mark.parametrize("path, via", [("/patients/", "web"), ("/api/v1/patients", "api")])
def test_an_actor_from_a_request_knows_the_channel_and_address(users, path, via):
    request = RequestFactory().get(path, REMOTE_ADDR="198.51.100.2")
    request.user = users["admin"]
    assert Actor.from_request(request) == Actor(users["admin"], "198.51.100.2", via)


def test_an_anonymous_request_has_no_user(db):
    request = RequestFactory().get("/login/")
    request.user = AnonymousUser()
    assert Actor.from_request(request).user is None


def test_the_address_is_the_client_behind_a_proxy(db, settings):
    settings.PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.50"
    )
    assert Actor.from_request(request).ip == "203.0.113.50"
    settings.PROXY_COUNT = 0
    assert Actor.from_request(request).ip == "10.0.0.1"
