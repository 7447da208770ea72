import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.intake.models import IntakeResponse, IntakeStatus

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)

COMPLETE = {
    "conditions": ["psoriasis"],
    "condition_since": "2019-04-01",
    "condition_severity": "moderate",
    "takes_medications": "yes",
    "current_medications": "Tylenol with codeine\nvitamin D",
    "has_allergies": "no",
    "naltrexone_allergy": "no",
    "opioid_use": "yes",
    "opioid_name": "Tylenol with codeine",
    "opioid_last_dose_days": "1",
    "opioid_long_acting": "no",
    "planned_surgery": "no",
    "liver_disease": "none",
    "kidney_disease": "none",
    "pregnant": "no",
    "breastfeeding": "no",
    "planning_pregnancy": "no",
    "thyroid_disease": "none",
    "thyroid_hormone": "no",
    "immunosuppressed": "no",
    "depression": "no",
    "skin_procedures": "no",
}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def url(patient):
    return reverse("portal_intake", args=[patient.pk])


def test_the_start_link_opens_the_patients_own_record(client_for, patient_a, patient_b):
    response = client_for("patient").get(reverse("portal_intake_start"))
    assert response["Location"] == url(patient_a)


def test_it_shows_an_empty_form_and_audits_the_view(client_for, patient_a):
    response = client_for("patient").get(url(patient_a))
    assert response.status_code == 200
    assert b"Save draft" in response.content
    assert b"Which opioid" not in response.content  # follow-up hidden until "yes"
    assert AuditEvent.objects.filter(code=Event.INTAKE_VIEWED, patient=patient_a).exists()


def test_it_saves_a_partial_draft(client_for, patient_a):
    client = client_for("patient")
    response = client.post(url(patient_a), {"opioid_use": "yes", "action": "save"})
    assert response.status_code == 302
    intake = IntakeResponse.objects.get(patient=patient_a)
    assert intake.status == IntakeStatus.DRAFT
    assert intake.answers == {"opioid_use": "yes"}
    assert intake.version.questionnaire.slug == "ldn-intake"
    assert AuditEvent.objects.filter(code=Event.INTAKE_SAVED, patient=patient_a).exists()
    page = client.get(url(patient_a))
    assert b"Which opioid" in page.content  # the follow-up appears


def test_submit_lists_what_is_missing_and_keeps_a_draft(client_for, patient_a):
    response = client_for("patient").post(url(patient_a), {"pregnant": "no", "action": "submit"})
    assert response.status_code == 200
    assert b"Still to answer" in response.content
    assert b"Do you have liver disease?" in response.content
    intake = IntakeResponse.objects.get(patient=patient_a)
    assert intake.status == IntakeStatus.DRAFT and intake.answers == {"pregnant": "no"}


def test_submit_complete_then_summary_then_edit_makes_a_draft(client_for, patient_a):
    client = client_for("patient")
    response = client.post(url(patient_a), {**COMPLETE, "action": "submit"})
    assert response.status_code == 302
    intake = IntakeResponse.objects.get(patient=patient_a)
    assert intake.status == IntakeStatus.SUBMITTED and intake.submitted_at == NOW
    assert intake.answers["current_medications"] == ["Tylenol with codeine", "vitamin D"]
    assert AuditEvent.objects.filter(code=Event.INTAKE_SUBMITTED, patient=patient_a).exists()

    summary = client.get(url(patient_a))
    assert b"Tylenol with codeine" in summary.content and b"Edit" in summary.content
    assert b"Save draft" not in summary.content

    form = client.get(url(patient_a) + "?edit=1")
    assert b"Save draft" in form.content
    client.post(url(patient_a), {**COMPLETE, "depression": "yes", "action": "save"})
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.DRAFT and intake.answers["depression"] == "yes"
    assert intake.history.count() >= 2


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("opioid_last_dose_days", "-3", "Enter 0 days or more."),
        ("condition_since", "2027-01-01", "The date cannot be in the future."),
        ("weight_kg", "0", "Enter 1 kg or more."),
        ("liver_disease", "fine", "Choose one of the options shown."),
    ],
)
def test_impossible_values_are_refused_with_messages(client_for, patient_a, field, value, message):
    data = {"opioid_use": "yes", field: value, "action": "save"}
    response = client_for("patient").post(url(patient_a), data)
    assert response.status_code == 200
    assert message.encode() in response.content
    assert not IntakeResponse.objects.filter(patient=patient_a).exists()


def test_patient_a_cannot_reach_patient_bs_intake(client_for, patient_a, patient_b):
    client = client_for("patient")
    assert client.get(url(patient_b)).status_code == 404
    assert client.post(url(patient_b), {"pregnant": "no", "action": "save"}).status_code == 404
    assert not IntakeResponse.objects.exists()


def test_staff_have_no_portal_intake(client_for, patient_a):
    assert client_for("clinician").get(url(patient_a)).status_code == 404


def test_the_portal_page_links_to_the_intake(client_for, patient_a):
    response = client_for("patient").get(reverse("portal"))
    assert url(patient_a).encode() in response.content
