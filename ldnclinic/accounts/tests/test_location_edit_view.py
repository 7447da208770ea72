import pytest
from django.urls import reverse

from ldnclinic.accounts.models import Location
from ldnclinic.accounts.tests.conftest import events
from ldnclinic.audit.codes import Event

CREATE = reverse("location_create")
NEW = {"name": "Uptown", "address_line1": "1 Main St", "city": "New York", "country": "US"}


@pytest.fixture
def main(clinic):
    return clinic.locations.get(name="Main")


def edit_url(location):
    return reverse("location_edit", args=[location.pk])


def test_it_adds_a_location(client_for, clinic, users):
    response = client_for("admin").post(CREATE, {**NEW, "is_active": "on"})
    assert response.status_code == 302
    assert response.url == reverse("clinic_settings")
    location = clinic.locations.get(name="Uptown")
    assert (location.city, location.is_active) == ("New York", True)
    [event] = events(Event.LOCATION_CREATED)
    assert event.actor == users["admin"]
    assert event.subject_id == str(location.pk)


def test_it_edits_a_location(client_for, main, users):
    response = client_for("admin").post(
        edit_url(main), {"name": "Main", "city": "Queens", "country": "US"}
    )
    assert response.status_code == 302
    main.refresh_from_db()
    assert (main.city, main.is_active) == ("Queens", False)
    [event] = events(Event.LOCATION_UPDATED)
    assert event.payload == {
        "before": {"city": "Brooklyn", "is_active": True},
        "after": {"city": "Queens", "is_active": False},
    }


def test_it_shows_the_form(client_for, main):
    response = client_for("admin").get(edit_url(main))
    assert response.status_code == 200
    assert 'value="Brooklyn"' in response.content.decode()


@pytest.mark.parametrize("name", ["Main", "main", " MAIN "])
def test_a_duplicate_name_is_a_field_error(client_for, clinic, name):
    response = client_for("admin").post(CREATE, {**NEW, "name": name})
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        "This clinic already has a location with that name."
    ]
    assert clinic.locations.count() == 1
    assert events(Event.LOCATION_CREATED) == []


def test_renaming_onto_another_location_is_a_field_error(client_for, clinic, main):
    uptown = Location.objects.create(clinic=clinic, name="Uptown")
    response = client_for("admin").post(edit_url(uptown), {**NEW, "name": "Main"})
    assert response.context["form"].errors["name"]
    uptown.refresh_from_db()
    assert uptown.name == "Uptown"


def test_another_clinic_may_use_the_same_name(client_for, other_clinic):
    response = client_for("other_staff").post(CREATE, {**NEW, "name": "Main"})
    assert response.status_code == 302
    assert other_clinic.locations.get().name == "Main"


@pytest.mark.parametrize(
    "field, value",
    [("name", ""), ("name", "L" * 201), ("country", "USA"), ("postal_code", "9" * 21)],
)
def test_bad_input_is_a_field_error(client_for, clinic, field, value):
    response = client_for("admin").post(CREATE, {**NEW, field: value})
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert clinic.locations.count() == 1


def test_an_admin_of_another_clinic_gets_404(client_for, main):
    client = client_for("other_staff")
    assert client.get(edit_url(main)).status_code == 404
    assert client.post(edit_url(main), {**NEW, "name": "Stolen"}).status_code == 404
    main.refresh_from_db()
    assert main.name == "Main"


@pytest.mark.parametrize("persona", ["clinician", "frontdesk"])
def test_only_admins_may_edit_locations(client_for, main, persona):
    assert client_for(persona).post(CREATE, NEW).status_code == 403
    assert client_for(persona).post(edit_url(main), NEW).status_code == 403
    assert Location.objects.count() == 1
