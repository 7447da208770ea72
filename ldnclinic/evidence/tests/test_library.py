"""The read interface: clinic copies replace global entries for their clinic only, retired
studies hide for that clinic only, and query counts do not grow with the library."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ldnclinic.evidence import actions
from ldnclinic.evidence.library import (
    cite_url,
    conditions_for,
    evidence_for_protocol_condition,
    get_condition,
    get_study,
    studies_for,
    therapy_for_adjunct,
)
from ldnclinic.evidence.models import Condition, Study
from ldnclinic.evidence.tests.conftest import study_data

pytestmark = pytest.mark.django_db


def test_the_global_library_is_ordered_by_area_then_name():
    conditions = conditions_for(None)
    keys = [(c.area, c.name.lower()) for c in conditions]
    assert keys == sorted(keys)
    assert conditions[0].area == "dermatology" and conditions[-1].area == "other"
    psoriasis = next(c for c in conditions if c.slug == "psoriasis")
    assert psoriasis.study_count == 2


def test_a_clinic_edit_replaces_the_global_entry_for_that_clinic_only(
    clinic, other_clinic, admin_actor
):
    psoriasis = get_condition(clinic, "psoriasis")
    actions.do_save_condition(
        admin_actor, clinic, psoriasis, {"summary": "Clinic X words.", "certainty": "low"}
    )
    assert get_condition(clinic, "psoriasis").summary == "Clinic X words."
    assert get_condition(other_clinic, "psoriasis").summary == psoriasis.summary
    assert get_condition(None, "psoriasis").summary == psoriasis.summary
    # One entry per slug in each clinic's list; the studies carry over to the copy.
    x = [c for c in conditions_for(clinic) if c.slug == "psoriasis"]
    assert len(x) == 1 and x[0].clinic == clinic and x[0].study_count == 2


def test_an_unpublished_condition_hides_for_that_clinic_only(clinic, other_clinic, admin_actor):
    vitiligo = get_condition(clinic, "vitiligo")
    actions.do_save_condition(admin_actor, clinic, vitiligo, {"is_published": False})
    assert get_condition(clinic, "vitiligo") is None
    assert get_condition(clinic, "vitiligo", include_unpublished=True) is not None
    assert "vitiligo" not in {c.slug for c in conditions_for(clinic)}
    assert "vitiligo" in {c.slug for c in conditions_for(other_clinic)}


def test_studies_resolve_per_clinic(clinic, other_clinic, admin_actor):
    hhd = get_condition(clinic, "hailey-hailey-disease")
    first, second = studies_for(clinic, hhd)[:2]
    actions.do_save_study(
        admin_actor, clinic, hhd, study_data(**{"first_author": "Albers X"}), first
    )
    actions.do_retire_study(admin_actor, clinic, second)
    added = actions.do_save_study(admin_actor, clinic, hhd, study_data())
    mine = studies_for(clinic, hhd)
    theirs = studies_for(other_clinic, hhd)
    assert [s.first_author for s in mine][0] == "Albers X"
    assert second.pk not in {s.pk for s in mine}
    assert added in mine and mine[-1] == added  # added at the end
    assert [s.pk for s in theirs] == [s.pk for s in studies_for(None, hhd)]
    assert len(mine) == len(theirs)  # one replaced, one retired, one added
    assert Study.objects.get(pk=first.pk).first_author == "Albers"  # global untouched


def test_get_study_finds_the_clinic_copy_and_hides_other_clinics(clinic, other_clinic, admin_actor):
    hhd = get_condition(clinic, "hailey-hailey-disease")
    original = studies_for(clinic, hhd)[0]
    copy = actions.do_save_study(
        admin_actor, clinic, hhd, study_data(first_author="Copy"), original
    )
    assert get_study(clinic, original.pk) == copy
    assert get_study(other_clinic, original.pk) == original
    assert get_study(other_clinic, copy.pk) is None


def test_query_counts_do_not_grow_with_the_library(clinic, admin_actor):
    with CaptureQueriesContext(connection) as before:
        conditions_for(clinic)
    for condition in list(Condition.objects.filter(clinic=None))[:5]:
        actions.do_save_condition(admin_actor, clinic, condition, {"summary": "Changed here."})
        actions.do_save_study(admin_actor, clinic, condition, study_data())
    with CaptureQueriesContext(connection) as after:
        conditions = conditions_for(clinic)
        _ = [s.grade for c in conditions for s in c.resolved_studies]
    assert len(after) == len(before) == 2


def test_evidence_for_a_protocol_condition():
    condition, studies = evidence_for_protocol_condition(None, "chronic-wounds")
    assert condition.slug == "wound-healing"
    assert {s.grade for s in studies} == {"E"}
    assert evidence_for_protocol_condition(None, "no-such-protocol") == (None, [])


def test_cite_url_prefers_pubmed_then_doi_then_registry_then_url():
    assert cite_url(Study(pmid="21380937", doi="10.1/x")) == (
        "https://pubmed.ncbi.nlm.nih.gov/21380937/"
    )
    assert cite_url(Study(doi="10.1002/art.37734")) == "https://doi.org/10.1002/art.37734"
    assert cite_url(Study(registry_id="NCT04409041", url="https://x.test/")) == (
        "https://clinicaltrials.gov/study/NCT04409041"
    )
    assert cite_url(Study(registry_id="IRCT1N1", url="https://x.test/")) == "https://x.test/"
    assert cite_url(Study(citation="J Drugs Dermatol")) is None


def test_adjunct_codes_map_to_therapy_pages():
    assert therapy_for_adjunct("topical") == "topicals"
    assert therapy_for_adjunct("microneedling-prp") == "microneedling-prp"
    assert therapy_for_adjunct("massage") is None


def test_a_study_is_named_by_author_and_year_or_by_its_citation():
    assert str(Study(first_author="Albers", year=2017)) == "Albers 2017"
    assert str(Study(citation="J Dermatolog Treat 2020 (Iran)", year=2020)) == (
        "J Dermatolog Treat 2020 (Iran)"
    )
    assert str(Study(citation="LDN Crohn study protocol")) == "LDN Crohn study protocol"
