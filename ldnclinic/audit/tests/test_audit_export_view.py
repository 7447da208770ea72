import csv
import datetime
import io

import pytest
from django.urls import reverse

from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.conftest import PASSWORD, make_patient, make_user

URL = reverse("audit_export")
UTC = datetime.UTC
JANUARY = {"date_from": "2024-01-01", "date_to": "2024-01-31"}
HEADER = [
    "time",
    "event",
    "event_name",
    "actor",
    "patient_mrn",
    "subject",
    "source_ip",
    "via",
    "details",
]


def rows_of(response):
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def trail(event_at, clinic, other_clinic, users, patient_a, patient_b, patient_y):
    return {
        "a": event_at(
            datetime.datetime(2024, 1, 16, 4, 30, tzinfo=UTC),
            user=users["clinician"],
            patient=patient_a,
        ),
        "b": event_at(
            datetime.datetime(2024, 1, 17, 15, 0, tzinfo=UTC),
            user=users["frontdesk"],
            patient=patient_b,
            code=Event.PATIENT_UPDATED,
            before={"city": ""},
            after={"city": "Queens"},
        ),
        "y": event_at(
            datetime.datetime(2024, 1, 16, 4, 30, tzinfo=UTC),
            user=users["other_staff"],
            patient=patient_y,
        ),
    }


def test_get_asks_for_the_password_and_keeps_the_filters(client_for, trail):
    response = client_for("admin").get(URL, {"event": "102", **JANUARY})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'type="password"' in body
    assert '<input type="hidden" name="event" value="102">' in body
    assert not AuditEvent.objects.filter(code__in=[951, 952]).exists()


@pytest.mark.parametrize("password", ["wrong", ""])
def test_a_wrong_password_is_refused_and_audited(client_for, trail, users, clinic, password):
    response = client_for("admin").post(URL, {"password": password, **JANUARY})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert not AuditEvent.objects.filter(code=Event.AUDIT_EXPORTED).exists()
    denied = AuditEvent.objects.get(code=Event.AUDIT_EXPORT_DENIED)
    assert (denied.actor, denied.clinic_id) == (users["admin"], clinic.pk)


def test_the_right_password_downloads_the_filtered_trail(client_for, trail, users, clinic):
    response = client_for("admin").post(
        URL, {"password": PASSWORD, **JANUARY}, REMOTE_ADDR="203.0.113.77"
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = rows_of(response)
    assert rows[0] == HEADER
    assert rows[1] == [
        "2024-01-17T10:00:00-05:00",
        "102",
        "Patient updated",
        "frontdesk@x.test",
        "X-000002",
        f"patients.patient:{trail['b'].subject_id}",
        "192.0.2.1",
        "web",
        '{"after": {"city": "Queens"}, "before": {"city": ""}}',
    ]
    assert rows[2][:5] == [
        "2024-01-15T23:30:00-05:00",
        "100",
        "Patient record viewed",
        "clinician@x.test",
        "X-000001",
    ]
    assert len(rows) == 3  # never clinic Y's row
    exported = AuditEvent.objects.get(code=Event.AUDIT_EXPORTED)
    assert (exported.actor, exported.clinic_id, exported.source_ip) == (
        users["admin"],
        clinic.pk,
        "203.0.113.77",
    )
    assert exported.payload["filters"]["date_from"] == "2024-01-01"


def test_it_exports_only_what_the_filters_match(client_for, trail):
    response = client_for("admin").post(
        URL, {"password": PASSWORD, "actor": "clinician", **JANUARY}
    )
    rows = rows_of(response)
    assert [row[3] for row in rows[1:]] == ["clinician@x.test"]


def test_another_clinics_admin_exports_only_theirs(client_for, trail):
    response = client_for("other_staff").post(URL, {"password": PASSWORD, **JANUARY})
    rows = rows_of(response)
    assert [row[4] for row in rows[1:]] == ["Y-000001"]


def test_bad_filters_export_nothing(client_for, trail):
    response = client_for("admin").post(
        URL, {"password": PASSWORD, "date_from": "2024-02-01", "date_to": "2024-01-01"}
    )
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()
    assert not AuditEvent.objects.filter(code=Event.AUDIT_EXPORTED).exists()


@pytest.mark.parametrize("persona, status", [("clinician", 403), ("patient", 404)])
def test_only_admins_export(client_for, trail, persona, status):
    response = client_for(persona).post(URL, {"password": PASSWORD})
    assert response.status_code == status
    assert not AuditEvent.objects.filter(code=Event.AUDIT_EXPORTED).exists()


def test_formula_looking_cells_are_defused(client_for, clinic, users, event_at):
    sneaky = make_user("=HYPERLINK(1)@x.test", clinic, "clinician")
    patient = make_patient(clinic, mrn="+SUM(A1)")
    moment = datetime.datetime(2024, 1, 10, 12, 0, tzinfo=UTC)
    event_at(moment, user=sneaky, patient=patient)
    event_at(moment, clinic=clinic, user=users["clinician"], note="@cmd")
    event_at(moment, clinic=clinic, user=users["clinician"], code=Event.LOGIN_FAILED)
    response = client_for("admin").post(URL, {"password": PASSWORD, **JANUARY})
    cells = [cell for row in rows_of(response)[1:] for cell in row]
    assert "'=hyperlink(1)@x.test" in cells
    assert "'+SUM(A1)" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert '{"note": "@cmd"}' in cells
