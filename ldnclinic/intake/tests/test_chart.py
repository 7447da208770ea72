import pytest
from django.urls import reverse

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.intake import actions
from ldnclinic.intake.models import IntakeResponse, IntakeStatus
from ldnclinic.intake.tests.test_portal import COMPLETE


@pytest.fixture
def submitted(patient_a):
    response, check = actions.do_submit_intake(Actor.system(via="test"), patient_a, COMPLETE)
    assert check.complete
    return response


def test_the_chart_tab_shows_the_answers_and_audits(client_for, patient_a, submitted):
    response = client_for("clinician").get(reverse("patient_intake", args=[patient_a.pk]))
    assert response.status_code == 200
    assert b"Tylenol with codeine" in response.content
    assert b"Edit intake" in response.content
    assert b'href="/patients/%d/intake/"' % patient_a.pk in response.content
    assert AuditEvent.objects.filter(code=Event.INTAKE_VIEWED, patient=patient_a).exists()


def test_the_tab_says_when_nothing_was_started(client_for, patient_a):
    response = client_for("frontdesk").get(reverse("patient_intake", args=[patient_a.pk]))
    assert b"has not started" in response.content


def test_staff_edit_is_audited_and_kept_in_history(client_for, patient_a, submitted):
    url = reverse("patient_intake_edit", args=[patient_a.pk])
    response = client_for("clinician").post(
        url, {**COMPLETE, "planned_surgery": "yes", "surgery_in_days": "5"}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.answers["surgery_in_days"] == 5
    assert submitted.status == IntakeStatus.SUBMITTED
    event = AuditEvent.objects.get(code=Event.INTAKE_EDITED)
    assert event.payload["changed"] == ["planned_surgery", "surgery_in_days"]
    assert submitted.history.count() == 2


def test_staff_edit_refuses_impossible_values(client_for, patient_a, submitted):
    url = reverse("patient_intake_edit", args=[patient_a.pk])
    response = client_for("clinician").post(url, {**COMPLETE, "opioid_last_dose_days": "-1"})
    assert response.status_code == 200
    assert b"Enter 0 days or more." in response.content
    submitted.refresh_from_db()
    assert submitted.answers["opioid_last_dose_days"] == 1


def test_other_clinics_staff_get_404(client_for, patient_a, submitted):
    client = client_for("other_staff")
    assert client.get(reverse("patient_intake", args=[patient_a.pk])).status_code == 404
    url = reverse("patient_intake_edit", args=[patient_a.pk])
    assert client.post(url, COMPLETE).status_code == 404


def test_read_only_users_get_403(client_for, patient_a, submitted, users, clinic):
    url = reverse("patient_intake_edit", args=[patient_a.pk])
    assert client_for("patient").post(url, COMPLETE).status_code == 403
    assert IntakeResponse.objects.get().answers == submitted.answers
