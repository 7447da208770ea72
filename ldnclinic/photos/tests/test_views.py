import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.photos.actions import do_mark_photo_in_error
from ldnclinic.photos.models import ClinicalPhoto, PhotoStatus
from ldnclinic.photos.tests.factories import image_bytes, make_photo, sign_photo_consent
from ldnclinic.photos.tests.test_processing import png_declaring

NOW = datetime.datetime(2026, 11, 20, 15, tzinfo=datetime.UTC)


def audits(code):
    return AuditEvent.objects.filter(code=code)


def upload_data(data=None, name="photo.jpg", **values):
    return {
        "file": SimpleUploadedFile(name, data if data is not None else image_bytes(), "image/jpeg"),
        "body_site": "left_elbow",
        "view": "close_up",
        "taken_on": "2026-11-20",
        "note": "",
        **values,
    }


@pytest.fixture
def photo(patient_a, users):
    return make_photo(patient_a, Actor(user=users["clinician"], ip=None, via="test"))


# The photos tab --------------------------------------------------------------------------


def test_it_requires_login(client_for, patient_a):
    response = client_for("anonymous").get(reverse("patient_photos", args=[patient_a.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["patient", "patient2", "other_staff"])
def test_it_hides_the_tab_from_patients_and_other_clinics(client_for, patient_a, persona):
    url = reverse("patient_photos", args=[patient_a.pk])
    assert client_for(persona).get(url).status_code == 404
    assert client_for(persona).post(url, upload_data()).status_code == 404


def test_other_clinic_staff_cannot_reach_their_neighbours_patient(client_for, patient_y):
    url = reverse("patient_photos", args=[patient_y.pk])
    assert client_for("clinician").get(url).status_code == 404


def test_it_says_the_consent_is_missing_and_hides_the_form(client_for, patient_a):
    response = client_for("clinician").get(reverse("patient_photos", args=[patient_a.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "has not signed the current clinical photography consent" in body
    assert reverse("patient_consents", args=[patient_a.pk]) in body
    assert 'type="file"' not in body


def test_it_shows_the_form_with_camera_capture_and_body_map(client_for, patient_a):
    sign_photo_consent(patient_a)
    with time_machine.travel(NOW, tick=False):
        response = client_for("clinician").get(
            reverse("patient_photos", args=[patient_a.pk]) + "?site=chest"
        )
    body = response.content.decode()
    assert 'accept="image/*"' in body and 'capture="environment"' in body
    assert 'enctype="multipart/form-data"' in body
    assert 'href="?site=left_elbow#upload"' in body  # a map region
    assert '<option value="left_elbow">Left elbow</option>' in body  # the fallback list
    assert '<option value="chest" selected>Chest</option>' in body
    assert 'aria-current="true" class="is-selected"' in body
    assert 'value="2026-11-20"' in body  # today in New York
    assert "photos/bodymap.js" in body
    assert audits(Event.PHOTOS_LISTED).count() == 1


def test_front_desk_sees_photos_but_cannot_upload(client_for, patient_a, photo):
    url = reverse("patient_photos", args=[patient_a.pk])
    response = client_for("frontdesk").get(url)
    assert response.status_code == 200
    assert 'type="file"' not in response.content.decode()
    assert reverse("photo_thumb", args=[photo.pk]) in response.content.decode()
    assert client_for("frontdesk").post(url, upload_data()).status_code == 403


@time_machine.travel(NOW, tick=False)
def test_it_uploads(client_for, patient_a, users):
    sign_photo_consent(patient_a)
    url = reverse("patient_photos", args=[patient_a.pk])
    response = client_for("clinician").post(url, upload_data(note="Baseline"))
    assert response.status_code == 302
    photo = ClinicalPhoto.objects.get()
    assert response["Location"].endswith("#site-left_elbow")
    assert photo.note == "Baseline" and photo.uploaded_by == users["clinician"]
    assert photo.taken_at == NOW
    assert audits(Event.PHOTO_UPLOADED).count() == 1


@time_machine.travel(NOW, tick=False)
def test_an_earlier_day_is_midday_clinic_time(client_for, patient_a):
    sign_photo_consent(patient_a)
    url = reverse("patient_photos", args=[patient_a.pk])
    client_for("clinician").post(url, upload_data(taken_on="2026-11-01"))
    assert ClinicalPhoto.objects.get().taken_at == datetime.datetime(
        2026, 11, 1, 17, tzinfo=datetime.UTC
    )


def test_it_refuses_upload_without_consent_and_audits(client_for, patient_a):
    url = reverse("patient_photos", args=[patient_a.pk])
    response = client_for("clinician").post(url, upload_data(), follow=True)
    assert "has not signed the current clinical photography consent" in response.content.decode()
    assert not ClinicalPhoto.objects.exists()
    assert audits(Event.PHOTO_REFUSED).count() == 1


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"Just some text pretending to be a JPEG", id="text"),
        pytest.param(bytes(range(256)) * 8, id="random"),
        pytest.param(image_bytes()[:300], id="truncated"),
        pytest.param(png_declaring(50_000, 50_000), id="bomb"),
        pytest.param(b"", id="empty"),
    ],
)
def test_bad_files_are_a_form_error_never_a_500(client_for, patient_a, data):
    sign_photo_consent(patient_a)
    url = reverse("patient_photos", args=[patient_a.pk])
    response = client_for("clinician").post(url, upload_data(data))
    assert response.status_code == 400
    body = response.content.decode()
    assert "could not be read as a photo" in body or "too many pixels" in body or "empty" in body
    assert not ClinicalPhoto.objects.exists()


def test_it_refuses_a_file_over_the_cap(client_for, patient_a, settings):
    sign_photo_consent(patient_a)
    settings.PHOTO_MAX_BYTES = 2000
    url = reverse("patient_photos", args=[patient_a.pk])
    response = client_for("clinician").post(url, upload_data(b"\xff" * 5000))
    assert response.status_code == 400
    assert "larger than" in response.content.decode()


def test_it_refuses_over_20_mb_by_default(client_for, patient_a):
    sign_photo_consent(patient_a)
    url = reverse("patient_photos", args=[patient_a.pk])
    response = client_for("clinician").post(url, upload_data(b"\0" * (20 * 1024 * 1024 + 1)))
    assert response.status_code == 400
    assert "larger than 20 MB" in response.content.decode()


@pytest.mark.parametrize(
    "values, message",
    [
        ({"body_site": "tail"}, "Select a valid choice"),
        ({"view": ""}, "This field is required"),
        ({"taken_on": "2099-01-01"}, "cannot be in the future"),
        ({"taken_on": "yesterday"}, "Enter a valid date"),
        ({"taken_on": "1950-01-01"}, "before the patient was born"),
        ({"appointment": "999999"}, "Select a valid choice"),
    ],
)
@time_machine.travel(NOW, tick=False)
def test_bad_details_are_field_errors(client_for, patient_a, values, message):
    sign_photo_consent(patient_a)
    url = reverse("patient_photos", args=[patient_a.pk])
    response = client_for("clinician").post(url, upload_data(**values))
    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_list_groups_by_site(client_for, patient_a, users):
    actor = Actor(user=users["clinician"], ip=None, via="test")
    make_photo(patient_a, actor, body_site="left_elbow")
    make_photo(patient_a, actor, body_site="left_elbow")
    make_photo(patient_a, actor, body_site="scalp")
    body = client_for("admin").get(reverse("patient_photos", args=[patient_a.pk])).content.decode()
    assert body.index('id="site-scalp"') < body.index('id="site-left_elbow"')
    assert body.count('<li class="photo-tile') == 3
    assert reverse("photo_compare", args=[patient_a.pk]) + "?site=left_elbow" in body
    assert "?site=scalp" not in body.split('id="site-scalp"')[1].split("</section>")[0]


# One photo ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, status",
    [
        ("clinician", 200),
        ("frontdesk", 200),
        ("patient", 200),
        ("patient2", 404),
        ("other_staff", 404),
    ],
)
def test_photo_detail_access(client_for, photo, persona, status):
    response = client_for(persona).get(reverse("photo_detail", args=[photo.pk]))
    assert response.status_code == status
    if status == 200:
        assert audits(Event.PHOTO_VIEWED).filter(subject_id=str(photo.pk)).exists()


def test_the_patient_sees_no_mark_in_error_button(client_for, photo):
    body = client_for("patient").get(reverse("photo_detail", args=[photo.pk])).content.decode()
    assert "Mark entered in error" not in body
    assert "SHA-256" not in body
    body = client_for("clinician").get(reverse("photo_detail", args=[photo.pk])).content.decode()
    assert "Mark entered in error" in body


def test_it_marks_in_error(client_for, photo):
    url = reverse("photo_mark_in_error", args=[photo.pk])
    response = client_for("clinician").post(url, {"reason": "Wrong site"})
    assert response.status_code == 302
    photo.refresh_from_db()
    assert photo.status == PhotoStatus.ENTERED_IN_ERROR
    body = client_for("clinician").get(reverse("photo_detail", args=[photo.pk])).content.decode()
    assert "Entered in error:" in body and "Wrong site" in body


def test_marking_in_error_needs_a_reason(client_for, photo):
    url = reverse("photo_mark_in_error", args=[photo.pk])
    response = client_for("clinician").post(url, {"reason": "  "})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()


@pytest.mark.parametrize(
    "persona, status",
    [
        ("frontdesk", 403),
        ("patient", 403),
        ("patient2", 404),
        ("other_staff", 404),
        ("anonymous", 302),
    ],
)
def test_who_cannot_mark_in_error(client_for, photo, persona, status):
    url = reverse("photo_mark_in_error", args=[photo.pk])
    assert client_for(persona).post(url, {"reason": "x"}).status_code == status
    photo.refresh_from_db()
    assert photo.status == PhotoStatus.ACTIVE


def test_the_patient_no_longer_sees_a_photo_in_error(client_for, photo, users):
    do_mark_photo_in_error(Actor(user=users["clinician"]), photo, reason="Wrong patient")
    for name in ("photo_detail", "photo_image", "photo_thumb"):
        assert client_for("patient").get(reverse(name, args=[photo.pk])).status_code == 404
        assert client_for("clinician").get(reverse(name, args=[photo.pk])).status_code == 200


# The bytes -------------------------------------------------------------------------------


def test_the_image_goes_through_the_gate_with_safe_headers(client_for, photo):
    response = client_for("clinician").get(reverse("photo_image", args=[photo.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(b"\xff\xd8")
    event = audits(Event.PHOTO_VIEWED).get()
    assert event.payload == {"variant": "full"} and event.subject_id == str(photo.pk)


@pytest.mark.parametrize("name", ["photo_image", "photo_thumb"])
@pytest.mark.parametrize(
    "persona, status",
    [
        ("admin", 200),
        ("frontdesk", 200),
        ("patient", 200),
        ("patient2", 404),
        ("other_staff", 404),
        ("anonymous", 302),
    ],
)
def test_bytes_access(client_for, photo, name, persona, status):
    response = client_for(persona).get(reverse(name, args=[photo.pk]))
    assert response.status_code == status
    if status != 200:
        assert not response.content.startswith(b"\xff\xd8")


def test_a_missing_file_is_a_404_not_a_500(client_for, photo, settings):
    (settings.PHOTO_ROOT / photo.file_path).unlink()
    assert client_for("clinician").get(reverse("photo_image", args=[photo.pk])).status_code == 404


def test_thumbnails_of_a_listed_page_are_audited_with_the_list(client_for, photo):
    client = client_for("clinician")
    client.get(reverse("patient_photos", args=[photo.patient_id]))
    listed = audits(Event.PHOTOS_LISTED).get()
    assert listed.payload["photo_ids"] == [photo.pk]
    assert client.get(reverse("photo_thumb", args=[photo.pk])).status_code == 200
    assert not audits(Event.PHOTO_VIEWED).exists()


def test_a_thumbnail_outside_a_listing_is_audited(client_for, photo):
    assert client_for("clinician").get(reverse("photo_thumb", args=[photo.pk])).status_code == 200
    assert audits(Event.PHOTO_VIEWED).get().payload == {"variant": "thumb"}


def test_files_are_not_under_the_web_root(photo, settings, client):
    from ldnclinic import settings as configured

    stored = (settings.PHOTO_ROOT / photo.file_path).resolve()
    assert not stored.is_relative_to(settings.STATIC_ROOT.resolve())
    # The configured default too, not only this test's folder.
    assert not configured.PHOTO_ROOT.resolve().is_relative_to(configured.STATIC_ROOT.resolve())
    name = photo.file_path.rsplit("/", 1)[1]
    for url in (
        f"/static/{name}",
        f"/photos/{name}",
        f"/media/{photo.file_path}",
        f"/{photo.file_path}",
    ):
        assert client.get(url).status_code in (302, 404)


# Comparison ------------------------------------------------------------------------------


@pytest.fixture
def series(patient_a, users):
    actor = Actor(user=users["clinician"], ip=None, via="test")
    return [
        make_photo(
            patient_a,
            actor,
            taken_at=datetime.datetime(2026, 10, day, 15, tzinfo=datetime.UTC),
            data=image_bytes(color=(200, 200 - day, 80)),
        )
        for day in (1, 15, 29)
    ]


def test_compare_defaults_to_the_first_and_the_latest(client_for, patient_a, series):
    url = reverse("photo_compare", args=[patient_a.pk])
    response = client_for("clinician").get(url + "?site=left_elbow")
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("photo_image", args=[series[0].pk]) in body
    assert reverse("photo_image", args=[series[2].pk]) in body
    assert reverse("photo_image", args=[series[1].pk]) not in body
    assert "photos/compare.js" in body and "data-compare-slider hidden" in body
    assert "<script>" not in body  # nothing inline: the CSP forbids it
    event = audits(Event.PHOTOS_COMPARED).get()
    assert event.payload == {"body_site": "left_elbow", "photo_ids": [series[0].pk, series[2].pk]}


def test_compare_picks_two_and_orders_them(client_for, patient_a, series):
    url = reverse("photo_compare", args=[patient_a.pk])
    query = f"?site=left_elbow&a={series[2].pk}&b={series[1].pk}"
    response = client_for("clinician").get(url + query)
    assert response.context["a"] == series[1] and response.context["b"] == series[2]


def test_compare_without_a_site_takes_the_first_comparable(client_for, patient_a, series):
    response = client_for("clinician").get(reverse("photo_compare", args=[patient_a.pk]))
    assert response.status_code == 200 and response.context["site"] == "left_elbow"


@pytest.mark.parametrize(
    "query, status",
    [
        ("?site=left_elbow&a=nope", 404),
        ("?site=left_elbow&a=999999", 404),
        ("?site=tail", 400),
        ("?site=scalp", 200),
    ],
)
def test_compare_bad_input(client_for, patient_a, series, query, status):
    response = client_for("clinician").get(reverse("photo_compare", args=[patient_a.pk]) + query)
    assert response.status_code == status


def test_compare_leaves_out_photos_in_error_and_other_patients(
    client_for, patient_a, patient_b, series, users
):
    other = make_photo(patient_b, Actor(user=users["clinician"]))
    do_mark_photo_in_error(Actor(user=users["clinician"]), series[2], reason="Blurred")
    url = reverse("photo_compare", args=[patient_a.pk])
    assert client_for("clinician").get(url + f"?site=left_elbow&b={other.pk}").status_code == 404
    response = client_for("clinician").get(url + "?site=left_elbow")
    assert response.context["b"] == series[1]


@pytest.mark.parametrize("persona", ["patient", "patient2", "other_staff"])
def test_compare_is_for_the_clinic_staff(client_for, patient_a, series, persona):
    url = reverse("photo_compare", args=[patient_a.pk])
    assert client_for(persona).get(url).status_code == 404


def test_compare_with_one_photo_says_so(client_for, patient_a, photo):
    response = client_for("clinician").get(reverse("photo_compare", args=[patient_a.pk]))
    assert response.status_code == 200
    assert "No body site has two photos" in response.content.decode()


# Portal ----------------------------------------------------------------------------------


def test_the_patient_sees_their_own_active_photos(client_for, patient_a, patient_b, users):
    actor = Actor(user=users["clinician"])
    mine = make_photo(patient_a, actor)
    wrong = make_photo(patient_a, actor, body_site="scalp")
    do_mark_photo_in_error(actor, wrong, reason="Wrong site")
    theirs = make_photo(patient_b, actor)
    response = client_for("patient").get(reverse("portal_photos"))
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("photo_thumb", args=[mine.pk]) in body
    assert reverse("photo_thumb", args=[wrong.pk]) not in body
    assert reverse("photo_thumb", args=[theirs.pk]) not in body
    assert audits(Event.PHOTOS_LISTED).get().payload["photo_ids"] == [mine.pk]
    for name in ("photo_detail", "photo_image", "photo_thumb"):
        assert client_for("patient").get(reverse(name, args=[theirs.pk])).status_code == 404


@pytest.mark.parametrize(
    "persona, status",
    [("clinician", 404), ("other_staff", 404), ("patient2", 200), ("anonymous", 302)],
)
def test_portal_access(client_for, patient_b, persona, status):
    assert client_for(persona).get(reverse("portal_photos")).status_code == status


# Query counts ----------------------------------------------------------------------------


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", ["patient_photos", "portal_photos", "photo_compare"])
def test_lists_run_a_fixed_number_of_queries(client_for, patient_a, users, name):
    actor = Actor(user=users["clinician"])
    persona = "patient" if name == "portal_photos" else "clinician"
    url = reverse(name) if name == "portal_photos" else reverse(name, args=[patient_a.pk])
    client = client_for(persona)
    client.get(reverse("account"))  # the first request of a session writes it
    for site in ("left_elbow", "left_elbow", "scalp"):
        make_photo(patient_a, actor, body_site=site)
    few = _queries(client, url)
    for site in ("left_elbow", "chest", "chest", "right_knee"):
        make_photo(patient_a, actor, body_site=site)
    assert _queries(client, url) == few


def test_the_detail_links_to_a_comparison_with_the_other_end(client_for, patient_a, series):
    url = reverse("photo_compare", args=[patient_a.pk])
    first = client_for("clinician").get(reverse("photo_detail", args=[series[0].pk]))
    assert f"{url}?site=left_elbow&amp;a={series[0].pk}" in first.content.decode()
    later = client_for("clinician").get(reverse("photo_detail", args=[series[1].pk]))
    assert f"{url}?site=left_elbow&amp;b={series[1].pk}" in later.content.decode()


def test_the_form_preselects_todays_appointment(client_for, patient_a, users):
    from ldnclinic.accounts.models import Membership
    from ldnclinic.scheduling.models import Appointment, Service

    sign_photo_consent(patient_a)
    service = Service.objects.create(
        clinic=patient_a.clinic, name="Follow-up", slug="follow", duration_minutes=30
    )
    practitioner = Membership.objects.get(user=users["clinician"])

    def book(start):
        end = start + datetime.timedelta(minutes=30)
        return Appointment.objects.create(
            clinic=patient_a.clinic,
            patient=patient_a,
            service=service,
            practitioner=practitioner,
            start=start,
            end=end,
            blocked_start=start,
            blocked_end=end,
        )

    book(NOW - datetime.timedelta(days=7))
    today = book(NOW + datetime.timedelta(hours=1))
    url = reverse("patient_photos", args=[patient_a.pk])
    with time_machine.travel(NOW, tick=False):
        response = client_for("clinician").get(url)
        assert response.context["form"]["appointment"].value() == today.pk
        today.status = "cancelled"
        today.save()
        response = client_for("clinician").get(url)
        assert response.context["form"]["appointment"].value() is None
