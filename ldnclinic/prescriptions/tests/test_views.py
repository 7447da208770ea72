"""The prescription pages: draft, detail, sign, void, PDF, and the plan panel."""

import pytest
import time_machine
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import PASSWORD
from ldnclinic.intake import actions as intake_actions
from ldnclinic.intake.tests.test_portal import COMPLETE
from ldnclinic.plans.models import VersionKind
from ldnclinic.prescriptions import actions, hooks
from ldnclinic.prescriptions.models import Prescription, PrescriptionStatus
from ldnclinic.prescriptions.panels import plan_panel
from ldnclinic.prescriptions.tests.factories import NOW, add_version, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(actor, plan, pharmacy):
    with time_machine.travel(NOW, tick=False):
        return actions.do_draft_prescription(actor, plan, pharmacy=pharmacy)


def signed(actor, rx):
    with time_machine.travel(NOW, tick=False):
        return actions.do_sign_prescription(actor, rx, password=PASSWORD)


@time_machine.travel(NOW, tick=False)
def test_a_clinician_drafts_from_the_plan(client_for, plan, pharmacy):
    url = reverse("prescription_draft", args=[plan.pk])
    client = client_for("clinician")
    assert client.get(url).status_code == 200
    response = client.post(url, {"rx-pharmacy": pharmacy.pk})
    rx = Prescription.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("prescription_detail", args=[rx.pk])


@time_machine.travel(NOW, tick=False)
def test_a_draft_without_pharmacy_shows_the_error(client_for, plan, pharmacy):
    url = reverse("prescription_draft", args=[plan.pk])
    response = client_for("clinician").post(url, {"rx-period_start": "not a date"})
    assert response.status_code == 200
    assert "Choose the pharmacy that will compound it." in response.content.decode()
    assert not Prescription.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_front_desk_cannot_draft_and_others_get_404(client_for, plan, pharmacy):
    url = reverse("prescription_draft", args=[plan.pk])
    data = {"rx-pharmacy": pharmacy.pk}
    assert client_for("frontdesk").post(url, data).status_code == 403
    assert client_for("patient").post(url, data).status_code == 403
    assert client_for("patient2").post(url, data).status_code == 404
    assert client_for("other_staff").post(url, data).status_code == 404
    assert not Prescription.objects.exists()


def test_the_detail_is_for_the_clinics_staff_and_audited(client_for, draft):
    url = reverse("prescription_detail", args=[draft.pk])
    for persona in ("admin", "clinician", "frontdesk"):
        response = client_for(persona).get(url)
        assert response.status_code == 200
        assert draft.sig in response.content.decode()
    for persona in ("patient", "patient2", "other_staff"):
        assert client_for(persona).get(url).status_code == 404
    assert AuditEvent.objects.filter(code=Event.PRESCRIPTION_VIEWED).count() == 3


def test_the_front_desk_sees_no_sign_form(client_for, draft, screened):
    html = client_for("frontdesk").get(reverse("prescription_detail", args=[draft.pk])).content
    assert b"Sign prescription" not in html
    html = client_for("clinician").get(reverse("prescription_detail", args=[draft.pk])).content
    assert b"Sign prescription" in html


def test_signing_on_the_page(client_for, draft, screened):
    url = reverse("prescription_sign", args=[draft.pk])
    client = client_for("clinician")
    response = client.post(url, {"password": "wrong"})
    assert response.status_code == 200
    assert actions.WRONG_PASSWORD in response.content.decode()
    assert client_for("frontdesk").post(url, {"password": PASSWORD}).status_code == 403
    assert client_for("other_staff").post(url, {"password": PASSWORD}).status_code == 404
    with time_machine.travel(NOW, tick=False):
        response = client.post(url, {"password": PASSWORD, "next": "https://evil.test/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("prescription_detail", args=[draft.pk])
    draft.refresh_from_db()
    assert draft.status == PrescriptionStatus.SIGNED


def test_a_refused_signature_lists_the_findings(client_for, draft, actor):
    intake_actions.do_edit_intake(actor, draft.patient, COMPLETE)
    client = client_for("clinician")
    detail = client.get(reverse("prescription_detail", args=[draft.pk])).content.decode()
    assert "Prescribing is blocked by the safety screen" in detail
    assert reverse("patient_screening", args=[draft.patient_id]) in detail
    response = client.post(reverse("prescription_sign", args=[draft.pk]), {"password": PASSWORD})
    assert response.status_code == 200
    assert "The safety screen blocks prescribing" in response.content.decode()
    assert AuditEvent.objects.filter(code=Event.PRESCRIPTION_REFUSED).count() == 1


def test_the_pdf_is_for_staff_once_signed(client_for, draft, screened, actor):
    url = reverse("prescription_pdf", args=[draft.pk])
    assert client_for("clinician").get(url).status_code == 404
    signed(actor, draft)
    response = client_for("frontdesk").get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    for persona in ("patient", "patient2", "other_staff"):
        assert client_for(persona).get(url).status_code == 404
    assert AuditEvent.objects.filter(code=Event.PRESCRIPTION_PDF_DOWNLOADED).count() == 1


def test_voiding_on_the_page(client_for, draft):
    url = reverse("prescription_void", args=[draft.pk])
    assert client_for("frontdesk").post(url, {"reason": "x"}).status_code == 403
    response = client_for("clinician").post(url, {"reason": ""})
    assert response.status_code == 200
    assert "Say why the prescription is void." in response.content.decode()
    response = client_for("clinician").post(url, {"reason": "Duplicate"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == PrescriptionStatus.VOID


def _panel_html(user, plan):
    request = RequestFactory().get(f"/plans/{plan.pk}/")
    request.user = user
    request.session = {}
    context = {"rx_panel": plan_panel(request, plan), "request": request}
    return render_to_string("prescriptions/_plan_panel.html", context, request=request)


def test_the_panel_lists_and_offers_drafting(users, plan, draft, screened):
    html = _panel_html(users["clinician"], plan)
    assert f"No. {draft.pk}" in html
    assert "Draft prescription" in html
    assert "Your password" in html
    html = _panel_html(users["frontdesk"], plan)
    assert "Draft prescription" not in html
    assert "Your password" not in html


def test_the_panel_shows_the_refused_state(users, plan, draft, actor):
    intake_actions.do_edit_intake(actor, plan.patient, COMPLETE)
    html = _panel_html(users["clinician"], plan)
    assert "Prescribing is blocked by the safety screen" in html
    assert reverse("patient_screening", args=[plan.patient_id]) in html
    assert "Your password" not in html


def test_the_panel_says_a_new_prescription_is_needed(users, plan, draft, screened, actor):
    signed(actor, draft)
    assert "Needs a new prescription" not in _panel_html(users["clinician"], plan)
    hold = {"kind": "hold", "effective_date": "2026-03-05", "days": 7, "reason": "Insomnia"}
    version = add_version(plan, adjustments=[hold], kind=VersionKind.ADJUSTED)
    hooks.plan_changed(Actor(user=users["clinician"]), plan, version)
    assert "Needs a new prescription" in _panel_html(users["clinician"], plan)


def test_a_capsule_plan_renders(client_for, patient_a, pharmacy, actor):
    plan = make_plan(patient_a, formulation={"type": "capsule"})
    with time_machine.travel(NOW, tick=False):
        rx = actions.do_draft_prescription(actor, plan, pharmacy=pharmacy)
    html = client_for("clinician").get(reverse("prescription_detail", args=[rx.pk])).content
    assert b"4.5 mg: 70 capsules" in html
