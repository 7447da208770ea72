"""The evidence editor pages: clinic admins only; edits go through the actions and show
field errors; another clinic's entries are a 404."""

import pytest
from django.urls import reverse

from ldnclinic.audit.log import Actor
from ldnclinic.evidence import actions
from ldnclinic.evidence.library import get_condition, studies_for
from ldnclinic.evidence.models import Condition, Study
from ldnclinic.evidence.tests.conftest import study_data

pytestmark = pytest.mark.django_db

PAGES = [
    ("evidence_list", {}),
    ("evidence_condition_edit", {"slug": "psoriasis"}),
    ("evidence_study_new", {"slug": "psoriasis"}),
    ("evidence_history", {"slug": "psoriasis"}),
]


def global_study_pk():
    return Study.objects.filter(clinic=None, condition__slug="psoriasis").first().pk


def form_post(study=None, **values):
    data = study_data(**values)
    data["is_low_dose"] = "on" if data["is_low_dose"] else ""
    data["year"] = data["year"] or ""
    return {k: v for k, v in data.items() if v != ""}


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("admin", 200),
        ("other_staff", 200),  # clinic Y's admin sees the global library
        ("clinician", 403),
        ("frontdesk", 403),
        ("patient", 404),
        ("anonymous", 302),
    ],
)
def test_only_clinic_admins_reach_the_pages(client_for, name, kwargs, persona, status):
    response = client_for(persona).get(reverse(name, kwargs=kwargs))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("persona", "status"),
    [("admin", 200), ("clinician", 403), ("frontdesk", 403), ("patient", 404), ("anonymous", 302)],
)
def test_study_edit_gate(client_for, persona, status):
    url = reverse("evidence_study_edit", kwargs={"pk": global_study_pk()})
    assert client_for(persona).get(url).status_code == status


def test_the_list_shows_certainty_counts_and_grade_badges(client_for):
    response = client_for("admin").get(reverse("evidence_list"))
    html = response.content.decode()
    assert "Lichen planopilaris" in html and "Low certainty" in html
    assert "No study found" in html
    assert 'class="badge badge-warn"' in html and "Grade B" in html
    assert len(response.context["conditions"]) == Condition.objects.filter(clinic=None).count()


def test_the_condition_page_lists_studies_with_tags_and_links(client_for):
    html = client_for("admin").get(reverse("evidence_condition_edit", args=["pruritus"])).content
    html = html.decode()
    assert "50 mg, not low dose" in html
    assert "https://pubmed.ncbi.nlm.nih.gov/9322521/" in html
    assert "Retire" in html and "Add a study" in html


def test_an_admin_edits_a_condition_for_their_clinic(client_for, clinic, other_clinic):
    url = reverse("evidence_condition_edit", args=["psoriasis"])
    data = {
        "name": "Psoriasis",
        "summary": "Our words: case reports only.",
        "certainty": "very_low",
        "therapies": ["laser", "led"],
        "is_published": "on",
    }
    response = client_for("admin").post(url, data)
    assert response.status_code == 302
    assert get_condition(clinic, "psoriasis").summary == "Our words: case reports only."
    assert get_condition(other_clinic, "psoriasis").summary != data["summary"]
    history = client_for("admin").get(reverse("evidence_history", args=["psoriasis"]))
    html = history.content.decode()
    assert "admin@x.test" in html and "Clinic copy of the global entry" in html
    assert "Our words: case reports only." in html and "Seed data" in html
    # Clinic Y's admin does not see clinic X's change in the history.
    other = client_for("other_staff").get(reverse("evidence_history", args=["psoriasis"]))
    assert "admin@x.test" not in other.content.decode()


def test_a_bad_condition_form_shows_field_errors(client_for):
    url = reverse("evidence_condition_edit", args=["psoriasis"])
    response = client_for("admin").post(
        url, {"name": "Psoriasis", "summary": "A cure.", "certainty": "sure"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "certainty" in form.errors
    response = client_for("admin").post(
        url, {"name": "Psoriasis", "summary": "LDN cures it.", "certainty": "low"}
    )
    assert "summary" in response.context["form"].errors


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"pmid": "123456789"}, "pmid"),
        ({"pmid": "", "doi": "10.1/abc"}, "doi"),
        ({"registry_id": "NCT12"}, "registry_id"),
        ({"year": "1066"}, "year"),
        ({"grade": "F"}, "grade"),
        ({"pmid": "", "citation": ""}, "pmid"),
    ],
)
def test_a_bad_study_form_shows_the_field_error(client_for, values, field):
    url = reverse("evidence_study_new", args=["psoriasis"])
    response = client_for("admin").post(url, form_post(**values))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Study.objects.exclude(clinic=None).exists()


def test_an_admin_adds_edits_and_retires_a_study(client_for, clinic, other_clinic):
    client = client_for("admin")
    response = client.post(reverse("evidence_study_new", args=["psoriasis"]), form_post())
    assert response.status_code == 302
    added = Study.objects.get(clinic=clinic)
    original = global_study_pk()
    response = client.post(
        reverse("evidence_study_edit", args=[original]), form_post(first_author="Edited")
    )
    assert response.status_code == 302
    copy = Study.objects.get(clinic=clinic, replaces_id=original)
    assert copy.first_author == "Edited"
    assert client.post(reverse("evidence_study_retire", args=[added.pk])).status_code == 302
    psoriasis = get_condition(clinic, "psoriasis")
    assert added.pk not in {s.pk for s in studies_for(clinic, psoriasis)}
    assert original in {s.pk for s in studies_for(other_clinic, psoriasis)}


def test_another_clinics_study_is_a_404(client_for, clinic, users):
    actor = Actor(user=users["admin"], ip=None, via="test")
    condition = get_condition(clinic, "psoriasis")
    own = actions.do_save_study(actor, clinic, condition, study_data())
    other = client_for("other_staff")
    assert other.get(reverse("evidence_study_edit", args=[own.pk])).status_code == 404
    assert other.post(reverse("evidence_study_retire", args=[own.pk])).status_code == 404
    assert not Study.objects.get(pk=own.pk).is_retired


def test_unknown_slug_is_a_404(client_for):
    response = client_for("admin").get(reverse("evidence_condition_edit", args=["no-such"]))
    assert response.status_code == 404


def test_retire_needs_post(client_for):
    url = reverse("evidence_study_retire", args=[global_study_pk()])
    assert client_for("admin").get(url).status_code == 405
