import pytest
from django.test import Client

from ldnclinic.audit.log import Actor
from ldnclinic.core import public_cache
from ldnclinic.website.actions import do_publish_page
from ldnclinic.website.tests.conftest import PUBLIC_PATHS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_it_serves_anonymous_pages_from_the_cache(site, path):
    first = Client().get(path)
    second = Client().get(path)
    assert first["X-Public-Cache"] == "miss"
    assert second["X-Public-Cache"] == "hit"
    assert second.content == first.content
    assert second.status_code == 200


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_cached_pages_set_no_cookie_and_hold_no_csrf_token(site, path):
    response = Client().get(path)
    assert not response.cookies
    body = response.content.decode()
    assert "csrfmiddlewaretoken" not in body
    assert '"X-CSRFToken": ""' in body


def test_a_publish_changes_the_page_on_the_next_request(
    site, users, django_capture_on_commit_callbacks
):
    client = Client()
    assert "Our own words" not in client.get("/safety/").content.decode()
    assert client.get("/safety/")["X-Public-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        do_publish_page(Actor(users["admin"]), site, "safety", "## Safety\n\nOur own words.")
    response = client.get("/safety/")
    assert response["X-Public-Cache"] == "miss"
    assert "Our own words." in response.content.decode()


def test_a_404_is_not_stored(site):
    # Made-up slugs must not fill the shared cache (which holds the rate-limit counters).
    Client().get("/conditions/nothing/")
    again = Client().get("/conditions/nothing/")
    assert again.status_code == 404
    assert "X-Public-Cache" not in again


def test_a_request_with_a_query_is_not_stored(site):
    Client().get("/conditions/")
    assert Client().get("/conditions/")["X-Public-Cache"] == "hit"
    for _ in range(2):
        response = Client().get("/conditions/?a=1")
        assert response.status_code == 200
        assert "X-Public-Cache" not in response


def test_signed_in_users_get_fresh_pages_with_their_token(site, client_for):
    Client().get("/")
    response = client_for("admin").get("/")
    assert "X-Public-Cache" not in response
    assert '"X-CSRFToken": ""' not in response.content.decode()
    assert "Sign out" in response.content.decode()


def test_a_version_bump_empties_the_cache(site):
    Client().get("/")
    public_cache.bump()
    assert Client().get("/")["X-Public-Cache"] == "miss"


def test_post_is_refused(site):
    assert Client().post("/").status_code == 405


def test_head_is_answered_like_get(site):
    response = Client().head("/")
    assert response.status_code == 200


def test_a_page_without_a_clinic_is_not_cached(db):
    Client().get("/")
    assert "X-Public-Cache" not in Client().get("/")
