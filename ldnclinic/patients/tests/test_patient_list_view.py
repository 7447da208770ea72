import datetime

import pytest
import time_machine
from django.urls import reverse

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_patient
from ldnclinic.patients.actions import do_deactivate_patient

URL = reverse("patient_list")

# Session, user, membership, 2FA devices, count, page, audit insert, navigation...
# the number does not depend on how many patients the page shows.
LIST_QUERIES = 9


def shown(response):
    return [p.given_name for p in response.context["page"].object_list]


@pytest.fixture
def world(patient_a, patient_b, patient_y, clinic):
    carol = make_patient(
        clinic,
        given_name="Carol",
        family_name="Cruz",
        email="carol@mail.test",
        date_of_birth=datetime.date(1975, 12, 1),
    )
    do_deactivate_patient(Actor.system(), carol, "Moved away")
    return carol


def test_it_lists_active_patients_of_the_clinic(client_for, world):
    response = client_for("frontdesk").get(URL)
    assert response.status_code == 200
    assert shown(response) == ["Alice", "Bob"]
    assert "Adams, Alice" in response.content.decode()


@pytest.mark.parametrize(
    "q, expected",
    [
        ("alice", ["Alice"]),
        ("BROWN", ["Bob"]),
        ("X-000002", ["Bob"]),
        ("patient2@x.test", ["Bob"]),
        ("1980-05-17", ["Alice", "Bob"]),
        ("bob 1980-05-17", ["Bob"]),
        ("1980-05-18", []),
    ],
)
def test_it_searches_by_name_mrn_email_and_birth_date(client_for, world, q, expected):
    response = client_for("clinician").get(URL, {"q": q})
    assert shown(response) == expected


def test_it_hides_inactive_records_unless_asked(client_for, world):
    client = client_for("clinician")
    assert shown(client.get(URL, {"q": "carol"})) == []
    response = client.get(URL, {"q": "carol", "inactive": "1"})
    assert shown(response) == ["Carol"]
    assert "inactive" in response.content.decode()


def test_it_answers_htmx_with_only_the_results(client_for, world):
    response = client_for("clinician").get(URL, {"q": "alice"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Adams, Alice" in body
    assert "<html" not in body and "<form" not in body
    assert body.lstrip().startswith('<p class="muted">1 patient')


def test_it_answers_a_boosted_htmx_request_with_the_whole_page(client_for, world):
    headers = {"HX-Request": "true", "HX-Boosted": "true"}
    response = client_for("clinician").get(URL, headers=headers)
    assert "<html" in response.content.decode()


def test_it_hides_other_clinics_patients(client_for, world, patient_y):
    client = client_for("admin")
    assert "Yara" not in shown(client.get(URL))
    for q in ("yara", "young", patient_y.mrn, "Y-000001"):
        response = client.get(URL, {"q": q, "inactive": "1"})
        assert shown(response) == [], q
        assert "Yara" not in response.content.decode()


def test_other_clinics_staff_see_only_their_own(client_for, world):
    response = client_for("other_staff").get(URL, {"inactive": "1"})
    assert shown(response) == ["Yara"]
    assert shown(client_for("other_staff").get(URL, {"q": "alice"})) == []


@pytest.mark.parametrize("persona", ["patient", "patient2"])
def test_patients_get_404(client_for, world, persona):
    assert client_for(persona).get(URL).status_code == 404


def test_it_requires_login(client_for):
    response = client_for("anonymous").get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_audits_which_patients_it_showed(client_for, world, patient_a, users, clinic):
    client_for("clinician").get(URL, {"q": "alice"}, REMOTE_ADDR="203.0.113.5")
    event = AuditEvent.objects.get(code=Event.PATIENT_LIST_VIEWED)
    assert event.payload == {"patient_ids": [patient_a.pk], "query": "alice", "page": 1}
    assert event.actor == users["clinician"]
    assert event.clinic_id == clinic.pk
    assert event.source_ip == "203.0.113.5"
    assert event.via == "web"


def test_it_pages_by_25_and_audits_only_the_page(client_for, clinic):
    patients = [make_patient(clinic, family_name=f"Z{i:02d}") for i in range(30)]
    response = client_for("clinician").get(URL, {"page": "2"})
    assert len(response.context["page"].object_list) == 5
    assert "Page 2 of 2" in response.content.decode()
    event = AuditEvent.objects.filter(code=Event.PATIENT_LIST_VIEWED).latest("id")
    assert event.payload["patient_ids"] == [p.pk for p in patients[25:]]


def test_a_bad_page_number_shows_a_page(client_for, world):
    for page in ("abc", "99", "-1"):
        assert client_for("clinician").get(URL, {"page": page}).status_code == 200


@time_machine.travel(datetime.datetime(2026, 3, 10, 15, 0, tzinfo=datetime.UTC), tick=False)
@pytest.mark.parametrize("how_many", [5, 25])
def test_its_query_count_does_not_grow_with_the_page(
    client_for, clinic, how_many, django_assert_num_queries
):
    for i in range(how_many):
        make_patient(clinic, given_name=f"P{i}", phone="+1 555 0100", email=f"p{i}@mail.test")
    client = client_for("clinician")
    client.get(URL)  # the session's first request also stamps it
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(URL)
    assert len(response.context["page"].object_list) == how_many
