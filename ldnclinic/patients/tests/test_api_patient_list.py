import datetime

import pytest
import time_machine

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient
from ldnclinic.patients.actions import do_deactivate_patient

URL = "/api/v1/patients"
API_LIST_QUERIES = 10


def names(response):
    return [p["given_name"] for p in response.json()["items"]]


def test_it_lists_the_clinics_active_patients(client_for, patient_a, patient_b, patient_y):
    response = client_for("clinician").get(URL)
    assert response.status_code == 200
    body = response.json()
    assert names(response) == ["Alice", "Bob"]
    assert body["page"] == {"count": 2, "page": 1, "pages": 1, "page_size": 25}
    assert body["items"][0]["mrn"] == patient_a.mrn
    assert body["items"][0]["date_of_birth"] == "1980-05-17"


def test_it_lists_with_a_bearer_token(bearer, patient_a, patient_b, patient_y):
    response = bearer("frontdesk").get(URL)
    assert response.status_code == 200
    assert names(response) == ["Alice", "Bob"]


def test_it_searches(client_for, patient_a, patient_b):
    client = client_for("clinician")
    assert names(client.get(URL, {"q": "brown"})) == ["Bob"]
    assert names(client.get(URL, {"q": patient_a.mrn})) == ["Alice"]
    assert names(client.get(URL, {"q": "1980-05-17"})) == ["Alice", "Bob"]


def test_it_hides_inactive_patients_unless_asked(client_for, patient_a, patient_b):
    do_deactivate_patient(Actor.system(), patient_b, "Moved away")
    client = client_for("clinician")
    assert names(client.get(URL)) == ["Alice"]
    response = client.get(URL, {"include_inactive": "true"})
    assert names(response) == ["Alice", "Bob"]
    assert response.json()["items"][1]["is_active"] is False


def test_it_pages(client_for, clinic):
    for i in range(7):
        make_patient(clinic, family_name=f"Z{i}")
    client = client_for("clinician")
    first = client.get(URL, {"page_size": 3}).json()
    last = client.get(URL, {"page_size": 3, "page": 3}).json()
    assert first["page"] == {"count": 7, "page": 1, "pages": 3, "page_size": 3}
    assert [p["family_name"] for p in first["items"]] == ["Z0", "Z1", "Z2"]
    assert [p["family_name"] for p in last["items"]] == ["Z6"]


def test_it_allows_pages_of_100(client_for, clinic):
    response = client_for("clinician").get(URL, {"page_size": 100})
    assert response.json()["page"]["page_size"] == 100


@pytest.mark.parametrize(
    "params, field",
    [
        ({"page": 0}, None),
        ({"page": 2}, None),
        ({"page": -1}, None),
        ({"page": "abc"}, "page"),
        ({"page_size": 101}, "page_size"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
        ({"q": "q" * 101}, "q"),
    ],
)
def test_a_bad_page_is_a_400_in_the_error_shape(client_for, patient_a, params, field):
    response = client_for("clinician").get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"error", "fields"}
    if field:
        assert field in body["fields"] and body["error"].startswith(f"{field}: ")
    else:
        assert body["error"] == "page must be between 1 and 1."
    assert not AuditEvent.objects.filter(code=Event.PATIENT_LIST_VIEWED).exists()


def test_a_patient_lists_only_their_own_record(client_for, patient_a, patient_b, patient_y):
    assert names(client_for("patient").get(URL)) == ["Alice"]
    assert names(client_for("patient").get(URL, {"q": "bob"})) == []
    assert names(client_for("patient2").get(URL, {"include_inactive": "true"})) == ["Bob"]


def test_another_clinics_admin_lists_only_their_clinic(client_for, patient_a, patient_y):
    assert names(client_for("other_staff").get(URL)) == ["Yara"]
    assert names(client_for("other_staff").get(URL, {"q": "alice"})) == []


def test_a_token_for_one_clinic_lists_only_that_clinic(
    bearer, users, clinic, other_clinic, patient_a, patient_y
):
    from ldnclinic.accounts.models import Membership, Role

    Membership.objects.create(user=users["admin"], clinic=other_clinic, role=Role.ADMIN)
    assert names(bearer("admin", token_clinic=other_clinic).get(URL)) == ["Yara"]
    assert names(bearer("admin", token_clinic=clinic).get(URL)) == ["Alice"]


def test_it_audits_the_list_with_the_ids_shown(client_for, patient_a, patient_b, users, clinic):
    client_for("admin").get(URL, {"q": "alice"}, REMOTE_ADDR="198.51.100.20")
    event = AuditEvent.objects.get(code=Event.PATIENT_LIST_VIEWED)
    assert event.payload == {"patient_ids": [patient_a.pk], "query": "alice", "page": 1}
    assert (event.actor, event.clinic_id, event.source_ip, event.via) == (
        users["admin"],
        clinic.pk,
        "198.51.100.20",
        "api",
    )


def test_a_patients_own_list_is_audited_under_their_clinic(client_for, patient_a, clinic, users):
    client_for("patient").get(URL)
    event = AuditEvent.objects.get(code=Event.PATIENT_LIST_VIEWED)
    assert (event.actor, event.clinic_id) == (users["patient"], clinic.pk)
    assert event.payload["patient_ids"] == [patient_a.pk]


def test_a_token_list_is_audited_as_the_tokens_user(bearer, patient_a, users, clinic):
    bearer("clinician").get(URL, REMOTE_ADDR="198.51.100.21")
    event = AuditEvent.objects.get(code=Event.PATIENT_LIST_VIEWED)
    assert (event.actor, event.clinic_id, event.via, event.source_ip) == (
        users["clinician"],
        clinic.pk,
        "api",
        "198.51.100.21",
    )


@time_machine.travel(datetime.datetime(2026, 3, 10, 15, 0, tzinfo=datetime.UTC), tick=False)
@pytest.mark.parametrize("how_many", [5, 25])
def test_its_query_count_does_not_grow_with_the_page(
    client_for, clinic, how_many, django_assert_num_queries
):
    for i in range(how_many):
        make_patient(clinic, given_name=f"P{i}")
    client = client_for("clinician")
    client.get(URL)
    with django_assert_num_queries(API_LIST_QUERIES):
        response = client.get(URL)
    assert len(response.json()["items"]) == how_many
