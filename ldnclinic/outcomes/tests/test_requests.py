"""Patient-reported questionnaires on the protocol's schedule: requests fall due at plan
start + at_days, are created and emailed once (no clinical detail in the subject, only the
token's hash stored), expire; the patient answers from the portal or the emailed link
(single use), and the answers are scored automatically."""

import datetime as dt
import hashlib
import re
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.outcomes.actions import do_record_assessment
from ldnclinic.outcomes.models import Assessment, AssessmentRequest, RequestStatus
from ldnclinic.outcomes.requests import ensure_requests, schedule
from ldnclinic.plans.models import Plan, PlanStatus
from ldnclinic.prescriptions.tests.factories import add_version, plan_params
from ldnclinic.protocols.library import get_protocol_version

START = dt.date(2026, 3, 2)
NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # 10:00 in New York, day 8
TODAY = dt.date(2026, 3, 10)
DLQI = {"1": 2, "2": 1, "3": 1, "4": 0, "5": 2, "6": "not_relevant", "7": 1, "8": 0, "9": 0,
        "10": 1}  # fmt: skip


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def make_plan(patient, protocol="psoriasis-ldn", start=START, status=PlanStatus.ACTIVE):
    plan = Plan.objects.create(
        clinic=patient.clinic,
        patient=patient,
        condition_slug=protocol,
        condition_name="Psoriasis",
        protocol_version=get_protocol_version(patient.clinic, protocol),
        status=status,
    )
    add_version(plan, params=plan_params(start=start))
    return plan


def link_token(message) -> str:
    return re.search(r"/assess/([A-Za-z0-9_-]+)/", message.body).group(1)


def to_post(items) -> dict:
    return {k: "" if v is None else str(v) for k, v in items.items()}


# The schedule -----------------------------------------------------------------------------


def test_the_schedule_has_the_patient_reported_instruments_only(patient_a):
    plan = make_plan(patient_a)
    # psoriasis-ldn: PASI and BSA (clinician), ITCH_NRS at 0/28/56/84, DLQI at 0/84.
    assert schedule(plan) == [
        ("DLQI", START),
        ("DLQI", START + dt.timedelta(days=84)),
        ("ITCH_NRS", START),
        ("ITCH_NRS", START + dt.timedelta(days=28)),
        ("ITCH_NRS", START + dt.timedelta(days=56)),
        ("ITCH_NRS", START + dt.timedelta(days=84)),
    ]


def test_only_patient_reported_instruments_are_scheduled(patient_a):
    # scars-keloids-ldn lists VSS and POSAS_OBSERVER (clinician) and POSAS_PATIENT.
    due = schedule(make_plan(patient_a, "scars-keloids-ldn"))
    assert {code for code, _ in due} == {"POSAS_PATIENT"}


def test_it_creates_and_emails_the_due_requests_once(patient_a):
    plan = make_plan(patient_a)
    created = ensure_requests(plan, TODAY)
    assert sorted(r.instrument for r in created) == ["DLQI", "ITCH_NRS"]
    assert {r.due_date for r in created} == {START}
    assert len(mail.outbox) == 2
    message = mail.outbox[0]
    assert message.to == ["patient@x.test"]
    subject = message.subject.lower()
    assert subject == "a short questionnaire from clinic x"
    for word in ("dlqi", "itch", "psoriasis", "ldn", "naltrexone"):
        assert word not in subject and word not in message.body.lower()
    html = message.alternatives[0][0]
    raw = link_token(message)
    assert f"/assess/{raw}/" in html
    row = AssessmentRequest.objects.get(token_hash=hashlib.sha256(raw.encode()).hexdigest())
    assert raw not in str(AssessmentRequest.objects.values().get(pk=row.pk))
    assert row.sent_at == NOW
    # Open for 14 days after it fell due, to the end of that day in New York.
    assert row.expires_at == dt.datetime(2026, 3, 17, 4, 0, tzinfo=dt.UTC)
    assert row.last_day == dt.date(2026, 3, 16)
    assert "to the end of Monday 16 March 2026" in message.body
    assert AuditEvent.objects.filter(code=Event.ASSESSMENT_REQUESTED).count() == 2
    # Again: nothing new, nothing resent.
    assert ensure_requests(plan, TODAY) == []
    assert len(mail.outbox) == 2


def test_it_waits_until_due_and_skips_past_windows(patient_a):
    plan = make_plan(patient_a, start=dt.date(2026, 1, 1))
    assert ensure_requests(plan, dt.date(2026, 2, 25)) == []  # day 55: nothing due now
    # Day 68: day 56 (26 February) is open until 12 March; days 0 and 28 have closed.
    created = ensure_requests(plan, TODAY)
    assert [(r.instrument, r.due_date) for r in created] == [("ITCH_NRS", dt.date(2026, 2, 26))]


def test_a_recent_score_counts_for_the_request(patient_a, users):
    plan = make_plan(patient_a)
    do_record_assessment(
        Actor(user=users["clinician"], ip=None, via="test"),
        patient_a,
        instrument_code="ITCH_NRS",
        items={"score": 6},
        source="clinician",
        assessed_at=dt.datetime(2026, 2, 27, 15, tzinfo=dt.UTC),
    )
    assert [r.instrument for r in ensure_requests(plan, TODAY)] == ["DLQI"]


def test_a_patient_without_email_gets_it_later(patient_a):
    patient_a.email = ""
    patient_a.save(update_fields=["email"])
    plan = make_plan(patient_a)
    assert len(ensure_requests(plan, TODAY)) == 2
    assert mail.outbox == []
    patient_a.email = "alice@x.test"
    patient_a.save(update_fields=["email"])
    out = StringIO()
    call_command("send_assessment_requests", stdout=out)
    assert len(mail.outbox) == 2
    assert "0 request(s) created, 2 email(s) sent" in out.getvalue()


def test_the_command_runs_every_active_plan_and_expires(patient_a, patient_b):
    make_plan(patient_a)
    make_plan(patient_b, status=PlanStatus.DRAFT)
    out = StringIO()
    call_command("send_assessment_requests", "--dry-run", stdout=out)
    assert "ITCH_NRS due 2026-03-02" in out.getvalue()
    assert not AssessmentRequest.objects.exists()
    call_command("send_assessment_requests", stdout=out)
    assert AssessmentRequest.objects.filter(patient=patient_a).count() == 2
    assert not AssessmentRequest.objects.filter(patient=patient_b).exists()
    call_command("send_assessment_requests", stdout=out)  # idempotent
    assert len(mail.outbox) == 2
    out = StringIO()
    call_command("send_assessment_requests", "--now", "2026-03-18T12:00:00+00:00", stdout=out)
    assert "2 expired" in out.getvalue()
    assert set(AssessmentRequest.objects.values_list("status", flat=True)) == {"expired"}


# Answering --------------------------------------------------------------------------------


@pytest.fixture
def requests_a(patient_a):
    ensure_requests(make_plan(patient_a), TODAY)
    rows = {r.instrument: r for r in AssessmentRequest.objects.filter(patient=patient_a)}
    tokens = {}
    for message in mail.outbox:
        raw = link_token(message)
        row = AssessmentRequest.objects.get(token_hash=hashlib.sha256(raw.encode()).hexdigest())
        tokens[row.instrument] = raw
    return rows, tokens


def test_the_portal_lists_open_requests_and_results(client_for, requests_a):
    rows, _ = requests_a
    response = client_for("patient").get(reverse("portal_assessments"))
    assert response.status_code == 200
    assert reverse("portal_assessment_fill", args=[rows["DLQI"].pk]).encode() in response.content
    assert b"Dermatology Life Quality Index" in response.content
    other = client_for("patient2").get(reverse("portal_assessments"))
    assert reverse("portal_assessment_fill", args=[rows["DLQI"].pk]).encode() not in other.content
    assert client_for("clinician").get(reverse("portal_assessments")).status_code == 404


def test_the_patient_answers_from_the_portal(client_for, requests_a, users):
    rows, _ = requests_a
    url = reverse("portal_assessment_fill", args=[rows["DLQI"].pk])
    client = client_for("patient")
    page = client.get(url)
    assert page.status_code == 200
    assert b"A.Y. Finlay, G.K. Khan" in page.content  # the copyright line
    bad = client.post(url, to_post({**DLQI, "1": "9"}))
    assert bad.status_code == 400
    assert b'id="item-1-error"' in bad.content
    response = client.post(url, to_post(DLQI))
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert (assessment.instrument, assessment.total, assessment.source) == ("DLQI", 8, "patient")
    assert assessment.recorded_by == users["patient"]
    assert assessment.request == rows["DLQI"] and assessment.plan == rows["DLQI"].plan
    rows["DLQI"].refresh_from_db()
    assert rows["DLQI"].status == RequestStatus.COMPLETED
    listing = client.get(reverse("portal_assessments")).content.decode()
    assert url not in listing and "moderate effect" in listing
    assert client.get(url).status_code == 302  # answered: back to the list


@pytest.mark.parametrize("persona", ["patient2", "clinician", "other_staff"])
def test_nobody_else_opens_the_portal_request(client_for, requests_a, persona):
    rows, _ = requests_a
    url = reverse("portal_assessment_fill", args=[rows["DLQI"].pk])
    assert client_for(persona).get(url).status_code == 404
    assert client_for(persona).post(url, to_post(DLQI)).status_code == 404
    assert not Assessment.objects.exists()


def test_the_email_link_works_once_without_sign_in(client, requests_a, users):
    rows, tokens = requests_a
    url = reverse("assessment_token_fill", args=[tokens["ITCH_NRS"]])
    assert client.get(url).status_code == 200
    assert client.post(url, {"score": "11"}).status_code == 400
    response = client.post(url, {"score": "4"})
    assert response.status_code == 200
    assert b"Thank you" in response.content
    assessment = Assessment.objects.get()
    assert (assessment.instrument, assessment.total, assessment.source) == (
        "ITCH_NRS",
        4,
        "patient",
    )
    assert assessment.recorded_by == users["patient"]
    event = AuditEvent.objects.get(code=Event.ASSESSMENT_RECORDED)
    assert event.via == "link"
    # Used: the same link again is a 404 that says so, and records nothing more.
    again = client.get(url)
    assert again.status_code == 404 and b"Already answered" in again.content
    assert client.post(url, {"score": "5"}).status_code == 404
    assert Assessment.objects.count() == 1


def test_an_expired_or_unknown_link_is_404(client, requests_a):
    _, tokens = requests_a
    url = reverse("assessment_token_fill", args=[tokens["DLQI"]])
    with time_machine.travel(dt.datetime(2026, 3, 17, 5, tzinfo=dt.UTC), tick=False):
        response = client.get(url)
        assert response.status_code == 404 and b"expired" in response.content
        assert client.post(url, to_post(DLQI)).status_code == 404
    wrong = reverse("assessment_token_fill", args=["not-a-token"])
    assert client.get(wrong).status_code == 404
    assert client.post(wrong, to_post(DLQI)).status_code == 404
    assert not Assessment.objects.exists()


def test_answering_in_the_portal_kills_the_link(client, client_for, requests_a):
    rows, tokens = requests_a
    portal = reverse("portal_assessment_fill", args=[rows["ITCH_NRS"].pk])
    assert client_for("patient").post(portal, {"score": "3"}).status_code == 302
    url = reverse("assessment_token_fill", args=[tokens["ITCH_NRS"]])
    assert client.post(url, {"score": "5"}).status_code == 404
    assert Assessment.objects.count() == 1
