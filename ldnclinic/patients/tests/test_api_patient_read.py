import pytest

from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent


def url(patient_or_pk):
    return f"/api/v1/patients/{getattr(patient_or_pk, 'pk', patient_or_pk)}"


def test_it_reads_a_patient_and_audits_it(client_for, patient_a, users, clinic):
    response = client_for("frontdesk").get(url(patient_a), REMOTE_ADDR="198.51.100.30")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["mrn"], body["email"]) == (
        patient_a.pk,
        patient_a.mrn,
        "patient@x.test",
    )
    event = AuditEvent.objects.get(code=Event.PATIENT_VIEWED)
    assert (event.actor, event.patient, event.clinic_id) == (
        users["frontdesk"],
        patient_a,
        clinic.pk,
    )
    assert (event.via, event.source_ip) == ("api", "198.51.100.30")


def test_it_reads_with_a_bearer_token(bearer, patient_a, users):
    response = bearer("clinician", read_only=True).get(url(patient_a))
    assert response.status_code == 200
    event = AuditEvent.objects.get(code=Event.PATIENT_VIEWED)
    assert (event.actor, event.via) == (users["clinician"], "api")


def test_a_patient_reads_their_own_record(client_for, patient_a):
    assert client_for("patient").get(url(patient_a)).json()["given_name"] == "Alice"


@pytest.mark.parametrize("persona, whose", [("patient", "patient_b"), ("other_staff", "patient_a")])
def test_it_hides_records_that_are_not_yours(client_for, persona, whose, request):
    patient = request.getfixturevalue(whose)
    request.getfixturevalue("patient_a")
    response = client_for(persona).get(url(patient))
    assert response.status_code == 404
    assert response.json() == {"error": "Not found.", "fields": {}}
    assert not AuditEvent.objects.filter(code=Event.PATIENT_VIEWED).exists()


def test_staff_get_404_on_another_clinics_patient(client_for, patient_y):
    assert client_for("clinician").get(url(patient_y)).status_code == 404


def test_a_token_scoped_to_another_clinic_sees_nothing_here(
    bearer, users, clinic, other_clinic, patient_a
):
    from ldnclinic.accounts.models import Membership, Role

    Membership.objects.create(user=users["admin"], clinic=other_clinic, role=Role.ADMIN)
    assert bearer("admin", token_clinic=other_clinic).get(url(patient_a)).status_code == 404


def test_an_unknown_id_is_404(client_for, clinic, users):
    assert client_for("admin").get(url(999999)).status_code == 404


def test_it_needs_credentials(client_for, patient_a):
    response = client_for("anonymous").get(url(patient_a))
    assert response.status_code == 401
    assert response.json()["error"] == "Authentication required: send a valid API token."
