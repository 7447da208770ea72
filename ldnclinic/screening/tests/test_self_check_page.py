import pytest
from django.core.cache import cache

from ldnclinic.audit.models import AuditEvent
from ldnclinic.patients.models import Patient

URL = "/self-check/"

CLEAR = {
    "age_years": "41",
    "medicines": "Vitamin D\nibuprofen",
    "opioid": "none",
    "surgery": "none",
    "liver": "none",
    "kidney": "none",
    "pregnancy": "no",
    "thyroid": "no",
    "immunosuppressed": "no",
    "allergy": "no",
    "depression": "no",
}


@pytest.fixture(autouse=True)
def empty_cache(db):
    cache.clear()


def answer(client, **changes):
    data = {**CLEAR, **changes}
    return client.post(URL, {k: v for k, v in data.items() if v is not None})


def test_the_questions_are_public(client, db):
    response = client.get(URL)
    assert response.status_code == 200
    assert b"Could LDN be right for me?" in response.content


def test_nothing_in_the_answers_rules_ldn_out_but_it_never_overclaims(client, db):
    response = answer(client)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Nothing in your answers rules LDN out" in text
    assert "does not mean LDN will help" in text
    assert "Book a consultation" in text


def test_tylenol_with_codeine_rules_ldn_out_and_names_the_opioid(client, db):
    response = answer(client, medicines="Tylenol with codeine")
    text = response.content.decode()
    assert "LDN is probably not safe for you at the moment" in text
    assert "opioid" in text


def test_a_recent_opioid_dose_rules_ldn_out(client, db):
    text = answer(client, opioid="week", opioid_long_acting="no").content.decode()
    assert "LDN is probably not safe for you at the moment" in text


def test_not_sure_is_never_read_as_no(client, db):
    text = answer(client, liver="unsure").content.decode()
    assert "A clinician needs to look at this with you" in text
    assert "Nothing in your answers rules LDN out" not in text


def test_unrecognised_medicines_are_named_for_the_clinician(client, db):
    text = answer(client, medicines="the blue pill").content.decode()
    assert "“the blue pill”" in text
    assert "Nothing in your answers rules LDN out" not in text


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"age_years": "-3"}, "Enter your age in years (0 to 130)."),
        ({"age_years": "abc"}, "Enter your age as a whole number of years."),
        ({"medicines": ""}, "List your medicines, or tick “I take no medicines”."),
        ({"no_medicines": "on"}, "untick the box or clear the list"),
        ({"opioid": None}, "Choose an answer about opioids."),
        ({"liver": "cirrhosis"}, "Select a valid choice."),
    ],
)
def test_bad_answers_are_named_and_nothing_is_judged(client, db, changes, message):
    response = answer(client, **changes)
    assert response.status_code == 400
    text = response.content.decode()
    assert message in text
    assert "self-check-result" not in text


def test_depression_points_to_help_now(client, db):
    text = answer(client, depression="yes").content.decode()
    assert "LDN may be possible, with care" in text
    assert "emergency number" in text


def test_no_medicines_ticked_is_an_answer(client, db):
    text = answer(client, medicines="", no_medicines="on").content.decode()
    assert "Nothing in your answers rules LDN out" in text


def test_it_stores_nothing(client, db):
    answer(client, medicines="Percocet")
    assert not Patient.objects.exists()
    assert not AuditEvent.objects.exists()


def test_anonymous_answers_are_rate_limited(client, db, settings):
    settings.SELF_CHECK_PER_HOUR = 2
    assert answer(client).status_code == 200
    assert answer(client).status_code == 200
    limited = answer(client)
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert b"Please wait a little" in limited.content
