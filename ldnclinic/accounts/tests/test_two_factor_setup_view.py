import datetime

import time_machine
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from ldnclinic.accounts.tests.conftest import code_for, events
from ldnclinic.audit.codes import Event

URL = reverse("two_factor_setup")
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def test_it_creates_an_unconfirmed_device(client_for, users):
    response = client_for("clinician").get(URL)
    assert response.status_code == 200
    [device] = TOTPDevice.objects.filter(user=users["clinician"])
    assert not device.confirmed
    page = response.content.decode()
    assert "data:image/svg+xml;base64," in page
    assert response.context["secret"].replace(" ", "")


def test_it_reuses_the_unconfirmed_device(client_for, users):
    client = client_for("clinician")
    first = client.get(URL).context["secret"]
    assert client.get(URL).context["secret"] == first
    assert TOTPDevice.objects.filter(user=users["clinician"]).count() == 1


def test_a_correct_code_turns_it_on_with_ten_backup_codes(client_for, users):
    client = client_for("clinician")
    client.get(URL)
    device = TOTPDevice.objects.get(user=users["clinician"])
    response = client.post(URL, {"otp_token": code_for(device)})
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    codes = response.context["codes"]
    assert len(codes) == 10 == len(set(codes))
    page = response.content.decode()
    assert all(code in page for code in codes)
    stored = StaticDevice.objects.get(user=users["clinician"]).token_set
    assert sorted(stored.values_list("token", flat=True)) == sorted(codes)
    assert len(events(Event.TWO_FACTOR_ENABLED)) == 1


def test_the_session_counts_as_verified_afterwards(client_for, users):
    client = client_for("clinician")
    client.get(URL)
    client.post(URL, {"otp_token": code_for(TOTPDevice.objects.get(user=users["clinician"]))})
    assert client.get(reverse("account")).status_code == 200
    assert client.get("/api/v1/me").status_code == 200


def test_a_wrong_code_leaves_it_off(client_for, users):
    client = client_for("clinician")
    client.get(URL)
    device = TOTPDevice.objects.get(user=users["clinician"])
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post(URL, {"otp_token": wrong})
    assert response.context["form"].errors["otp_token"]
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticDevice.objects.filter(user=users["clinician"]).exists()


def test_a_code_from_a_few_minutes_ago_is_refused(client_for, users):
    with time_machine.travel(START, tick=False):
        client = client_for("clinician")
        client.get(URL)
        device = TOTPDevice.objects.get(user=users["clinician"])
        stale = code_for(device, step_offset=-10)
        response = client.post(URL, {"otp_token": stale})
    assert response.context["form"].errors["otp_token"]


def test_it_sends_a_user_who_has_it_to_the_account_page(verified_client_for, totp_device, users):
    client = verified_client_for("clinician", totp_device(users["clinician"]))
    response = client.get(URL)
    assert response.url == reverse("account")


def test_it_can_be_turned_off_with_the_password(verified_client_for, totp_device, users):
    client = verified_client_for("clinician", totp_device(users["clinician"]))
    response = client.post(
        reverse("two_factor_disable"), {"password": "correct horse battery staple"}
    )
    assert response.url == reverse("account")
    assert not TOTPDevice.objects.filter(user=users["clinician"]).exists()
    assert not StaticDevice.objects.filter(user=users["clinician"]).exists()
    assert len(events(Event.TWO_FACTOR_DISABLED)) == 1


def test_turning_it_off_needs_the_password(verified_client_for, totp_device, users):
    client = verified_client_for("clinician", totp_device(users["clinician"]))
    client.post(reverse("two_factor_disable"), {"password": "wrong"})
    assert TOTPDevice.objects.filter(user=users["clinician"], confirmed=True).exists()


def test_a_password_alone_cannot_turn_it_off(client_for, totp_device, users):
    # Someone who has only the password stops at the code page; they must not be able
    # to remove the second factor from there.
    totp_device(users["clinician"])
    client = client_for("clinician")
    client.post(reverse("two_factor_disable"), {"password": "correct horse battery staple"})
    assert TOTPDevice.objects.filter(user=users["clinician"], confirmed=True).exists()
    assert events(Event.TWO_FACTOR_DISABLED) == []
