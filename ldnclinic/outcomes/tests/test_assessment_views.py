"""The assessment pages: the chart tab, the scoring form for every instrument (with the
live htmx preview and without JS), one assessment with its comparison, entered in error."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.outcomes.actions import do_record_assessment
from ldnclinic.outcomes.instruments import catalogue, get_instrument
from ldnclinic.outcomes.models import Assessment, AssessmentStatus
from ldnclinic.plans.models import Plan, PlanStatus
from ldnclinic.prescriptions.tests.factories import add_version, plan_params
from ldnclinic.protocols.library import get_protocol_version
from ldnclinic.scheduling.models import Appointment, Service

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # 10:00 in New York
PASI = get_instrument("PASI").data["example"]  # 22.4, severe
# 3.5: an 84 % fall from the example, PASI-75 but not PASI-90.
BETTER = {
    "regions": {
        k: {**v, "area": 0 if k == "lower_limbs" else 1} for k, v in PASI["regions"].items()
    }
}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def to_post(items, prefix="") -> dict:
    """An items dict as the form posts it: "regions.head.area" = "2"."""
    data = {}
    if isinstance(items, dict):
        for key, value in items.items():
            data.update(to_post(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(items, list) and items and all(isinstance(v, str) for v in items):
        data[prefix] = items  # a multiple choice (HBI complications)
    elif isinstance(items, list):
        for index, value in enumerate(items):
            data.update(to_post(value, f"{prefix}.{index}"))
    else:
        data[prefix] = "" if items is None else str(items)
    return data


def record(patient, user, code="PASI", items=PASI, at=NOW, **kwargs):
    return do_record_assessment(
        Actor(user=user, ip=None, via="test"),
        patient,
        instrument_code=code,
        items=items,
        source="clinician",
        assessed_at=at,
        **kwargs,
    )


def psoriasis_plan(patient):
    plan = Plan.objects.create(
        clinic=patient.clinic,
        patient=patient,
        condition_slug="psoriasis",
        condition_name="Psoriasis",
        protocol_version=get_protocol_version(patient.clinic, "psoriasis-ldn"),
        status=PlanStatus.ACTIVE,
    )
    add_version(plan, params=plan_params(start=dt.date(2026, 3, 2)))
    return plan


def appointment_for(patient, users, start):
    from ldnclinic.accounts.models import Membership

    service, _ = Service.objects.get_or_create(
        clinic=patient.clinic,
        slug="consult",
        defaults={"name": "Consultation", "duration_minutes": 30},
    )
    return Appointment.objects.create(
        clinic=patient.clinic,
        patient=patient,
        service=service,
        practitioner=Membership.objects.get(user=users["clinician"]),
        start=start,
        end=start + dt.timedelta(minutes=30),
        blocked_start=start,
        blocked_end=start + dt.timedelta(minutes=30),
    )


# The chart tab ----------------------------------------------------------------------------


def test_the_list_requires_login(client_for, patient_a):
    url = reverse("patient_assessments", args=[patient_a.pk])
    response = client_for("anonymous").get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["patient", "patient2", "other_staff"])
def test_the_list_hides_the_chart_from_patients_and_other_clinics(client_for, patient_a, persona):
    url = reverse("patient_assessments", args=[patient_a.pk])
    assert client_for(persona).get(url).status_code == 404


def test_it_hides_other_clinics_patients(client_for, patient_y):
    url = reverse("patient_assessments", args=[patient_y.pk])
    assert client_for("clinician").get(url).status_code == 404


def test_the_list_shows_change_from_baseline_and_responses(client_for, patient_a, users):
    psoriasis_plan(patient_a)
    record(patient_a, users["clinician"], at=NOW - dt.timedelta(days=84))
    better = BETTER
    record(patient_a, users["clinician"], items=better)
    response = client_for("clinician").get(reverse("patient_assessments", args=[patient_a.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Psoriasis Area and Severity Index (PASI)" in html
    assert "baseline" in html
    assert "PASI-50" in html and "PASI-75" in html and "PASI-90" not in html
    # The plan's protocol instruments first (PASI, BSA, ITCH_NRS, DLQI), then all.
    first = html.index(reverse("assessment_new", args=[patient_a.pk, "PASI"]))
    assert first < html.index(reverse("assessment_new", args=[patient_a.pk, "EASI"]))
    assert AuditEvent.objects.filter(code=Event.ASSESSMENTS_LISTED, patient=patient_a).exists()


def test_the_front_desk_reads_but_cannot_score(client_for, patient_a, users):
    record(patient_a, users["clinician"])
    response = client_for("frontdesk").get(reverse("patient_assessments", args=[patient_a.pk]))
    assert response.status_code == 200
    assert b"22.4" in response.content
    assert reverse("assessment_new", args=[patient_a.pk, "PASI"]).encode() not in response.content
    new = reverse("assessment_new", args=[patient_a.pk, "PASI"])
    assert client_for("frontdesk").get(new).status_code == 403
    assert client_for("frontdesk").post(new, to_post(PASI)).status_code == 403


# Scoring ----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(catalogue()))
def test_every_instrument_has_a_form_that_saves_its_example(client_for, patient_a, code):
    url = reverse("assessment_new", args=[patient_a.pk, code])
    client = client_for("clinician")
    page = client.get(url)
    assert page.status_code == 200
    instrument = get_instrument(code)
    if instrument.data.get("copyright"):
        assert instrument.data["copyright"] in page.content.decode()
    data = {**to_post(instrument.data["example"]), "assessed_at": "2026-03-10T09:30"}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assessment = Assessment.objects.get()
    assert float(assessment.total) == pytest.approx(
        instrument.score(instrument.data["example"]).total
    )
    # 09:30 clinic time (New York, UTC-4 from 8 March 2026).
    assert assessment.assessed_at == dt.datetime(2026, 3, 10, 13, 30, tzinfo=dt.UTC)
    assert response["Location"] == reverse("assessment_detail", args=[assessment.pk])


def test_the_pasi_form_has_four_regions_of_four_items(client_for, patient_a):
    page = client_for("clinician").get(reverse("assessment_new", args=[patient_a.pk, "PASI"]))
    html = page.content.decode()
    for region in ("head", "upper_limbs", "trunk", "lower_limbs"):
        for item in ("erythema", "induration", "desquamation", "area"):
            assert f'name="regions.{region}.{item}"' in html
    assert 'hx-post="' + reverse("assessment_preview", args=[patient_a.pk, "PASI"]) in html


def test_an_unknown_instrument_is_404(client_for, patient_a):
    url = reverse("assessment_new", args=[patient_a.pk, "NOPE"])
    assert client_for("clinician").get(url).status_code == 404
    preview = reverse("assessment_preview", args=[patient_a.pk, "NOPE"])
    assert client_for("clinician").post(preview, {}).status_code == 404


@pytest.mark.parametrize("persona", ["patient", "patient2", "other_staff"])
def test_the_form_is_hidden_from_patients_and_other_clinics(client_for, patient_a, persona):
    url = reverse("assessment_new", args=[patient_a.pk, "PASI"])
    expected = 403 if persona == "patient" else 404
    assert client_for(persona).get(url).status_code == expected
    assert client_for(persona).post(url, to_post(PASI)).status_code == expected


def test_saving_without_js_shows_the_field_errors(client_for, patient_a):
    data = to_post(PASI)
    data["regions.head.area"] = "7"
    del data["regions.trunk.erythema"]
    url = reverse("assessment_new", args=[patient_a.pk, "PASI"])
    response = client_for("clinician").post(url, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="item-regions-head-area-error">Must be a whole number 0–6.' in html
    assert 'id="item-regions-trunk-erythema-error">Required.' in html
    assert not Assessment.objects.exists()


def test_a_bad_time_is_a_field_error(client_for, patient_a):
    url = reverse("assessment_new", args=[patient_a.pk, "PASI"])
    data = {**to_post(PASI), "assessed_at": "2026-03-11T09:00"}  # tomorrow
    response = client_for("clinician").post(url, data)
    assert response.status_code == 400
    assert b"This time has not come yet." in response.content
    data["assessed_at"] = "yesterday"
    assert client_for("clinician").post(url, data).status_code == 400
    assert not Assessment.objects.exists()


def test_it_links_the_appointment_around_today_and_the_live_plan(client_for, patient_a, users):
    plan = psoriasis_plan(patient_a)
    today = appointment_for(patient_a, users, NOW - dt.timedelta(hours=1))
    old = appointment_for(patient_a, users, NOW - dt.timedelta(days=30))
    url = reverse("assessment_new", args=[patient_a.pk, "PASI"])
    html = client_for("clinician").get(url).content.decode()
    appointments = html[html.index('name="appointment"') : html.index('name="plan"')]
    assert appointments.index(f'value="{today.pk}" selected') < appointments.index(
        f'value="{old.pk}"'
    )
    assert f'value="{plan.pk}" selected' in html[html.index('name="plan"') :]
    data = {**to_post(PASI), "appointment": today.pk, "plan": plan.pk}
    data["assessed_at"] = "2026-03-10T09:30"
    assert client_for("clinician").post(url, data).status_code == 302
    assessment = Assessment.objects.get()
    assert (assessment.appointment, assessment.plan) == (today, plan)


def test_it_refuses_another_patients_appointment(client_for, patient_a, patient_b, users):
    other = appointment_for(patient_b, users, NOW - dt.timedelta(hours=1))
    url = reverse("assessment_new", args=[patient_a.pk, "PASI"])
    data = {**to_post(PASI), "appointment": other.pk, "assessed_at": "2026-03-10T09:30"}
    assert client_for("clinician").post(url, data).status_code == 400
    assert not Assessment.objects.exists()


def test_vasi_adds_rows_and_refuses_an_off_scale_percentage(client_for, patient_a):
    url = reverse("assessment_new", args=[patient_a.pk, "VASI"])
    client = client_for("clinician")
    response = client.post(url, {"rows": "3", "add_row": "1"})
    assert response.status_code == 200
    assert b'name="sites.3.hand_units"' in response.content
    assert not Assessment.objects.exists()
    data = {
        "rows": "4",
        "sites.0.hand_units": "2",
        "sites.0.depigmentation_percent": "100",
        # Row 2 left blank: skipped; the error on row 3 stays on row 3.
        "sites.2.hand_units": "1",
        "sites.2.depigmentation_percent": "33",
        "assessed_at": "2026-03-10T09:30",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert b'id="item-sites-2-depigmentation_percent-error">Must be one of' in response.content
    data["sites.2.depigmentation_percent"] = "50"
    assert client.post(url, data).status_code == 302
    assert Assessment.objects.get().total == 2.5


def test_the_preview_shows_the_live_total_and_band(client_for, patient_a):
    url = reverse("assessment_preview", args=[patient_a.pk, "PASI"])
    response = client_for("clinician").post(url, to_post(PASI), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>22.4</strong>" in html and "severe" in html
    assert "Lower limbs" in html and "14.4" in html
    assert "<html" not in html  # a fragment


def test_the_preview_counts_what_is_missing_and_names_what_is_wrong(client_for, patient_a):
    url = reverse("assessment_preview", args=[patient_a.pk, "PASI"])
    html = client_for("clinician").post(url, {"regions.head.area": "7"}).content.decode()
    assert "15 items still to fill in" in html
    assert "Area: Must be a whole number 0–6." in html
    assert not Assessment.objects.exists()


def test_the_preview_is_for_clinical_staff_only(client_for, patient_a, patient_y):
    url = reverse("assessment_preview", args=[patient_a.pk, "PASI"])
    assert client_for("frontdesk").post(url, {}).status_code == 403
    assert client_for("patient").post(url, {}).status_code == 403
    assert client_for("patient2").post(url, {}).status_code == 404
    other = reverse("assessment_preview", args=[patient_y.pk, "PASI"])
    assert client_for("clinician").post(other, {}).status_code == 404


# One assessment ---------------------------------------------------------------------------


def test_the_detail_shows_items_and_comparison_and_is_audited(client_for, patient_a, users):
    baseline = record(patient_a, users["clinician"], at=NOW - dt.timedelta(days=84))
    better = BETTER
    current = record(patient_a, users["clinician"], items=better)
    response = client_for("clinician").get(reverse("assessment_detail", args=[current.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<caption>Regions</caption>" in html and '<th scope="col">Area</th>' in html
    assert "PASI-75" in html
    assert reverse("assessment_detail", args=[baseline.pk]) in html
    assert reverse("assessment_in_error", args=[current.pk]) in html
    event = AuditEvent.objects.get(code=Event.ASSESSMENT_VIEWED)
    assert event.subject_id == str(current.pk)


def test_the_detail_for_the_front_desk_has_no_in_error_form(client_for, patient_a, users):
    assessment = record(patient_a, users["clinician"])
    response = client_for("frontdesk").get(reverse("assessment_detail", args=[assessment.pk]))
    assert response.status_code == 200
    assert reverse("assessment_in_error", args=[assessment.pk]).encode() not in response.content


@pytest.mark.parametrize("persona", ["patient", "patient2", "other_staff"])
def test_the_detail_is_hidden(client_for, patient_a, users, persona):
    assessment = record(patient_a, users["clinician"])
    url = reverse("assessment_detail", args=[assessment.pk])
    assert client_for(persona).get(url).status_code == 404


def test_it_marks_entered_in_error(client_for, patient_a, users):
    assessment = record(patient_a, users["clinician"])
    url = reverse("assessment_in_error", args=[assessment.pk])
    response = client_for("clinician").post(url, {"reason": ""})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.FINAL  # a reason is required
    response = client_for("clinician").post(url, {"reason": "Scored the wrong patient"})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.ENTERED_IN_ERROR
    page = client_for("clinician").get(reverse("patient_assessments", args=[patient_a.pk]))
    assert b"entered in error" in page.content


@pytest.mark.parametrize(
    ("persona", "status"),
    [("frontdesk", 403), ("patient", 403), ("patient2", 404), ("other_staff", 404)],
)
def test_only_clinical_staff_mark_in_error(client_for, patient_a, users, persona, status):
    assessment = record(patient_a, users["clinician"])
    url = reverse("assessment_in_error", args=[assessment.pk])
    assert client_for(persona).post(url, {"reason": "x"}).status_code == status
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.FINAL


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_has_a_fixed_number_of_queries(client_for, patient_a, users):
    from ldnclinic.outcomes.requests import ensure_requests

    plan = psoriasis_plan(patient_a)
    ensure_requests(plan, dt.date(2026, 3, 10))
    client = client_for("clinician")
    url = reverse("patient_assessments", args=[patient_a.pk])
    appointment = appointment_for(patient_a, users, NOW - dt.timedelta(days=1))
    record(patient_a, users["clinician"], appointment=appointment)
    _queries(client, url)  # the first request also loads the session's second-factor state
    few = _queries(client, url)
    for days in range(1, 12):
        record(patient_a, users["clinician"], at=NOW - dt.timedelta(days=days), plan=plan)
        record(
            patient_a,
            users["clinician"],
            "ITCH_NRS",
            {"score": days % 10},
            at=NOW - dt.timedelta(days=days),
            appointment=appointment,
        )
    assert _queries(client, url) == few
    page = client.get(url).content.decode()
    assert "Questionnaires sent to the patient" in page and "Waiting for the patient" in page
