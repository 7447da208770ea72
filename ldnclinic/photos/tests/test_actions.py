import datetime
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from PIL import Image

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.photos import storage
from ldnclinic.photos.actions import (
    ConsentMissing,
    do_mark_photo_in_error,
    do_upload_photo,
)
from ldnclinic.photos.models import ClinicalPhoto, PhotoStatus
from ldnclinic.photos.processing import PhotoError
from ldnclinic.photos.tests.factories import image_bytes, make_photo, sign_photo_consent

NOW = datetime.datetime(2026, 11, 20, 15, tzinfo=datetime.UTC)


@pytest.fixture
def actor(users):
    return Actor(user=users["clinician"], ip="203.0.113.5", via="test")


def upload(patient, actor, **values):
    values.setdefault("data", image_bytes())
    values.setdefault("body_site", "chest")
    values.setdefault("view", "front")
    return do_upload_photo(actor, patient, **values)


@time_machine.travel(NOW, tick=False)
def test_it_uploads_stores_and_audits(patient_a, actor, settings):
    sign_photo_consent(patient_a)
    photo = upload(patient_a, actor, note=" a plaque ")
    assert photo.status == PhotoStatus.ACTIVE
    assert photo.taken_at == NOW
    assert photo.note == "a plaque"
    assert photo.uploaded_by == actor.user
    assert photo.file_path.startswith(f"{patient_a.clinic_id}/{patient_a.pk}/")
    image = storage.full_path(photo.file_path)
    assert image.is_relative_to(settings.PHOTO_ROOT.resolve())
    assert Image.open(image).size == (photo.width, photo.height)
    assert storage.full_path(photo.thumb_path).exists()
    assert not str(image).startswith(str(settings.STATIC_ROOT))
    event = AuditEvent.objects.get(code=Event.PHOTO_UPLOADED)
    assert event.patient == patient_a and event.subject_id == str(photo.pk)
    assert event.payload["body_site"] == "chest"


def test_it_refuses_without_the_photography_consent_and_audits(patient_a, actor, settings):
    with pytest.raises(ConsentMissing):
        upload(patient_a, actor)
    assert not ClinicalPhoto.objects.exists()
    refusal = AuditEvent.objects.get(code=Event.PHOTO_REFUSED)
    assert refusal.payload == {"reason": "no_consent"}
    assert not (settings.PHOTO_ROOT).exists() or not any(settings.PHOTO_ROOT.rglob("*.jpg"))


def test_a_refusal_is_audited_inside_a_caller_transaction_too(patient_a, actor):
    with transaction.atomic(), pytest.raises(ConsentMissing):
        upload(patient_a, actor)
    assert AuditEvent.objects.filter(code=Event.PHOTO_REFUSED).count() == 1


def test_it_refuses_a_bad_file_and_keeps_nothing(patient_a, actor, settings):
    sign_photo_consent(patient_a)
    with pytest.raises(PhotoError):
        upload(patient_a, actor, data=b"not an image at all")
    assert not ClinicalPhoto.objects.exists()
    assert AuditEvent.objects.get(code=Event.PHOTO_REFUSED).payload == {"reason": "not_image"}
    assert not any(settings.PHOTO_ROOT.rglob("*.jpg")) if settings.PHOTO_ROOT.exists() else True


def test_it_refuses_over_the_size_setting(patient_a, actor, settings):
    sign_photo_consent(patient_a)
    settings.PHOTO_MAX_BYTES = 1000
    with pytest.raises(PhotoError) as error:
        upload(patient_a, actor)
    assert error.value.code == "too_large"


@pytest.mark.parametrize(
    "values, field",
    [
        ({"body_site": "tail"}, "body_site"),
        ({"view": "sideways"}, "view"),
        ({"taken_at": datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)}, "taken_at"),
        ({"taken_at": datetime.datetime(1950, 1, 1, tzinfo=datetime.UTC)}, "taken_at"),
        ({"taken_at": datetime.datetime(2026, 1, 1)}, "taken_at"),
        ({"note": "x" * 501}, "note"),
    ],
)
@time_machine.travel(NOW, tick=False)
def test_it_refuses_bad_details(patient_a, actor, values, field):
    sign_photo_consent(patient_a)
    with pytest.raises(ValidationError) as error:
        upload(patient_a, actor, **values)
    assert field in error.value.message_dict


def test_it_refuses_another_patients_appointment(patient_a, patient_b, actor, users, clinic):

    sign_photo_consent(patient_a)

    class Other:
        patient_id = patient_b.pk

    with pytest.raises(ValidationError) as error:
        upload(patient_a, actor, appointment=Other())
    assert "appointment" in error.value.message_dict


def test_it_removes_the_files_when_the_save_fails(patient_a, actor, settings, monkeypatch):
    sign_photo_consent(patient_a)

    def fail(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(ClinicalPhoto.objects, "create", fail)
    with pytest.raises(RuntimeError):
        upload(patient_a, actor)
    assert not list(settings.PHOTO_ROOT.rglob("*.jpg"))
    assert not list(settings.PHOTO_ROOT.rglob("*.tmp"))


def test_it_marks_in_error_and_keeps_the_file(patient_a, actor):
    photo = make_photo(patient_a, actor)
    do_mark_photo_in_error(actor, photo, reason="Wrong patient")
    photo.refresh_from_db()
    assert photo.status == PhotoStatus.ENTERED_IN_ERROR
    assert photo.error_reason == "Wrong patient"
    assert storage.full_path(photo.file_path).exists()
    assert AuditEvent.objects.get(code=Event.PHOTO_IN_ERROR).payload == {"reason": "Wrong patient"}
    assert photo.history.count() == 2


@pytest.mark.parametrize("reason", ["", "   ", "x" * 301])
def test_marking_in_error_needs_a_reason(patient_a, actor, reason):
    photo = make_photo(patient_a, actor)
    with pytest.raises(ValidationError):
        do_mark_photo_in_error(actor, photo, reason=reason)


def test_it_does_not_mark_twice(patient_a, actor):
    photo = make_photo(patient_a, actor)
    do_mark_photo_in_error(actor, photo, reason="Duplicate")
    with pytest.raises(ValidationError):
        do_mark_photo_in_error(actor, photo, reason="Again")


def test_the_stored_file_has_no_metadata(patient_a, actor):
    image = Image.new("RGB", (400, 300), "red")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    photo = make_photo(patient_a, actor, data=out.getvalue())
    stored = storage.read(photo.file_path)
    assert b"Exif" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()


def test_storage_refuses_paths_outside_the_root():
    for bad in ("../escape.jpg", "/etc/passwd", "", "1/../../x.jpg"):
        with pytest.raises(ValueError):
            storage.full_path(bad)
