"""The protocol page puts the evidence library's clinic view of the condition beside the
evidence the protocol itself noted: labelled apart, the clinic's own edits for that clinic
only, "no entry" when the library has none, and no query per study."""

import copy

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ldnclinic.evidence import actions as evidence_actions
from ldnclinic.evidence.library import ensure_global_evidence, get_condition, studies_for
from ldnclinic.evidence.tests.conftest import study_data
from ldnclinic.protocols.actions import do_create_protocol

pytestmark = pytest.mark.django_db
CODE = "psoriasis-ldn"
LIBRARY = "Evidence library (clinic view)"
NOTED = "Evidence noted in this protocol"


@pytest.fixture(autouse=True)
def _evidence(library):
    # The data migration seeds it; a transactional test elsewhere may have flushed it.
    ensure_global_evidence()


def detail(client, code=CODE):
    response = client.get(reverse("protocol_detail", args=[code]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_labels_both_evidence_blocks(client_for):
    page = detail(client_for("frontdesk"))
    assert NOTED in page and LIBRARY in page
    assert page.index(NOTED) < page.index(LIBRARY)
    # The protocol's own references stay as they were written.
    assert "https://pubmed.ncbi.nlm.nih.gov/30238048/" in page


def test_the_library_block_shows_the_graded_studies(client_for):
    page = detail(client_for("clinician"))
    library_block = page[page.index(LIBRARY) :]
    assert "Very low certainty" in library_block
    assert "Studies of naltrexone for Psoriasis" in library_block
    assert "Bridgman" in library_block and "Weinstock" in library_block
    assert ">Grade D<" in library_block and ">Grade C<" in library_block
    assert reverse("public_condition", args=["psoriasis"]) in library_block
    assert reverse("evidence_condition_edit", args=["psoriasis"]) not in page


def test_the_admin_gets_a_link_to_edit_the_entry(client_for):
    page = detail(client_for("admin"))
    assert reverse("evidence_condition_edit", args=["psoriasis"]) in page


def test_a_clinics_own_study_edit_shows_for_it_and_not_another(client_for, clinic, admin_actor):
    condition = get_condition(clinic, "psoriasis")
    study = studies_for(clinic, condition)[0]
    data = {field: getattr(study, field) for field in evidence_actions.STUDY_FIELDS}
    evidence_actions.do_save_study(
        admin_actor,
        clinic,
        condition,
        {**data, "outcome": "Clinic X reads this study its own way."},
        study=study,
    )
    assert "Clinic X reads this study its own way." in detail(client_for("clinician"))
    other = detail(client_for("other_staff"))
    assert LIBRARY in other and "Bridgman" in other
    assert "Clinic X reads this study its own way." not in other


def test_a_retired_study_leaves_that_clinics_table_only(client_for, clinic, admin_actor):
    condition = get_condition(clinic, "psoriasis")
    weinstock = next(s for s in studies_for(clinic, condition) if s.first_author == "Weinstock")
    evidence_actions.do_retire_study(admin_actor, clinic, weinstock, "test")
    assert "Weinstock" not in detail(client_for("clinician")).split(LIBRARY, 1)[1]
    assert "Weinstock" in detail(client_for("other_staff")).split(LIBRARY, 1)[1]


def test_a_condition_missing_from_the_library_says_so(client_for, clinic, admin_actor):
    psoriasis = get_condition(clinic, "psoriasis")
    evidence_actions.do_save_condition(admin_actor, clinic, psoriasis, {"is_published": False})
    page = detail(client_for("clinician"))
    assert LIBRARY in page and "No entry in the evidence library for Psoriasis" in page
    assert NOTED in page
    # Another clinic still has the entry.
    assert "No entry in the evidence library" not in detail(client_for("other_staff"))


def test_the_page_does_not_grow_queries_with_studies(client_for, clinic, admin_actor):
    client = client_for("clinician")
    detail(client)  # the first request of a session loads more
    with CaptureQueriesContext(connection) as before:
        detail(client)
    condition = get_condition(clinic, "psoriasis")
    for number in range(4):
        evidence_actions.do_save_study(
            admin_actor, clinic, condition, study_data(first_author=f"Author{number}")
        )
    with CaptureQueriesContext(connection) as after:
        page = detail(client)
    assert "Author3 2024" in page
    assert len(after) == len(before)


@pytest.mark.parametrize("persona", ["patient", "patient2"])
def test_patients_still_get_404(client_for, persona):
    response = client_for(persona).get(reverse("protocol_detail", args=[CODE]))
    assert response.status_code == 404


def test_another_clinics_protocol_stays_hidden(client_for, library, other_clinic, other_actor):
    data = copy.deepcopy(library[CODE].versions.get().data)
    data["code"] = "y-only"
    do_create_protocol(other_actor, other_clinic, data, "")
    assert LIBRARY in detail(client_for("other_staff"), "y-only")
    response = client_for("clinician").get(reverse("protocol_detail", args=["y-only"]))
    assert response.status_code == 404
