"""The client's address behind reverse proxies (for django-axes and the audit trail)."""

import pytest
from django.test import Client, RequestFactory

from ldnclinic.accounts.client_ip import client_ip
from ldnclinic.accounts.tests.conftest import sign_in


def request_from(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_proxies_it_is_the_peer_address(settings):
    settings.PROXY_COUNT = 0
    assert client_ip(request_from("203.0.113.5", "6.6.6.6")) == "203.0.113.5"


@pytest.mark.parametrize(
    "proxies, forwarded, expected",
    [
        (1, "203.0.113.5", "203.0.113.5"),
        # The client sent its own X-Forwarded-For; the proxy appended the real address.
        (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),
        (2, "6.6.6.6, 203.0.113.5, 10.0.0.9", "203.0.113.5"),
        (1, "2001:db8::1", "2001:db8::1"),
        # Missing or nonsense headers fall back to the peer, the proxy itself.
        (1, "", "10.0.0.1"),
        (2, "203.0.113.5", "10.0.0.1"),
        (1, "not-an-address", "10.0.0.1"),
    ],
)
def test_behind_proxies_it_is_the_address_the_outer_proxy_saw(
    settings, proxies, forwarded, expected
):
    settings.PROXY_COUNT = proxies
    assert client_ip(request_from("10.0.0.1", forwarded)) == expected


def test_sign_in_locks_are_per_client_behind_a_proxy(settings, users):
    # What settings.AXES_CLIENT_IP_CALLABLE should point at when PROXY_COUNT is set.
    settings.PROXY_COUNT = 1
    settings.AXES_CLIENT_IP_CALLABLE = "ldnclinic.accounts.client_ip.client_ip"
    attacker = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.66")
    for _ in range(5):
        sign_in(attacker, "clinician@x.test", "wrong password")
    assert sign_in(attacker, "clinician@x.test").status_code == 429
    spoofing = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5, 198.51.100.66")
    assert sign_in(spoofing, "clinician@x.test").status_code == 429
    colleague = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert sign_in(colleague, "clinician@x.test").status_code == 302
