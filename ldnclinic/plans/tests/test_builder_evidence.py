"""The evidence library in the plan builder and on the plan page: the clinic's view of the
chosen condition (certainty, summary, graded studies), "no entry" when the library has
none, a clinic's own edits for that clinic only, and no query per study."""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ldnclinic.audit.log import Actor
from ldnclinic.evidence import actions as evidence_actions
from ldnclinic.evidence.library import ensure_global_evidence, get_condition, studies_for
from ldnclinic.evidence.tests.conftest import study_data
from ldnclinic.plans.tests.plan_fixtures import NOW

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
CHOICE = {"condition": "psoriasis", "protocol": "psoriasis-ldn", "scheme": "low-and-slow"}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _library(db):
    # The data migration seeds it; a transactional test elsewhere may have flushed it.
    ensure_global_evidence()


@pytest.fixture
def admin_actor(users):
    return Actor(user=users["admin"], ip=None, via="test")


def builder(client, patient, params=CHOICE, **headers):
    response = client.get(reverse("plan_create", args=[patient.pk]), params, **headers)
    assert response.status_code == 200
    return response.content.decode()


def edit_global_study(actor, clinic, outcome):
    """The clinic's own copy of the first global psoriasis study, with a new outcome."""
    condition = get_condition(clinic, "psoriasis")
    study = studies_for(clinic, condition)[0]
    data = {field: getattr(study, field) for field in evidence_actions.STUDY_FIELDS}
    return evidence_actions.do_save_study(
        actor, clinic, condition, {**data, "outcome": outcome}, study=study
    )


def test_the_builder_shows_the_evidence_for_the_chosen_condition(client_for, patient_a):
    page = builder(client_for("clinician"), patient_a)
    assert "Evidence for Psoriasis" in page
    assert "Very low certainty" in page
    assert "Evidence library (clinic view): studies of naltrexone for Psoriasis" in page
    assert "Bridgman" in page and "Weinstock" in page
    assert ">Grade D<" in page and ">Grade C<" in page
    assert reverse("public_condition", args=["psoriasis"]) in page
    # Only the clinic admin edits the library.
    assert reverse("evidence_condition_edit", args=["psoriasis"]) not in page


def test_the_admin_gets_a_link_to_edit_the_entry(client_for, patient_a):
    page = builder(client_for("admin"), patient_a)
    assert reverse("evidence_condition_edit", args=["psoriasis"]) in page


def test_no_panel_before_a_condition_is_chosen(client_for, patient_a):
    page = builder(client_for("clinician"), patient_a, {})
    assert "Evidence for" not in page
    assert "No entry in the evidence library" not in page


def test_the_panel_follows_the_condition_over_htmx(client_for, patient_a):
    client = client_for("clinician")
    page = builder(client, patient_a, {"condition": "psoriasis"}, **HTMX)
    assert "<html" not in page
    assert "Evidence for Psoriasis" in page
    page = builder(client, patient_a, {"condition": "vitiligo"}, **HTMX)
    assert "Evidence for Vitiligo" in page
    assert "Evidence for Psoriasis" not in page


def test_a_condition_missing_from_the_library_says_so(client_for, patient_a, clinic, admin_actor):
    psoriasis = get_condition(clinic, "psoriasis")
    evidence_actions.do_save_condition(admin_actor, clinic, psoriasis, {"is_published": False})
    page = builder(client_for("clinician"), patient_a)
    assert "Evidence for Psoriasis" in page
    assert "No entry in the evidence library" in page
    assert "Bridgman" not in page
    assert 'name="start_mg"' in page  # the builder itself carries on


def test_a_clinics_own_study_edit_shows_for_it_and_not_another(
    client_for, patient_a, patient_y, clinic, admin_actor
):
    edit_global_study(admin_actor, clinic, "Clinic X reads this study its own way.")
    assert "Clinic X reads this study its own way." in builder(client_for("clinician"), patient_a)
    other = builder(client_for("other_staff"), patient_y)
    assert "Evidence for Psoriasis" in other
    assert "Clinic X reads this study its own way." not in other


def test_a_study_the_clinic_adds_shows_for_it_only(
    client_for, patient_a, patient_y, clinic, admin_actor
):
    condition = get_condition(clinic, "psoriasis")
    evidence_actions.do_save_study(
        admin_actor, clinic, condition, study_data(first_author="Zed", grade="B")
    )
    page = builder(client_for("clinician"), patient_a)
    assert "Zed 2024" in page and ">Grade B<" in page
    assert "Zed 2024" not in builder(client_for("other_staff"), patient_y)


def test_the_panel_does_not_grow_queries_with_studies(client_for, patient_a, clinic, admin_actor):
    client = client_for("clinician")
    url = reverse("plan_create", args=[patient_a.pk])
    client.get(url, CHOICE)  # the first request of a session loads more
    with CaptureQueriesContext(connection) as before:
        client.get(url, CHOICE)
    condition = get_condition(clinic, "psoriasis")
    for number in range(4):
        evidence_actions.do_save_study(
            admin_actor, clinic, condition, study_data(first_author=f"Author{number}")
        )
    with CaptureQueriesContext(connection) as after:
        page = client.get(url, CHOICE).content.decode()
    assert "Author3 2024" in page
    assert len(after) == len(before)


@pytest.mark.parametrize("persona", ["patient2", "other_staff"])
def test_the_builder_stays_hidden_from_patients_and_other_clinics(client_for, patient_a, persona):
    # patient2 is patient B; patient A on their own chart is refused with a 403 (test_views).
    url = reverse("plan_create", args=[patient_a.pk])
    assert client_for(persona).get(url, CHOICE).status_code == 404


def test_editing_a_draft_shows_the_panel(client_for, draft):
    page = client_for("clinician").get(reverse("plan_edit", args=[draft.pk])).content.decode()
    assert "Evidence for Psoriasis" in page and "Very low certainty" in page


# The plan page ----------------------------------------------------------------------------


def test_the_plan_page_shows_the_certainty_with_a_link(client_for, draft):
    page = client_for("frontdesk").get(reverse("plan_detail", args=[draft.pk])).content.decode()
    assert "<dt>Evidence</dt>" in page
    assert "Very low certainty" in page
    assert reverse("public_condition", args=["psoriasis"]) in page
    assert reverse("evidence_condition_edit", args=["psoriasis"]) not in page


def test_the_plan_page_links_the_admin_to_the_entry(client_for, draft):
    page = client_for("admin").get(reverse("plan_detail", args=[draft.pk])).content.decode()
    assert reverse("evidence_condition_edit", args=["psoriasis"]) in page


def test_the_plan_page_follows_the_clinics_certainty(client_for, draft, clinic, admin_actor):
    psoriasis = get_condition(clinic, "psoriasis")
    evidence_actions.do_save_condition(admin_actor, clinic, psoriasis, {"certainty": "low"})
    page = client_for("clinician").get(reverse("plan_detail", args=[draft.pk])).content.decode()
    assert "Low certainty" in page and "Very low certainty" not in page


def test_the_plan_page_says_when_the_library_has_no_entry(client_for, draft, clinic, admin_actor):
    psoriasis = get_condition(clinic, "psoriasis")
    evidence_actions.do_save_condition(admin_actor, clinic, psoriasis, {"is_published": False})
    response = client_for("clinician").get(reverse("plan_detail", args=[draft.pk]))
    assert response.status_code == 200
    assert "No entry in the evidence library" in response.content.decode()


@pytest.mark.parametrize("persona", ["patient", "patient2", "other_staff"])
def test_the_plan_page_stays_hidden_from_patients_and_other_clinics(client_for, draft, persona):
    assert client_for(persona).get(reverse("plan_detail", args=[draft.pk])).status_code == 404
