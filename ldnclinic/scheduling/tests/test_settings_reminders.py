"""Reminder settings on the clinic settings page: offsets and SMS."""

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from ldnclinic.accounts.actions import CLINIC_FIELDS
from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent

URL = reverse("clinic_settings")
OFFSETS_ERROR = "Give up to four whole numbers of hours between 1 and 336, separated by commas."


def save(client, clinic, **changes):
    values = model_to_dict(clinic, fields=CLINIC_FIELDS)
    data = {k: ("on" if v is True else v) for k, v in values.items() if v is not False}
    return client.post(URL, {**data, **changes})


def test_the_page_shows_the_reminder_settings(client_for, clinic):
    page = client_for("admin").get(URL).content.decode()
    assert 'name="reminder_offsets"' in page and 'value="48,2"' in page
    assert 'name="sms_reminders"' in page


def test_it_saves_offsets_in_order_and_turns_on_sms(client_for, clinic, users):
    response = save(client_for("admin"), clinic, reminder_offsets="2, 24,72", sms_reminders="on")
    assert response.status_code == 302
    clinic.refresh_from_db()
    assert (clinic.reminder_offsets, clinic.sms_reminders) == ("72,24,2", True)
    assert clinic.reminder_offset_hours == [72, 24, 2]
    event = AuditEvent.objects.get(code=Event.CLINIC_UPDATED)
    assert event.payload == {
        "before": {"reminder_offsets": "48,2", "sms_reminders": False},
        "after": {"reminder_offsets": "72,24,2", "sms_reminders": True},
    }


@pytest.mark.parametrize("value", ["0", "337", "48,abc", "1,2,3,4,5", "-2", "48;2", "2.5"])
def test_bad_offsets_show_the_models_message(client_for, clinic, value):
    response = save(client_for("admin"), clinic, reminder_offsets=value)
    assert response.status_code == 200
    assert response.context["form"].errors["reminder_offsets"] == [OFFSETS_ERROR]
    assert OFFSETS_ERROR in response.content.decode()
    clinic.refresh_from_db()
    assert clinic.reminder_offsets == "48,2"


def test_offsets_are_required(client_for, clinic):
    response = save(client_for("admin"), clinic, reminder_offsets="")
    assert response.context["form"].errors["reminder_offsets"]
