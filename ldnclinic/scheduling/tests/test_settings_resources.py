"""The clinic admin's rooms and devices pages."""

import pytest
from django.urls import reverse

from ldnclinic.accounts.models import Location
from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.scheduling.models import Resource, Service

LIST = reverse("scheduling_resources")
CREATE = reverse("scheduling_resource_create")


@pytest.fixture
def main(clinic):
    return clinic.locations.get(name="Main")


def edit_url(resource):
    return reverse("scheduling_resource_edit", args=[resource.pk])


def form_data(main, **changes):
    data = {"name": "Procedure room", "kind": "room", "location": main.pk, "capacity": "2"}
    data.update({"is_active": "on"}, **changes)
    return {k: v for k, v in data.items() if v is not None}


def events(code=Event.RESOURCE_SAVED):
    return list(AuditEvent.objects.filter(code=int(code)).order_by("id"))


def test_it_adds_a_room(client_for, clinic, main, users):
    response = client_for("admin").post(CREATE, form_data(main))
    assert response.status_code == 302
    assert response.url == LIST
    room = Resource.objects.get()
    assert (room.clinic, room.location, room.kind, room.capacity, room.is_active) == (
        clinic,
        main,
        "room",
        2,
        True,
    )
    [event] = events()
    assert event.actor == users["admin"]
    assert event.payload["created"] is True
    assert event.payload["after"]["capacity"] == 2
    assert room.history.get().history_user == users["admin"]


def test_it_edits_a_device_and_audits_the_change(client_for, clinic, main, users):
    laser = Resource.objects.create(clinic=clinic, location=main, name="Laser", kind="device")
    response = client_for("admin").post(
        edit_url(laser), form_data(main, name="Laser", kind="device", is_active=None)
    )
    assert response.status_code == 302
    laser.refresh_from_db()
    assert (laser.capacity, laser.is_active) == (2, False)
    [event] = events()
    assert event.payload == {
        "created": False,
        "before": {"capacity": 1, "is_active": True},
        "after": {"capacity": 2, "is_active": False},
    }
    assert laser.history.first().history_user == users["admin"]


def test_the_list_shows_what_uses_each_resource(client_for, clinic, main):
    laser = Resource.objects.create(clinic=clinic, location=main, name="Laser", kind="device")
    Service.objects.create(
        clinic=clinic, name="Laser session", slug="laser", duration_minutes=60, resource=laser
    )
    page = client_for("admin").get(LIST).content.decode()
    assert "Laser" in page and "1 active service" in page


@pytest.mark.parametrize("name", ["Procedure room", "procedure ROOM", " Procedure room "])
def test_a_duplicate_name_is_a_field_error(client_for, clinic, main, name):
    Resource.objects.create(clinic=clinic, location=main, name="Procedure room", kind="room")
    response = client_for("admin").post(CREATE, form_data(main, name=name))
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        "This clinic already has a resource with that name."
    ]
    assert Resource.objects.count() == 1
    assert events() == []


@pytest.mark.parametrize(
    "field, value",
    [
        ("name", ""),
        ("name", "R" * 101),
        ("kind", "robot"),
        ("capacity", "0"),
        ("capacity", "21"),
        ("capacity", "two"),
        ("location", ""),
        ("location", "999999"),
    ],
)
def test_bad_input_is_a_field_error(client_for, clinic, main, field, value):
    response = client_for("admin").post(CREATE, form_data(main, **{field: value}))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert "Please correct the fields marked below." in response.content.decode()
    assert not Resource.objects.exists()


def test_another_clinics_location_is_refused(client_for, clinic, main, other_clinic):
    london = Location.objects.create(clinic=other_clinic, name="London")
    response = client_for("admin").post(CREATE, form_data(main, location=london.pk))
    assert response.context["form"].errors["location"]
    assert not Resource.objects.exists()
    assert "London" not in client_for("admin").get(CREATE).content.decode()


def test_an_admin_of_another_clinic_gets_404(client_for, clinic, main):
    laser = Resource.objects.create(clinic=clinic, location=main, name="Laser", kind="device")
    client = client_for("other_staff")
    assert client.get(edit_url(laser)).status_code == 404
    assert client.post(edit_url(laser), form_data(main, name="Stolen")).status_code == 404
    laser.refresh_from_db()
    assert laser.name == "Laser"
    assert "Laser" not in client.get(LIST).content.decode()


@pytest.mark.parametrize(
    "persona, status",
    [("clinician", 403), ("frontdesk", 403), ("patient", 404), ("anonymous", 302)],
)
def test_only_admins_may_change_resources(client_for, clinic, main, persona, status):
    laser = Resource.objects.create(clinic=clinic, location=main, name="Laser", kind="device")
    client = client_for(persona)
    for url in (LIST, CREATE, edit_url(laser)):
        assert client.get(url).status_code == status
    assert client.post(CREATE, form_data(main)).status_code == status
    assert client.post(edit_url(laser), form_data(main, name="Renamed")).status_code == status
    assert list(Resource.objects.values_list("name", flat=True)) == ["Laser"]
