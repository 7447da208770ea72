"""The clinic admin's services pages: list, create, edit, deactivate."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from ldnclinic.accounts.models import Location, Membership, Role
from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import make_user
from ldnclinic.scheduling.models import Appointment, Resource, Service

LIST = reverse("scheduling_services")
CREATE = reverse("scheduling_service_create")
NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def main(clinic):
    return clinic.locations.get(name="Main")


@pytest.fixture
def laser(clinic, main):
    return Resource.objects.create(clinic=clinic, location=main, name="Laser", kind="device")


@pytest.fixture
def other_location(other_clinic):
    return Location.objects.create(clinic=other_clinic, name="London")


def edit_url(service):
    return reverse("scheduling_service_edit", args=[service.pk])


def form_data(**changes):
    data = {
        "name": "Laser session",
        "slug": "laser-session",
        "description": "Fractional laser.",
        "duration_minutes": "60",
        "buffer_before_minutes": "5",
        "buffer_after_minutes": "15",
        "price_display": "$250",
        "location": "",
        "resource": "",
        "online_bookable": "on",
        "min_notice_hours": "24",
        "horizon_days": "60",
        "daily_cap": "4",
        "is_active": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def events(code):
    return list(AuditEvent.objects.filter(code=int(code)).order_by("id"))


def test_it_creates_a_service(client_for, clinic, clinician, users, main, laser):
    data = form_data(location=main.pk, resource=laser.pk, practitioners=[clinician.pk])
    response = client_for("admin").post(CREATE, data)
    assert response.status_code == 302
    assert response.url == LIST
    service = Service.objects.get()
    assert service.clinic == clinic
    assert (service.name, service.slug, service.duration_minutes) == (
        "Laser session",
        "laser-session",
        60,
    )
    assert (service.buffer_before_minutes, service.buffer_after_minutes) == (5, 15)
    assert (service.location, service.resource, service.daily_cap) == (main, laser, 4)
    assert (service.min_notice_hours, service.horizon_days) == (24, 60)
    assert service.online_bookable and service.is_active
    assert not service.new_patients_only and not service.telehealth_allowed
    assert list(service.practitioners.all()) == [clinician]
    [event] = events(Event.SERVICE_SAVED)
    assert event.actor == users["admin"]
    assert event.clinic_id == clinic.pk
    assert event.subject_id == str(service.pk)
    assert event.payload["created"] is True
    assert event.payload["after"]["practitioners"] == [clinician.pk]
    assert event.payload["after"]["resource"] == laser.pk
    assert service.history.first().history_user == users["admin"]


def test_it_makes_a_slug_from_the_name(client_for, clinic):
    client_for("admin").post(CREATE, form_data(name="LED Therapy", slug=""))
    assert Service.objects.get().slug == "led-therapy"


def test_it_edits_and_audits_only_what_changed(client_for, clinic, clinician, users):
    service = Service.objects.create(
        clinic=clinic, name="Laser session", slug="laser-session", duration_minutes=45
    )
    response = client_for("admin").post(
        edit_url(service), form_data(duration_minutes="60", practitioners=[clinician.pk])
    )
    assert response.status_code == 302
    [event] = events(Event.SERVICE_SAVED)
    assert event.payload["created"] is False
    before, after = event.payload["before"], event.payload["after"]
    assert before["duration_minutes"] == 45 and after["duration_minutes"] == 60
    assert before["practitioners"] == [] and after["practitioners"] == [clinician.pk]
    assert "name" not in after
    service.refresh_from_db()
    assert list(service.practitioners.all()) == [clinician]
    latest = service.history.first()
    assert latest.history_type == "~" and latest.history_user == users["admin"]


def test_saving_without_changes_records_nothing(client_for, clinic, clinician):
    client = client_for("admin")
    client.post(CREATE, form_data(practitioners=[clinician.pk]))
    service = Service.objects.get()
    history = service.history.count()
    client.post(edit_url(service), form_data(practitioners=[clinician.pk]))
    assert len(events(Event.SERVICE_SAVED)) == 1
    assert service.history.count() == history


def test_it_deactivates_a_service_and_keeps_its_appointments(
    client_for, clinic, clinician, patient_a
):
    service = Service.objects.create(clinic=clinic, name="Laser", slug="laser", duration_minutes=30)
    start = dt.datetime(2026, 6, 10, 14, tzinfo=dt.UTC)
    Appointment.objects.create(
        clinic=clinic,
        patient=patient_a,
        service=service,
        practitioner=clinician,
        start=start,
        end=start + dt.timedelta(minutes=30),
        blocked_start=start,
        blocked_end=start + dt.timedelta(minutes=30),
    )
    response = client_for("admin").post(
        edit_url(service), form_data(name="Laser", slug="laser", is_active=None)
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert not service.is_active
    assert Appointment.objects.filter(service=service).count() == 1
    assert events(Event.SERVICE_SAVED)[0].payload["after"]["is_active"] is False


def test_the_list_shows_services_in_few_queries(
    client_for, clinic, clinician, main, laser, django_assert_max_num_queries
):
    for number in range(6):
        service = Service.objects.create(
            clinic=clinic,
            name=f"Service {number}",
            slug=f"service-{number}",
            duration_minutes=30,
            location=main,
            resource=laser,
        )
        service.practitioners.add(clinician)
    client = client_for("admin")
    with django_assert_max_num_queries(12):
        response = client.get(LIST)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Service 5" in page and "Clinician" in page and "needs Laser" in page


def test_the_form_offers_only_this_clinics_choices(
    client_for, clinic, other_clinic, other_location, users, laser
):
    other_admin = Membership.objects.get(user=users["other_staff"])
    Resource.objects.create(clinic=other_clinic, location=other_location, name="Their laser")
    response = client_for("admin").get(CREATE)
    form = response.context["form"]
    assert set(form.fields["location"].queryset) == set(clinic.locations.all())
    assert list(form.fields["resource"].queryset) == [laser]
    offered = set(form.fields["practitioners"].queryset)
    assert other_admin not in offered
    # Clinicians and admins perform services; the front desk does not.
    assert {m.role for m in offered} == {Role.ADMIN, Role.CLINICIAN}
    page = response.content.decode()
    assert "Their laser" not in page and "London" not in page


@pytest.mark.parametrize("field", ["location", "resource", "practitioners"])
def test_another_clinics_choice_is_refused(
    client_for, clinic, other_clinic, other_location, users, field
):
    foreign = {
        "location": other_location.pk,
        "resource": Resource.objects.create(
            clinic=other_clinic, location=other_location, name="Their laser"
        ).pk,
        "practitioners": [Membership.objects.get(user=users["other_staff"]).pk],
    }[field]
    response = client_for("admin").post(CREATE, form_data(**{field: foreign}))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not Service.objects.exists()
    assert events(Event.SERVICE_SAVED) == []


def test_the_front_desk_cannot_be_made_a_practitioner(client_for, clinic, users):
    frontdesk = Membership.objects.get(user=users["frontdesk"])
    response = client_for("admin").post(CREATE, form_data(practitioners=[frontdesk.pk]))
    assert response.context["form"].errors["practitioners"]
    assert not Service.objects.exists()


def test_an_inactive_practitioner_stays_on_the_service_but_cannot_be_added(client_for, clinic):
    client = client_for("admin")
    gone = Membership.objects.get(
        user=make_user("gone@x.test", clinic, Role.CLINICIAN), clinic=clinic
    )
    service = Service.objects.create(clinic=clinic, name="Laser", slug="laser", duration_minutes=30)
    service.practitioners.add(gone)
    gone.is_active = False
    gone.save()
    response = client.get(edit_url(service))
    assert "Gone (inactive)" in response.content.decode()
    response = client.post(
        edit_url(service), form_data(name="Laser", slug="laser", practitioners=[gone.pk])
    )
    assert response.status_code == 302
    assert list(service.practitioners.all()) == [gone]
    response = client.post(CREATE, form_data(practitioners=[gone.pk]))
    assert response.context["form"].errors["practitioners"]


def test_the_room_must_be_where_the_service_is(client_for, clinic, laser):
    uptown = Location.objects.create(clinic=clinic, name="Uptown")
    response = client_for("admin").post(CREATE, form_data(location=uptown.pk, resource=laser.pk))
    assert response.context["form"].errors["resource"] == ["Laser is at Main, not at Uptown."]
    assert not Service.objects.exists()


def test_a_service_that_needs_a_device_takes_place_where_it_is(client_for, clinic, main, laser):
    response = client_for("admin").post(CREATE, form_data(location="", resource=laser.pk))
    assert response.status_code == 302
    assert Service.objects.get().location == main


def test_a_duplicate_slug_is_a_field_error(client_for, clinic):
    Service.objects.create(clinic=clinic, name="Old", slug="laser-session", duration_minutes=30)
    response = client_for("admin").post(CREATE, form_data())
    assert response.context["form"].errors["slug"] == [
        "This clinic already has a service with that slug."
    ]
    assert Service.objects.count() == 1


def test_another_clinic_may_use_the_same_slug(client_for, other_clinic, clinic):
    Service.objects.create(clinic=clinic, name="Ours", slug="laser-session", duration_minutes=30)
    response = client_for("other_staff").post(CREATE, form_data())
    assert response.status_code == 302
    assert Service.objects.get(clinic=other_clinic).slug == "laser-session"


@pytest.mark.parametrize(
    "field, value",
    [
        ("name", ""),
        ("name", "N" * 101),
        ("slug", "not a slug!"),
        ("duration_minutes", ""),
        ("duration_minutes", "4"),
        ("duration_minutes", "481"),
        ("duration_minutes", "an hour"),
        ("buffer_before_minutes", "121"),
        ("buffer_after_minutes", "-5"),
        ("price_display", "$" * 41),
        ("min_notice_hours", "721"),
        ("horizon_days", "0"),
        ("horizon_days", "731"),
        ("daily_cap", "0"),
        ("location", "999999"),
        ("resource", "nonsense"),
        ("practitioners", "999999"),
    ],
)
def test_bad_input_is_a_field_error(client_for, clinic, field, value):
    response = client_for("admin").post(CREATE, form_data(**{field: value}))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors[field]
    assert not form.non_field_errors()
    page = response.content.decode()
    assert "Please correct the fields marked below." in page
    assert form.errors[field][0] in page.replace("&#x27;", "'").replace("&quot;", '"')
    assert not Service.objects.exists()


def test_a_bad_edit_leaves_the_service_as_it_was(client_for, clinic):
    service = Service.objects.create(clinic=clinic, name="Laser", slug="laser", duration_minutes=30)
    response = client_for("admin").post(
        edit_url(service), form_data(name="Laser", slug="laser", duration_minutes="1000")
    )
    assert response.status_code == 200
    assert "<h1>Laser</h1>" in response.content.decode()
    service.refresh_from_db()
    assert service.duration_minutes == 30


def test_an_admin_of_another_clinic_gets_404(client_for, clinic):
    service = Service.objects.create(clinic=clinic, name="Laser", slug="laser", duration_minutes=30)
    client = client_for("other_staff")
    assert client.get(edit_url(service)).status_code == 404
    assert client.post(edit_url(service), form_data(name="Stolen")).status_code == 404
    service.refresh_from_db()
    assert service.name == "Laser"
    assert "Laser" not in client.get(LIST).content.decode()


@pytest.mark.parametrize(
    "persona, status",
    [("clinician", 403), ("frontdesk", 403), ("patient", 404), ("anonymous", 302)],
)
def test_only_admins_may_change_services(client_for, clinic, persona, status):
    service = Service.objects.create(clinic=clinic, name="Laser", slug="laser", duration_minutes=30)
    client = client_for(persona)
    for url in (LIST, CREATE, edit_url(service)):
        assert client.get(url).status_code == status
    assert client.post(CREATE, form_data(name="New")).status_code == status
    assert client.post(edit_url(service), form_data(name="Renamed")).status_code == status
    assert list(Service.objects.values_list("name", flat=True)) == ["Laser"]
    assert events(Event.SERVICE_SAVED) == []
