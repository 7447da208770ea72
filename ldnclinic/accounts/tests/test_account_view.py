from django.urls import reverse

URL = reverse("account")


def test_it_shows_the_account(client_for, users):
    response = client_for("clinician").get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "clinician@x.test" in page
    assert "Set up two-factor login" in page


def test_it_saves_the_name(client_for, users):
    response = client_for("clinician").post(URL, {"full_name": "  Dr Carla Clinician "})
    assert response.status_code == 302
    users["clinician"].refresh_from_db()
    assert users["clinician"].full_name == "Dr Carla Clinician"


def test_it_refuses_an_empty_or_long_name(client_for, users):
    client = client_for("clinician")
    for name in ["", "N" * 151]:
        response = client.post(URL, {"full_name": name})
        assert response.status_code == 200
        assert response.context["profile_form"].errors["full_name"]
    users["clinician"].refresh_from_db()
    assert users["clinician"].full_name == "Clinician"


def test_it_shows_two_factor_on(verified_client_for, totp_device, users):
    client = verified_client_for("clinician", totp_device(users["clinician"]))
    assert "Turn off two-factor login" in client.get(URL).content.decode()
