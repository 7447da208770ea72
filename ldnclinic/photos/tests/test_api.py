import datetime
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ldnclinic.accounts.models import ApiToken
from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.photos.actions import do_mark_photo_in_error
from ldnclinic.photos.models import ClinicalPhoto, PhotoStatus
from ldnclinic.photos.tests.factories import image_bytes, make_photo, sign_photo_consent
from ldnclinic.photos.tests.test_processing import jpeg_with_gps, png_declaring

NOW = datetime.datetime(2026, 11, 20, 15, tzinfo=datetime.UTC)


def photos_url(patient):
    return f"/api/v1/patients/{patient.pk}/photos"


def upload(client, patient, data=None, **fields):
    body = {
        "file": SimpleUploadedFile("p.jpg", data if data is not None else image_bytes()),
        "body_site": "left_elbow",
        "view": "close_up",
        **fields,
    }
    return client.post(photos_url(patient), body)


def token_for(user, clinic, read_only=False):
    secret, token_hash = ApiToken.generate()
    ApiToken.objects.create(
        user=user,
        clinic=clinic,
        name="t",
        token_hash=token_hash,
        lookup_prefix=secret[:12],
        read_only=read_only,
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def consented(patient_a):
    sign_photo_consent(patient_a)
    return patient_a


@pytest.fixture
def photo(patient_a, users):
    return make_photo(patient_a, Actor(user=users["clinician"]))


# Upload ----------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_it_uploads(client_for, consented):
    response = upload(client_for("clinician"), consented, jpeg_with_gps(), note="Baseline")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["body_site"] == "left_elbow" and body["body_site_label"] == "Left elbow"
    assert body["taken_at"] == "2026-11-20T15:00:00Z"
    assert (body["width"], body["height"]) == (600, 800)
    assert body["image_url"] == f"/api/v1/photos/{body['id']}/image"
    assert AuditEvent.objects.filter(code=Event.PHOTO_UPLOADED).count() == 1


@time_machine.travel(NOW, tick=False)
def test_it_takes_a_date_or_a_date_time(client_for, consented):
    client = client_for("clinician")
    assert upload(client, consented, taken_at="2026-11-01").json()["taken_at"] == (
        "2026-11-01T17:00:00Z"
    )
    assert upload(client, consented, taken_at="2026-11-02T09:30").json()["taken_at"] == (
        "2026-11-02T14:30:00Z"
    )
    assert upload(client, consented, taken_at="2026-11-03T09:30:00Z").status_code == 201


def test_the_downloaded_image_has_no_exif(client_for, consented):
    client = client_for("clinician")
    photo_id = upload(client, consented, jpeg_with_gps()).json()["id"]
    response = client.get(f"/api/v1/photos/{photo_id}/image")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"Exif" not in response.content
    assert not Image.open(io.BytesIO(response.content)).getexif()
    thumb = client.get(f"/api/v1/photos/{photo_id}/image?size=thumb")
    assert max(Image.open(io.BytesIO(thumb.content)).size) == 320
    assert client.get(f"/api/v1/photos/{photo_id}/image?size=huge").status_code == 400


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"%PDF-1.4 not an image", id="pdf"),
        pytest.param(bytes(range(256)) * 8, id="random"),
        pytest.param(image_bytes()[:300], id="truncated"),
        pytest.param(png_declaring(50_000, 50_000), id="bomb"),
        pytest.param(b"", id="empty"),
    ],
)
def test_bad_files_are_400_never_500(client_for, consented, data):
    response = upload(client_for("clinician"), consented, data)
    assert response.status_code == 400
    assert response.json()["fields"]["file"]
    assert not ClinicalPhoto.objects.exists()


def test_over_the_cap_is_413(client_for, consented):
    response = upload(client_for("clinician"), consented, b"\0" * (20 * 1024 * 1024 + 1))
    assert response.status_code == 413
    assert "larger than 20 MB" in response.json()["error"]


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"body_site": "tail"}, "body_site"),
        ({"body_site": ""}, "body_site"),
        ({"view": "sideways"}, "view"),
        ({"taken_at": "last week"}, "taken_at"),
        ({"taken_at": "2099-01-01"}, "taken_at"),
        ({"appointment_id": "abc"}, "appointment_id"),
        ({"appointment_id": "999999"}, "appointment_id"),
        ({"colour": "red"}, "colour"),
        ({"note": "x" * 501}, "note"),
    ],
)
def test_bad_fields_are_400_naming_the_field(client_for, consented, fields, field):
    response = upload(client_for("clinician"), consented, **fields)
    assert response.status_code == 400
    assert field in response.json()["fields"], response.json()
    assert response.json()["error"].startswith(f"{field}:")


def test_a_missing_file_is_400(client_for, consented):
    response = client_for("clinician").post(photos_url(consented), {"body_site": "chest"})
    assert response.status_code == 400
    assert "file" in response.json()["fields"]


def test_a_json_body_is_400(client_for, consented):
    response = client_for("clinician").post(
        photos_url(consented), {"body_site": "chest"}, content_type="application/json"
    )
    assert response.status_code == 400


def test_missing_consent_is_409_and_audited(client_for, patient_a):
    response = upload(client_for("clinician"), patient_a)
    assert response.status_code == 409
    assert response.json()["fields"] == {"consent": "photography"}
    assert AuditEvent.objects.filter(code=Event.PHOTO_REFUSED).count() == 1


@pytest.mark.parametrize(
    "persona, status",
    [
        ("admin", 201),
        ("frontdesk", 403),
        ("patient", 403),
        ("patient2", 404),
        ("other_staff", 404),
        ("anonymous", 401),
    ],
)
def test_who_may_upload(client_for, consented, persona, status):
    assert upload(client_for(persona), consented).status_code == status


def test_a_read_only_token_cannot_upload(client, consented, users, clinic):
    headers = token_for(users["clinician"], clinic, read_only=True)
    body = {
        "file": SimpleUploadedFile("p.jpg", image_bytes()),
        "body_site": "chest",
        "view": "front",
    }
    assert client.post(photos_url(consented), body, **headers).status_code == 403


def test_a_token_uploads(client, consented, users, clinic):
    headers = token_for(users["clinician"], clinic)
    body = {
        "file": SimpleUploadedFile("p.jpg", image_bytes()),
        "body_site": "chest",
        "view": "front",
    }
    assert client.post(photos_url(consented), body, **headers).status_code == 201


def test_clinic_y_staff_cannot_upload_for_clinic_x(client_for, consented, patient_y):
    assert upload(client_for("other_staff"), consented).status_code == 404
    assert upload(client_for("clinician"), patient_y).status_code == 404


# Reading -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, status",
    [
        ("clinician", 200),
        ("frontdesk", 200),
        ("patient", 200),
        ("patient2", 404),
        ("other_staff", 404),
        ("anonymous", 401),
    ],
)
def test_who_may_read(client_for, photo, persona, status):
    client = client_for(persona)
    assert client.get(photos_url(photo.patient)).status_code == status
    assert client.get(f"/api/v1/photos/{photo.pk}").status_code == status
    response = client.get(f"/api/v1/photos/{photo.pk}/image")
    assert response.status_code == status
    if status != 200:
        assert response["Content-Type"].startswith("application/json")


def test_the_list_filters_by_site_and_audits(client_for, patient_a, users):
    actor = Actor(user=users["clinician"])
    elbow = make_photo(patient_a, actor, body_site="left_elbow")
    make_photo(patient_a, actor, body_site="scalp")
    client = client_for("clinician")
    body = client.get(photos_url(patient_a) + "?body_site=left_elbow").json()
    assert [p["id"] for p in body["items"]] == [elbow.pk]
    assert body["page"]["count"] == 1
    listed = AuditEvent.objects.get(code=Event.PHOTOS_LISTED)
    assert listed.payload == {"photo_ids": [elbow.pk], "body_site": "left_elbow"}
    assert client.get(photos_url(patient_a) + "?body_site=tail").status_code == 400
    assert client.get(photos_url(patient_a) + "?page=9").status_code == 400


def test_the_patient_does_not_see_photos_in_error(client_for, photo, users):
    do_mark_photo_in_error(Actor(user=users["clinician"]), photo, reason="Wrong patient")
    client = client_for("patient")
    assert client.get(photos_url(photo.patient)).json()["items"] == []
    assert client.get(f"/api/v1/photos/{photo.pk}").status_code == 404
    staff = client_for("clinician").get(f"/api/v1/photos/{photo.pk}").json()
    assert staff["status"] == "entered_in_error" and staff["error_reason"] == "Wrong patient"


def test_reading_one_and_the_image_is_audited(client_for, photo):
    client = client_for("clinician")
    client.get(f"/api/v1/photos/{photo.pk}")
    client.get(f"/api/v1/photos/{photo.pk}/image")
    client.get(f"/api/v1/photos/{photo.pk}/image?size=thumb")
    variants = [e.payload["variant"] for e in AuditEvent.objects.filter(code=Event.PHOTO_VIEWED)]
    assert sorted(variants) == ["full", "metadata", "thumb"]


# Entered in error ------------------------------------------------------------------------


def test_it_marks_in_error(client_for, photo):
    url = f"/api/v1/photos/{photo.pk}/entered-in-error"
    response = client_for("clinician").post(
        url, {"reason": "Wrong site"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == PhotoStatus.ENTERED_IN_ERROR
    again = client_for("clinician").post(url, {"reason": "Again"}, content_type="application/json")
    assert again.status_code == 422


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "x", "extra": 1}])
def test_marking_in_error_needs_a_reason(client_for, photo, body):
    url = f"/api/v1/photos/{photo.pk}/entered-in-error"
    response = client_for("clinician").post(url, body, content_type="application/json")
    assert response.status_code == 422
    assert "error" in response.json()


@pytest.mark.parametrize(
    "persona, status",
    [
        ("admin", 200),
        ("frontdesk", 403),
        ("patient", 403),
        ("patient2", 404),
        ("other_staff", 404),
        ("anonymous", 401),
    ],
)
def test_who_may_mark_in_error(client_for, photo, persona, status):
    url = f"/api/v1/photos/{photo.pk}/entered-in-error"
    response = client_for(persona).post(url, {"reason": "Dup"}, content_type="application/json")
    assert response.status_code == status


def test_the_list_runs_a_fixed_number_of_queries(client_for, patient_a, users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    actor = Actor(user=users["clinician"])
    client = client_for("clinician")
    client.get("/api/v1/me")  # the first request of a session writes it
    counts = []
    for sites in (("scalp",), ("chest", "chest", "left_elbow", "right_knee")):
        for site in sites:
            make_photo(patient_a, actor, body_site=site)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(photos_url(patient_a)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
