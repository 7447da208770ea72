"""The chart's Safety screen tab: what the clinician sees, and who may review."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.intake import actions as intake_actions
from ldnclinic.intake.tests.test_portal import COMPLETE
from ldnclinic.screening import actions
from ldnclinic.screening.models import FindingReview

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
RULE = "ldn.opioid.current"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def screening(patient_a, users):
    answers = {**COMPLETE, "thyroid_hormone": "yes", "thyroid_hormone_dose": "Levothyroxine 50 mcg"}
    intake_actions.do_submit_intake(Actor.system(via="test"), patient_a, answers)
    screening = actions.latest_screening(patient_a)
    assert screening.intake_response.is_submitted
    return screening


def url(patient, name="patient_screening"):
    return reverse(name, args=[patient.pk])


def test_it_shows_the_findings_with_their_evidence_and_audits_the_read(
    client_for, patient_a, screening
):
    response = client_for("clinician").get(url(patient_a))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Safety screen" in page and "Contraindicated" in page
    assert "Tylenol with codeine → codeine" in page
    assert RULE in page and "Evidence grade" in page
    assert screening.finding(RULE)["source"] in page
    assert "Override with this reason" in page and "Acknowledge" in page
    assert "LDN may not be prescribed yet" in page
    assert AuditEvent.objects.filter(code=Event.INTAKE_VIEWED, patient=patient_a).exists()


def test_it_says_practice_convention_and_lists_unmatched_medicines(client_for, patient_a, users):
    answers = {**COMPLETE, "current_medications": "zorblax 5 mg"}
    intake_actions.do_submit_intake(Actor.system(via="test"), patient_a, answers)
    page = client_for("clinician").get(url(patient_a)).content.decode()
    assert "Medicines not recognised" in page and "zorblax 5 mg" in page
    assert "practice convention" in page


def test_an_empty_chart_offers_a_first_run(client_for, patient_a):
    page = client_for("frontdesk").get(url(patient_a)).content.decode()
    assert "No safety screen has been run" in page
    response = client_for("frontdesk").post(url(patient_a, "patient_screening_run"))
    assert response.status_code == 302
    assert patient_a.screenings.count() == 1
    assert AuditEvent.objects.filter(code=Event.SCREENING_RUN).exists()


def test_front_desk_sees_but_may_not_review(client_for, patient_a, screening):
    client = client_for("frontdesk")
    page = client.get(url(patient_a)).content.decode()
    assert "Override with this reason" not in page and "Waiting for a clinician" in page
    data = {"screening": screening.pk, "rule": RULE, "reason": "A long enough reason."}
    assert client.post(url(patient_a, "patient_screening_override"), data).status_code == 403
    ack = {"screening": screening.pk, "rule": "ldn.thyroid"}
    assert client.post(url(patient_a, "patient_screening_acknowledge"), ack).status_code == 403
    assert not FindingReview.objects.exists()


def test_override_without_a_reason_shows_the_error(client_for, patient_a, screening):
    data = {"screening": screening.pk, "rule": RULE, "reason": "  "}
    response = client_for("clinician").post(url(patient_a, "patient_screening_override"), data)
    assert response.status_code == 200
    assert "Write the reason for overriding" in response.content.decode()
    assert not FindingReview.objects.exists()


def test_override_and_acknowledge_through_the_page(client_for, patient_a, screening):
    client = client_for("clinician")
    reason = "Codeine stopped two weeks ago, per pharmacy."
    data = {"screening": screening.pk, "rule": RULE, "reason": reason}
    response = client.post(url(patient_a, "patient_screening_override"), data, follow=True)
    assert "Contraindication overridden" in response.content.decode()
    ack = {"screening": screening.pk, "rule": "ldn.thyroid"}
    response = client.post(url(patient_a, "patient_screening_acknowledge"), ack, follow=True)
    page = response.content.decode()
    assert "Finding acknowledged" in page and reason in page
    assert set(screening.reviews.values_list("rule", flat=True)) == {RULE, "ldn.thyroid"}


@pytest.mark.parametrize(
    "data",
    [{}, {"screening": "x", "rule": RULE}, {"screening": 999999, "rule": RULE}],
)
def test_a_tampered_post_is_refused_with_a_message(client_for, patient_a, screening, data):
    client = client_for("clinician")
    response = client.post(url(patient_a, "patient_screening_acknowledge"), data, follow=True)
    assert "not on this patient" in response.content.decode()


def test_another_patients_screening_is_not_reachable_through_this_chart(
    client_for, patient_a, patient_b, screening
):
    data = {"screening": screening.pk, "rule": RULE, "reason": "A long enough reason."}
    response = client_for("clinician").post(
        url(patient_b, "patient_screening_override"), data, follow=True
    )
    assert "not on this patient" in response.content.decode()
    assert not FindingReview.objects.exists()


def test_other_clinics_and_patients_get_404(client_for, patient_a, screening):
    data = {"screening": screening.pk, "rule": RULE, "reason": "A long enough reason."}
    for persona in ("other_staff", "patient2"):
        client = client_for(persona)
        assert client.get(url(patient_a)).status_code == 404
        assert client.post(url(patient_a, "patient_screening_override"), data).status_code == 404
    # The patient's own record: the staff tab is not theirs to see.
    assert client_for("patient").get(url(patient_a)).status_code == 404


def test_the_chart_has_the_tab(client_for, patient_a):
    page = client_for("clinician").get(reverse("patient_detail", args=[patient_a.pk]))
    assert url(patient_a) in page.content.decode()
