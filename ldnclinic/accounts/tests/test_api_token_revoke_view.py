from django.urls import reverse

from ldnclinic.accounts.models import ApiToken
from ldnclinic.accounts.tests.conftest import events
from ldnclinic.audit.codes import Event


def url(token):
    return reverse("api_token_revoke", args=[token.pk])


def test_it_revokes_the_users_own_token(client_for, bearer, users):
    api, token = bearer("clinician")
    response = client_for("clinician").post(url(token))
    assert response.status_code == 302
    assert response.url == reverse("account")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api.get("/api/v1/me").status_code == 401
    [event] = events(Event.TOKEN_REVOKED)
    assert event.actor == users["clinician"]


def test_revoking_twice_is_harmless(client_for, bearer):
    _, token = bearer("clinician")
    client = client_for("clinician")
    client.post(url(token))
    assert client.post(url(token)).status_code == 302
    assert len(events(Event.TOKEN_REVOKED)) == 1


def test_a_user_cannot_revoke_another_users_token(client_for, bearer):
    api, token = bearer("clinician")
    for persona in ["admin", "frontdesk", "patient", "other_staff"]:
        assert client_for(persona).post(url(token)).status_code == 404, persona
    token.refresh_from_db()
    assert token.revoked_at is None
    assert api.get("/api/v1/me").status_code == 200


def test_an_unknown_token_is_404(client_for, db):
    assert (
        client_for("clinician").post(reverse("api_token_revoke", args=[999999])).status_code == 404
    )


def test_it_needs_post(client_for, bearer):
    _, token = bearer("clinician")
    assert client_for("clinician").get(url(token)).status_code == 405
    assert ApiToken.objects.get().revoked_at is None


def test_the_account_page_shows_it_revoked(client_for, bearer):
    _, token = bearer("clinician")
    client = client_for("clinician")
    client.post(url(token))
    page = client.get(reverse("account")).content.decode()
    assert "Revoked" in page
    assert url(token) not in page
