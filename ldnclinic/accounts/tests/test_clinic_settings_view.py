import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from ldnclinic.accounts.actions import CLINIC_FIELDS
from ldnclinic.accounts.tests.conftest import events
from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent

URL = reverse("clinic_settings")


def current(clinic):
    values = model_to_dict(clinic, fields=CLINIC_FIELDS)
    return {k: ("on" if v is True else v) for k, v in values.items() if v is not False}


def save(client, clinic, **changes):
    return client.post(URL, {**current(clinic), **changes})


def test_it_shows_the_settings_and_locations(client_for, clinic):
    response = client_for("admin").get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Clinic X" in page
    assert "Main" in page


def test_it_saves(client_for, clinic):
    response = save(
        client_for("admin"),
        clinic,
        name="Clinic X Skin",
        time_zone="America/Chicago",
        staff_idle_minutes="45",
        require_staff_2fa="on",
    )
    assert response.status_code == 302
    assert response.url == URL
    clinic.refresh_from_db()
    assert clinic.name == "Clinic X Skin"
    assert clinic.time_zone == "America/Chicago"
    assert clinic.staff_idle_minutes == 45
    assert clinic.require_staff_2fa


def test_it_audits_before_and_after(client_for, clinic, users):
    save(client_for("admin"), clinic, name="Clinic X Skin", staff_idle_minutes="45")
    [event] = events(Event.CLINIC_UPDATED)
    assert event.actor == users["admin"]
    assert event.clinic_id == clinic.pk
    assert event.payload == {
        "before": {"name": "Clinic X", "staff_idle_minutes": 30},
        "after": {"name": "Clinic X Skin", "staff_idle_minutes": 45},
    }


def test_it_records_nothing_when_nothing_changes(client_for, clinic):
    save(client_for("admin"), clinic)
    assert events(Event.CLINIC_UPDATED) == []


def test_it_adds_a_scheme_to_the_website(client_for, clinic):
    save(client_for("admin"), clinic, website="clinic-x.example")
    clinic.refresh_from_db()
    assert clinic.website == "https://clinic-x.example"


@pytest.mark.parametrize(
    "field, value",
    [
        ("time_zone", "Mars/Olympus_Mons"),
        ("time_zone", ""),
        ("staff_idle_minutes", "2"),
        ("staff_idle_minutes", "4"),
        ("staff_idle_minutes", "721"),
        ("staff_idle_minutes", "1000"),
        ("staff_idle_minutes", "99999999999"),
        ("staff_idle_minutes", "-5"),
        ("staff_idle_minutes", "ten"),
        ("name", "N" * 201),
        ("name", ""),
        ("email", "not an email"),
        ("website", "javascript:alert(1)"),
        ("mrn_prefix", "TOOLONGPREFIX"),
    ],
)
def test_it_refuses_bad_input_with_a_field_error(client_for, clinic, field, value):
    before = current(clinic)
    audit_rows = AuditEvent.objects.count()
    response = save(client_for("admin"), clinic, **{field: value})
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not response.context["form"].non_field_errors()
    clinic.refresh_from_db()
    assert current(clinic) == before
    assert AuditEvent.objects.count() == audit_rows


@pytest.mark.parametrize("minutes", ["5", "720"])
def test_it_accepts_the_idle_limits_at_the_edges(client_for, clinic, minutes):
    save(client_for("admin"), clinic, staff_idle_minutes=minutes)
    clinic.refresh_from_db()
    assert clinic.staff_idle_minutes == int(minutes)


def test_the_page_still_names_the_clinic_after_an_error(client_for, clinic):
    response = save(client_for("admin"), clinic, name="", staff_idle_minutes="1000")
    assert "Clinic X" in response.content.decode()


@pytest.mark.parametrize(
    "persona, status", [("clinician", 403), ("frontdesk", 403), ("patient", 404)]
)
def test_only_admins_may_change_settings(client_for, clinic, users, persona, status):
    assert client_for(persona).get(URL).status_code == status
    assert save(client_for(persona), clinic, name="Taken over").status_code == status
    clinic.refresh_from_db()
    assert clinic.name == "Clinic X"


def test_an_admin_changes_only_their_own_clinic(client_for, clinic, other_clinic):
    client_for("other_staff").post(URL, {**current(other_clinic), "name": "Clinic Y2"})
    clinic.refresh_from_db()
    other_clinic.refresh_from_db()
    assert (clinic.name, other_clinic.name) == ("Clinic X", "Clinic Y2")
