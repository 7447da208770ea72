"""The "Add a condition" page: clinic admins only; a new condition is the clinic's own, goes
to its edit page for studies, shows on the public site and the API of that clinic only, and
another clinic's admin gets a 404 on it."""

import pytest
from django.test import Client
from django.urls import reverse

from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.evidence.library import get_condition
from ldnclinic.evidence.models import Condition
from ldnclinic.evidence.tests.conftest import study_data

pytestmark = pytest.mark.django_db

URL = "/clinic/evidence/new/"
SLUG = "prurigo-nodularis"


def form_post(**values):
    data = {
        "name": "Prurigo nodularis",
        "slug": SLUG,
        "area": "dermatology",
        "synonyms": "",
        "icd10": "L28.1",
        "snomed": "",
        "summary": "Case reports only; no trial yet.",
        "certainty": "very_low",
        "therapies": ["laser"],
        "is_published": "on",
    }
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def created(client_for):
    response = client_for("admin").post(URL, form_post())
    assert response.status_code == 302
    return Condition.objects.get(slug=SLUG)


def test_the_url_is_not_taken_for_a_slug():
    assert reverse("evidence_condition_new") == URL


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("admin", 200),
        ("other_staff", 200),  # clinic Y's admin adds to clinic Y's library
        ("clinician", 403),
        ("frontdesk", 403),
        ("patient", 404),
        ("patient2", 404),
        ("anonymous", 302),
    ],
)
def test_only_clinic_admins_reach_the_page(client_for, persona, status):
    response = client_for(persona).get(URL)
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("persona", "status"),
    [("clinician", 403), ("frontdesk", 403), ("patient", 404), ("anonymous", 302)],
)
def test_others_cannot_post_it(client_for, persona, status):
    assert client_for(persona).post(URL, form_post()).status_code == status
    assert not Condition.objects.filter(slug=SLUG).exists()


def test_the_list_links_to_the_page(client_for):
    html = client_for("admin").get(reverse("evidence_list")).content.decode()
    assert f'href="{URL}"' in html and "Add a condition" in html


def test_an_admin_adds_a_condition_and_goes_to_its_edit_page(client_for, clinic, users):
    client = client_for("admin")
    response = client.post(URL, form_post())
    assert response.status_code == 302
    assert response["Location"] == reverse("evidence_condition_edit", args=[SLUG])
    row = Condition.objects.get(slug=SLUG)
    assert (row.clinic, row.replaces, row.therapies) == (clinic, None, "laser")
    assert row.history.get().history_user == users["admin"]
    event = AuditEvent.objects.get(code=Event.EVIDENCE_CONDITION_SAVED)
    assert event.payload["created"] is True and event.clinic == clinic
    page = client.get(response["Location"]).content.decode()
    assert "Prurigo nodularis" in page and "Add a study" in page and "No study found" in page
    assert "This is the global entry" not in page
    assert reverse("evidence_study_new", args=[SLUG]) in page
    listing = client.get(reverse("evidence_list")).content.decode()
    assert "Prurigo nodularis" in listing
    history = client.get(reverse("evidence_history", args=[SLUG])).content.decode()
    assert "Created" in history and "admin@x.test" in history


def test_an_empty_slug_is_made_from_the_name(client_for):
    response = client_for("admin").post(URL, form_post(slug="", name="Lichen simplex chronicus"))
    expected = reverse("evidence_condition_edit", args=["lichen-simplex-chronicus"])
    assert response["Location"] == expected


def test_the_admin_adds_a_study_to_it(client_for, created):
    study = {k: v for k, v in study_data(is_low_dose="on").items() if v != ""}
    client = client_for("admin")
    response = client.post(reverse("evidence_study_new", args=[SLUG]), study)
    assert response.status_code == 302
    assert created.studies.count() == 1
    page = client.get(reverse("evidence_condition_edit", args=[SLUG])).content.decode()
    assert "Doe 2024" in page


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"slug": "Prurigo Nodularis!"}, "slug", "Lower-case letters"),
        ({"slug": "new"}, "slug", "reserved"),
        ({"slug": "psoriasis"}, "slug", "The global library has"),
        ({"slug": "", "name": "Psoriasis"}, "slug", "“psoriasis”"),
        ({"summary": ""}, "summary", "required"),
        ({"summary": None}, "summary", "required"),
        ({"summary": "A miracle for itch."}, "summary", "overclaims"),
        ({"name": ""}, "name", "required"),
        ({"certainty": "sure"}, "certainty", "valid choice"),
        ({"area": "cardiology"}, "area", "valid choice"),
        ({"therapies": ["botox"]}, "therapies", "valid choice"),
        ({"icd10": "not a code"}, "icd10", "is not a code"),
        ({"snomed": "12"}, "snomed", "is not a code"),
    ],
)
def test_bad_input_shows_the_field_error(client_for, values, field, message):
    response = client_for("admin").post(URL, form_post(**values))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message.lower() in " ".join(errors[field]).lower()
    assert "Please correct the fields marked below." in response.content.decode()
    assert not Condition.objects.exclude(clinic=None).exists()


def test_the_clinics_own_slug_is_a_field_error(client_for, created):
    response = client_for("admin").post(URL, form_post(name="Again"))
    assert response.status_code == 200
    assert "This clinic already has" in response.context["form"].errors["slug"][0]
    assert Condition.objects.filter(slug=SLUG).count() == 1


def test_other_clinics_admin_cannot_see_it(client_for, created):
    other = client_for("other_staff")
    for name in ("evidence_condition_edit", "evidence_study_new", "evidence_history"):
        assert other.get(reverse(name, args=[SLUG])).status_code == 404
    response = other.post(
        reverse("evidence_condition_edit", args=[SLUG]),
        {"name": "Taken", "summary": "Y's words.", "certainty": "low"},
    )
    assert response.status_code == 404
    assert SLUG not in other.get(reverse("evidence_list")).content.decode()
    created.refresh_from_db()
    assert created.name == "Prurigo nodularis"


def test_other_clinics_admin_may_use_the_same_slug(client_for, clinic, other_clinic, created):
    response = client_for("other_staff").post(URL, form_post(summary="Clinic Y's words."))
    assert response.status_code == 302
    assert get_condition(other_clinic, SLUG).summary == "Clinic Y's words."
    assert get_condition(clinic, SLUG).summary == "Case reports only; no trial yet."


def test_the_public_site_shows_it_for_that_clinic_only(
    settings, client_for, clinic, other_clinic, django_capture_on_commit_callbacks
):
    settings.PUBLIC_CLINIC_SLUG = clinic.slug
    public = Client()
    assert "Prurigo nodularis" not in public.get("/conditions/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for("admin").post(URL, form_post()).status_code == 302
    # The cached list was replaced once the creation committed.
    listing = public.get("/conditions/").content.decode()
    assert f'href="/conditions/{SLUG}/"' in listing and "Prurigo nodularis" in listing
    page = public.get(f"/conditions/{SLUG}/")
    assert page.status_code == 200
    assert "Case reports only; no trial yet." in page.content.decode()
    api = public.get(f"/api/v1/evidence?condition={SLUG}")
    assert api.status_code == 200
    assert api.json()["name"] == "Prurigo nodularis" and api.json()["studies"] == []
    assert SLUG in {c["slug"] for c in public.get("/api/v1/conditions").json()}
    # With clinic Y as the public clinic it is not there.
    settings.PUBLIC_CLINIC_SLUG = other_clinic.slug
    assert "Prurigo nodularis" not in public.get("/conditions/").content.decode()
    assert public.get(f"/conditions/{SLUG}/").status_code == 404
    api = public.get(f"/api/v1/evidence?condition={SLUG}")
    assert api.status_code == 404 and "condition" in api.json()["fields"]
    assert SLUG not in {c["slug"] for c in public.get("/api/v1/conditions").json()}


def test_an_unpublished_one_stays_off_the_public_site(settings, client_for, clinic):
    settings.PUBLIC_CLINIC_SLUG = clinic.slug
    client_for("admin").post(URL, form_post(is_published=None))
    assert Condition.objects.get(slug=SLUG).is_published is False
    assert Client().get(f"/conditions/{SLUG}/").status_code == 404
    assert Client().get(f"/api/v1/evidence?condition={SLUG}").status_code == 404
