import re
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import PERSONAS
from ldnclinic.pharmacology.forms import page_dose
from ldnclinic.pharmacology.model import ModelInputError
from ldnclinic.pharmacology.views import explainer_context

pytestmark = pytest.mark.django_db

URL = "/ldn/explainer/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_the_url_is_named():
    assert reverse("dose_explainer") == URL


def test_the_full_page_works_without_javascript():
    response = Client().get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and "pharmacology/explainer.css" in html
    # A plain GET form with a select, a time input and a submit button.
    form = re.search(r"<form[^>]*>", html).group(0)
    assert 'method="get"' in form and f'action="{URL}"' in form
    assert 'hx-get="/ldn/explainer/"' in form and 'hx-target="#dx-result"' in form
    assert 'hx-trigger="change, submit"' in form
    assert '<select id="dx-dose" name="dose_mg"' in html
    assert html.count("<option") == 9
    assert '<option value="4.5" selected>' in html
    assert '<input type="time" id="dx-time" name="time" value="22:00"' in html
    assert '<button class="button primary" type="submit">' in html
    assert "<script>" not in html.replace('<script src="', "")


def test_a_submitted_form_draws_that_dose_and_time():
    response = Client().get(URL, {"dose_mg": "1.5", "time": "07:30"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="1.5" selected>' in html
    assert 'value="07:30"' in html
    assert "1.5 mg of naltrexone at 07:30" in html
    assert "Clock time (dose at 07:30)" in html
    assert '<th scope="row">08:30</th>' in html


def test_the_chart_is_an_accessible_svg_with_a_table():
    html = Client().get(URL, {"dose_mg": "4.5"}).content.decode()
    svg = re.search(r"<svg[^>]*>", html).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="dx-title"' in svg
    assert 'aria-describedby="dx-desc"' in svg
    assert '<title id="dx-title">' in html and '<desc id="dx-desc">' in html
    assert html.count("<polyline") == 3
    assert "Illustrative model, not a measurement" in html
    assert "Blood level (ng/mL)" in html and "Receptor occupancy (%)" in html
    assert "<details" in html and "<table" in html and "<caption>" in html
    assert html.count('<th scope="row">') == 25  # every hour, 0 to 24
    assert "What the model assumes" in html and "Sources" in html
    assert "grade A" in html and "https://generika.cc/" in html


def test_an_uncommon_dose_in_range_is_accepted_and_offered():
    html = Client().get(URL, {"dose_mg": "1.3"}).content.decode()
    assert '<option value="1.3" selected>' in html


def test_htmx_gets_only_the_result():
    response = Client().get(URL, {"dose_mg": "3", "time": "22:00"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "<form" not in html
    assert "<svg" in html and "<table" in html
    assert "3 mg of naltrexone at 22:00" in html


@pytest.mark.parametrize(
    "dose, message",
    [
        ("0", "The dose must be more than 0 mg."),
        ("-1", "The dose must be more than 0 mg."),
        ("5", "The dose must be at most 4.5 mg."),
        ("51", "The dose must be at most 4.5 mg."),
        ("0.3", "Choose a dose from 0.5 to 4.5 mg, in steps of 0.1 mg."),
        ("1.25", "Choose a dose from 0.5 to 4.5 mg, in steps of 0.1 mg."),
        ("abc", "Enter a number."),
        ("", "Choose a dose."),
        ("nan", "Enter a finite number."),
    ],
)
def test_bad_doses_show_a_form_error(dose, message):
    response = Client().get(URL, {"dose_mg": dose})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="dx-dose-error"' in html and message in html
    assert 'aria-invalid="true"' in html
    assert "<svg" not in html
    partial = Client().get(URL, {"dose_mg": dose}, **HTMX)
    assert partial.status_code == 400
    assert message in partial.content.decode()
    assert 'role="alert"' in partial.content.decode()


@pytest.mark.parametrize("time", ["", "25:00", "10pm", "22"])
def test_bad_times_show_a_form_error(time):
    response = Client().get(URL, {"dose_mg": "1", "time": time})
    assert response.status_code == 400
    assert 'id="dx-time-error"' in response.content.decode()


def test_input_is_escaped_never_echoed_raw():
    evil = '"><script>alert(1)</script>'
    for query in ({"dose_mg": evil}, {"time": evil}, {"dose_mg": "1", "time": evil}):
        for extra in ({}, HTMX):
            html = Client().get(URL, query, **extra).content.decode()
            assert "<script>alert(1)" not in html
            assert 'value=""><script>' not in html


def test_it_is_public_and_audits_nothing(client_for):
    before = AuditEvent.objects.count()
    for persona in ("anonymous", "patient", "clinician"):
        assert client_for(persona).get(URL).status_code == 200
    assert AuditEvent.objects.count() == before


def test_only_get_is_allowed():
    assert Client().post(URL, {"dose_mg": "1"}).status_code == 405


def test_explainer_context_for_includes():
    context = explainer_context(Decimal("4.50"), "bedtime")
    assert context["dose"] == "4.5" and context["time"] == "22:00"
    assert context["summary"]["peak_clock"] == "23:15"
    assert len(context["rows"]) == 25
    assert explainer_context(2, "morning")["time"] == "08:00"
    # A plan may go above the page's range (confirmed doses); the chart's axis follows.
    assert explainer_context(10, "22:00")["chart"]["concentration_max"] == "25"
    with pytest.raises(ModelInputError):
        explainer_context(0, "22:00")
    with pytest.raises(ModelInputError) as error:
        explainer_context(1, "noon")
    assert error.value.field == "time"


def test_page_dose_limits():
    assert page_dose("0.5") == Decimal("0.5")
    assert page_dose("4.5") == Decimal("4.5")
    assert str(page_dose("2.0")) == "2"
    for bad in ("0.4", "4.6", "1.05", "0", "-2"):
        with pytest.raises(ModelInputError):
            page_dose(bad)


def test_the_static_include_draws_a_fixed_dose_without_a_form():
    html = Template("{% load pharmacology %}{% dose_explainer_static dose timing %}").render(
        Context({"dose": Decimal("1.5"), "timing": "morning"})
    )
    assert "<form" not in html and "<svg" in html and "<table" in html
    assert "1.5 mg taken at 08:00" in html
    assert 'aria-labelledby="dxs-title"' in html
    assert "Illustrative model, not a measurement" in html


def test_the_static_include_draws_nothing_without_a_dose():
    template = Template("{% load pharmacology %}[{% dose_explainer_static dose %}]")
    for dose in (None, 0, "abc"):
        assert "".join(template.render(Context({"dose": dose})).split()) == "[]"


def test_the_interactive_tag_renders_the_form_and_chart():
    html = Template("{% load pharmacology %}{% dose_explainer %}").render(Context({}))
    assert "<form" in html and "<svg" in html and 'id="dx-result"' in html


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_may_use_the_page_and_the_api(persona, client_for):
    client = client_for(persona)
    assert client.get(reverse("dose_explainer")).status_code == 200
    assert client.get("/api/v1/pharmacology/occupancy?dose_mg=4.5&hours=24").status_code == 200
