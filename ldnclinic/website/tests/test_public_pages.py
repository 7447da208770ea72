import re

import pytest
from django.test import Client

from ldnclinic.accounts.models import Clinic
from ldnclinic.website.public import public_clinic
from ldnclinic.website.tests.conftest import PUBLIC_PATHS

pytestmark = pytest.mark.django_db

DISCLAIMER = "It is not medical advice"
# Advertising words the issue bans; "cure" as a word (not "secure", "accurate").
BANNED = re.compile(r"\bcur(e|es|ed|ing)\b|\bmiracle|healing from within|testimonial", re.I)


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_it_serves_every_public_page_anonymously(site, path):
    response = Client().get(path)
    assert response.status_code == 200
    body = response.content.decode()
    assert DISCLAIMER in body
    assert 'href="/book/clinic-x/"' in body
    assert 'href="/self-check/"' in body


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_no_page_uses_banned_wording(site, path):
    body = Client().get(path).content.decode()
    text = re.sub(r"<[^>]+>", " ", body)
    assert not BANNED.search(text), BANNED.search(text)


def test_home_shows_the_clinic(site):
    body = Client().get("/").content.decode()
    assert "Clinic X" in body
    assert "12 Court Street" in body
    assert "+1 718 555 0101" in body
    assert "hello@clinic-x.test" in body
    assert "Monday–Friday" in body and "09:00–17:00" in body
    assert "Sunday" in body and "Closed" in body
    assert "How a consultation works" in body


def test_ldn_page_marks_mechanisms_as_hypotheses(site):
    body = Client().get("/ldn/").content.decode()
    assert "hypotheses, not established facts" in body
    assert "50 mg" in body and "0.5 mg" in body
    assert "7 of 17 people (41%)" in body


def test_safety_page_names_the_opioids_and_why(site):
    body = Client().get("/safety/").content.decode()
    for word in ("tramadol", "codeine", "methadone", "buprenorphine", "planned surgery"):
        assert word in body
    assert "acute hepatitis or liver failure" in body
    assert "7–10 days" in body
    assert "Pregnancy" in body and "Breastfeeding" in body
    assert "What to tell other doctors" in body


def test_condition_page_shows_studies_grades_and_therapies(site):
    body = Client().get("/conditions/psoriasis/").content.decode()
    assert "Psoriasis" in body
    assert "Weinstock" in body
    assert "https://pubmed.ncbi.nlm.nih.gov/32196470/" in body
    assert 'href="/therapies/laser/"' in body
    assert "Certainty of the evidence" in body


def test_condition_page_shows_the_negative_trial(site):
    body = Client().get("/conditions/lichen-planopilaris/").content.decode()
    assert "https://pubmed.ncbi.nlm.nih.gov/32449418/" in body


def test_a_condition_without_a_study_says_so(site):
    body = Client().get("/conditions/vitiligo/").content.decode()
    assert "No study found" in body


def test_conditions_are_grouped_with_their_certainty(site):
    body = Client().get("/conditions/").content.decode()
    assert body.index("Skin conditions") < body.index("Psoriasis") < body.index("Other conditions")
    assert body.index("Other conditions") < body.index("Fibromyalgia")
    assert "Certainty: Very low" in body


def test_therapy_page_shows_the_series_and_its_contraindications(site):
    body = Client().get("/therapies/laser/").content.decode()
    assert "A series of 4 sessions." in body
    assert "Four sessions every 4 weeks, each within a week either side." in body
    assert "issue 5" not in body
    assert "Isotretinoin in the last 6 months" in body
    assert "Active skin infection or cold sores" in body
    led = Client().get("/therapies/led/").content.decode()
    assert "A series of 12 sessions." in led and "Twice weekly for 6 weeks." in led


@pytest.mark.parametrize("path", ["/conditions/no-such-thing/", "/therapies/botox/"])
def test_unknown_slug_is_a_404_that_still_offers_booking(site, path):
    response = Client().get(path)
    assert response.status_code == 404
    body = response.content.decode()
    assert 'href="/book/clinic-x/"' in body
    assert 'href="/conditions/psoriasis/"' in body
    assert '<meta name="robots" content="noindex">' in body


def test_signed_in_users_see_the_public_home_with_a_workspace_link(site, client_for):
    for persona in ("clinician", "patient"):
        response = client_for(persona).get("/")
        assert response.status_code == 200
        assert 'href="/home/"' in response.content.decode()
        assert "Go to your workspace or portal" in response.content.decode()


def test_the_dispatcher_moved_to_home(site, client_for, patient_a):
    assert client_for("clinician").get("/home/").url == "/patients/"
    assert client_for("patient").get("/home/").url == "/portal/"


def test_with_no_clinic_it_shows_a_neutral_page(db):
    assert Clinic.objects.count() == 0
    for path in ("/", "/ldn/", "/conditions/psoriasis/", "/sitemap.xml", "/robots.txt"):
        assert Client().get(path).status_code == 200
    assert "Not set up yet" in Client().get("/").content.decode()


def test_public_clinic_follows_the_setting_else_the_first(settings, clinic, other_clinic):
    settings.PUBLIC_CLINIC_SLUG = ""
    assert public_clinic() == clinic
    settings.PUBLIC_CLINIC_SLUG = "clinic-y"
    assert public_clinic() == other_clinic
    settings.PUBLIC_CLINIC_SLUG = "no-such-clinic"
    assert public_clinic() == clinic


def test_other_clinics_do_not_show(site, other_clinic):
    body = Client().get("/").content.decode()
    assert "Clinic Y" not in body


def test_the_explainer_form_works_on_the_ldn_page_without_javascript(site, client):
    response = client.get("/ldn/", {"dose_mg": "3", "time": "08:00"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'action="/ldn/#dx-result"' in page
    assert 'hx-get="/ldn/explainer/"' in page
    assert 'id="dx-dose-error"' not in page
    assert '<option value="3" selected>' in page
    assert 'value="08:00"' in page


@pytest.mark.parametrize("dose", ["0", "-1", "51", "abc"])
def test_a_bad_explainer_dose_on_the_ldn_page_is_a_form_error(site, client, dose):
    response = client.get("/ldn/", {"dose_mg": dose, "time": "22:00"})
    assert response.status_code == 400
    assert "Medical disclaimer" in response.content.decode()
    assert 'id="dx-dose-error"' in response.content.decode()
