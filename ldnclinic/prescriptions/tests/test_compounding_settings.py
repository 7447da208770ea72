"""The clinic admin's compounding page: beyond-use defaults and the pharmacy directory."""

import pytest
from django.urls import reverse

from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.prescriptions.models import CompoundingSettings, Pharmacy

pytestmark = pytest.mark.django_db

URL = reverse("compounding_settings")
DEFAULTS = {
    "bud_liquid_non_preserved": 14,
    "bud_liquid_preserved": 35,
    "bud_capsule": 180,
    "storage_liquid_non_preserved": "",
    "storage_liquid_preserved": "",
    "storage_capsule": "",
}


def test_it_shows_the_defaults_with_their_source(client_for):
    html = client_for("admin").get(URL).content.decode()
    assert "check against the current USP chapter" in html
    assert "eagleanalytical.com" in html
    assert 'value="14"' in html and 'value="180"' in html


def test_only_admins_see_it(client_for):
    assert client_for("clinician").get(URL).status_code == 403
    assert client_for("frontdesk").get(URL).status_code == 403
    assert client_for("patient").get(URL).status_code == 404
    assert client_for("anonymous").get(URL).status_code == 302


def test_an_admin_saves_the_defaults(client_for, clinic):
    data = {**DEFAULTS, "bud_liquid_preserved": 30, "storage_capsule": "Cool, dry place."}
    response = client_for("admin").post(URL, data)
    assert response.status_code == 302
    settings = CompoundingSettings.for_clinic(clinic)
    assert settings.bud_days() == {
        "liquid_non_preserved": 14,
        "liquid_preserved": 30,
        "capsule": 180,
    }
    assert settings.storage_override("capsule") == "Cool, dry place."
    event = AuditEvent.objects.get(code=Event.COMPOUNDING_DEFAULTS_SAVED)
    assert event.payload["bud_liquid_preserved"] == [35, 30]
    assert settings.history.count() == 2


@pytest.mark.parametrize("value", [0, 366, -1, "x", ""])
def test_bad_days_are_refused(client_for, clinic, value):
    response = client_for("admin").post(URL, {**DEFAULTS, "bud_capsule": value})
    assert response.status_code == 200
    assert "has-error" in response.content.decode()
    assert CompoundingSettings.for_clinic(clinic).bud_capsule == 180


def test_each_clinic_has_its_own_settings(client_for, clinic, other_clinic):
    client_for("other_staff").post(URL, {**DEFAULTS, "bud_capsule": 90})
    assert CompoundingSettings.for_clinic(clinic).bud_capsule == 180
    assert CompoundingSettings.for_clinic(other_clinic).bud_capsule == 90


def test_pharmacies_are_added_edited_and_deactivated(client_for, clinic):
    client = client_for("admin")
    response = client.post(
        reverse("pharmacy_create"), {"name": "Rx One", "phone": "+1 555 0100", "email": ""}
    )
    assert response.status_code == 302
    pharmacy = Pharmacy.objects.get(clinic=clinic)
    response = client.post(reverse("pharmacy_create"), {"name": "Rx One"})
    assert response.status_code == 200
    assert "already has a pharmacy with that name" in response.content.decode()
    response = client.post(reverse("pharmacy_create"), {"name": ""})
    assert response.status_code == 200
    edit = reverse("pharmacy_edit", args=[pharmacy.pk])
    assert client.post(edit, {"name": "Rx One Ltd", "fax": "+1 555 0199"}).status_code == 302
    pharmacy.refresh_from_db()
    assert (pharmacy.name, pharmacy.fax) == ("Rx One Ltd", "+1 555 0199")
    toggle = reverse("pharmacy_set_active", args=[pharmacy.pk])
    assert client.post(toggle, {"active": "0"}).status_code == 302
    pharmacy.refresh_from_db()
    assert not pharmacy.is_active
    assert "deactivated" in client.get(URL).content.decode()
    assert AuditEvent.objects.filter(code=Event.COMPOUNDING_DEFAULTS_SAVED).count() == 3


def test_another_clinics_pharmacy_is_404(client_for, other_clinic):
    pharmacy = Pharmacy.objects.create(clinic=other_clinic, name="Y Rx")
    client = client_for("admin")
    assert client.get(reverse("pharmacy_edit", args=[pharmacy.pk])).status_code == 404
    toggle = reverse("pharmacy_set_active", args=[pharmacy.pk])
    assert client.post(toggle, {"active": "0"}).status_code == 404
    assert client_for("clinician").get(reverse("pharmacy_create")).status_code == 403
