"""The timeline pages: the staff chart tab and the patient's portal page. Who may see
them, the audit row, the range form's bad input, what the portal leaves out, escaping,
and a query count that does not grow with the data."""

import datetime as dt

import pytest
from django.urls import reverse

from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.outcomes.tests.test_timeline import (
    TODAY,
    _frozen,  # noqa: F401 (autouse: the clock is frozen here too)
    appointment,
    assess,
    diary,
    paused_plan,
    photo,
    service_for,
)


def url(patient):
    return reverse("patient_timeline", args=[patient.pk])


def rich(patient, *, photos=True):
    """Every panel with data: a paused and resumed plan, sessions, two instruments,
    60 days of diary, photos."""
    paused_plan(patient)
    for n, total in enumerate([18, 12, 7, 4]):
        assess(patient, "PASI", total, dt.date(2026, 3, 2) + dt.timedelta(days=21 * n))
        assess(patient, "DLQI", 20 - 4 * n, dt.date(2026, 3, 3) + dt.timedelta(days=21 * n))
    for n in range(60):
        day = TODAY - dt.timedelta(days=60 - n)
        diary(patient, day, itch=max(0, 8 - n // 8), sleep=min(10, 3 + n // 8), taken=n % 9 != 0)
    laser, led = service_for(patient.clinic), service_for(patient.clinic, "LED light")
    appointment(patient, dt.date(2026, 3, 16))
    appointment(patient, dt.date(2026, 4, 13), service=led)
    appointment(patient, dt.date(2026, 6, 15), service=laser, status="booked")
    if photos:
        for n in range(6):
            photo(patient, dt.date(2026, 3, 2) + dt.timedelta(days=14 * n))


# -- staff ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["admin", "clinician", "frontdesk"])
def test_clinic_staff_see_every_panel(client_for, patient_a, persona):
    rich(patient_a)
    response = client_for(persona).get(url(patient_a))
    assert response.status_code == 200
    html = response.content.decode()
    for chart_id in ("tl-dose", "tl-sessions", "tl-inst-pasi", "tl-inst-dlqi", "tl-diary"):
        assert f'id="{chart_id}"' in html
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in html
    assert "PASI-75 (≤ 4.5)" in html  # 25 % of the baseline 18
    assert "surgery" in html  # the pause's reason, for staff
    assert "Laser session" in html and "LED light" in html
    assert html.count("<details") >= 5  # each chart's data table
    assert 'rel="stylesheet" href="/static/outcomes/timeline.css"' in html


def test_the_view_is_audited(client_for, patient_a, users):
    client_for("clinician").get(url(patient_a))
    event = AuditEvent.objects.get(code=Event.TIMELINE_VIEWED)
    assert (event.patient, event.actor) == (patient_a, users["clinician"])


def test_a_patient_with_no_data_gets_a_calm_page(client_for, patient_a):
    response = client_for("clinician").get(url(patient_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing recorded in this range yet" in html
    assert "No LDN plan in this range." in html


def test_anonymous_is_sent_to_log_in(client_for, patient_a):
    response = client_for("anonymous").get(url(patient_a))
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("persona", ["patient", "patient2", "other_staff"])
def test_patients_and_other_clinics_get_404(client_for, patient_a, persona):
    rich(patient_a, photos=False)
    assert client_for(persona).get(url(patient_a)).status_code == 404
    assert not AuditEvent.objects.filter(code=Event.TIMELINE_VIEWED).exists()


def test_clinic_x_staff_cannot_reach_clinic_y_patients(client_for, patient_y):
    assert client_for("clinician").get(url(patient_y)).status_code == 404


def test_a_missing_patient_is_404(client_for, patient_a):
    response = client_for("clinician").get(reverse("patient_timeline", args=[999999]))
    assert response.status_code == 404


def test_presets_and_dates_choose_the_range(client_for, patient_a):
    rich(patient_a, photos=False)
    client = client_for("clinician")
    response = client.get(url(patient_a), {"range": "3m"})
    assert response.context["timeline"].start == TODAY - dt.timedelta(days=91)
    assert f'href="{url(patient_a)}?range=3m" aria-current="true"' in (response.content.decode())
    response = client.get(url(patient_a), {"start": "2026-04-01", "end": "2026-04-30"})
    timeline = response.context["timeline"]
    assert (timeline.start, timeline.end, timeline.weekly) == (
        dt.date(2026, 4, 1),
        dt.date(2026, 4, 30),
        False,
    )
    response = client.get(url(patient_a), {"range": "all"})
    timeline = response.context["timeline"]
    # From a week before the plan to the booked session after today.
    assert (timeline.start, timeline.end) == (dt.date(2026, 2, 23), dt.date(2026, 6, 15))


@pytest.mark.parametrize(
    "query, field",
    [
        ({"start": "2026-13-01"}, "start"),
        ({"start": "2026-05-01", "end": "2026-04-01"}, "end"),
        ({"start": "1990-01-01"}, "start"),
        ({"start": "2000-01-01", "end": "2199-01-01"}, "end"),
        ({"range": "forever"}, "range"),
    ],
)
def test_a_bad_range_is_a_400_with_the_field_error_and_the_default_range(
    client_for, patient_a, query, field
):
    rich(patient_a, photos=False)
    response = client_for("clinician").get(url(patient_a), query)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert response.context["timeline"].start == dt.date(2026, 2, 23)
    assert "Please correct the fields marked below." in response.content.decode()


def test_names_are_escaped_on_the_page(client_for, patient_a):
    evil = "<script>alert(1)</script>"
    appointment(patient_a, dt.date(2026, 5, 1), service=service_for(patient_a.clinic, evil))
    html = client_for("clinician").get(url(patient_a)).content.decode()
    assert evil not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_photos_are_lazy_thumbnails_linking_to_the_photo(client_for, patient_a):
    item = photo(patient_a, dt.date(2026, 5, 1))
    html = client_for("clinician").get(url(patient_a)).content.decode()
    thumb = reverse("photo_thumb", kwargs={"pk": item.pk})
    assert f'src="{thumb}"' in html and 'loading="lazy"' in html
    assert f'href="{reverse("photo_detail", kwargs={"pk": item.pk})}"' in html


def test_the_query_count_does_not_grow_with_the_data(
    client_for, patient_a, patient_b, django_assert_num_queries
):
    rich(patient_a)
    diary(patient_b, TODAY, itch=3)
    client = client_for("clinician")
    client.get(url(patient_b))  # warm the session and caches
    for patient in (patient_a, patient_b):
        for query in ({}, {"range": "all"}):
            with django_assert_num_queries(QUERIES):
                assert client.get(url(patient), query).status_code == 200


# Session, user, membership and clinic (4), the patient through the gate and its audit
# row (2), the timeline (7), the role for the chart tabs and the base page (2), and saving
# the session that remembers the photos shown (3).
QUERIES = 18


# -- the portal -------------------------------------------------------------------------


def test_the_patient_sees_their_own_progress_simplified(client_for, patient_a, patient_b):
    rich(patient_a)
    assess(patient_b, "EASI", 30, dt.date(2026, 5, 1), band="severe")
    response = client_for("patient").get(reverse("portal_timeline"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "My progress" in html
    assert 'id="tl-inst-pasi"' in html and 'id="tl-dose"' in html
    assert "mild" in html  # band words
    assert 'id="tl-inst-easi"' not in html  # patient B's
    # No clinician notes, thresholds or session lane.
    assert "surgery" not in html
    assert "PASI-75" not in html
    assert 'id="tl-sessions"' not in html
    event = AuditEvent.objects.get(code=Event.TIMELINE_VIEWED)
    assert (event.patient, event.payload["page"]) == (patient_a, "portal")


def test_patient_b_sees_only_their_own(client_for, patient_a, patient_b):
    rich(patient_a, photos=False)
    response = client_for("patient2").get(reverse("portal_timeline"))
    assert response.status_code == 200
    assert response.context["patient"] == patient_b
    assert response.context["timeline"].plans == []
    assert 'id="tl-inst-pasi"' not in response.content.decode()


@pytest.mark.parametrize("persona", ["admin", "clinician", "frontdesk", "other_staff"])
def test_staff_have_no_portal_progress(client_for, patient_a, persona):
    assert client_for(persona).get(reverse("portal_timeline")).status_code == 404


def test_the_portal_range_form_refuses_bad_dates(client_for, patient_a):
    response = client_for("patient").get(reverse("portal_timeline"), {"end": "yesterday"})
    assert response.status_code == 400
    assert "end" in response.context["form"].errors


def test_anonymous_portal_is_sent_to_log_in(client_for):
    assert client_for("anonymous").get(reverse("portal_timeline")).status_code == 302


def test_the_timeline_audit_names_the_photos_it_shows(client_for, patient_a, users):
    from ldnclinic.audit.log import Actor
    from ldnclinic.photos.tests.factories import make_photo

    photo = make_photo(patient_a, Actor(user=users["clinician"], ip=None, via="test"))
    client = client_for("clinician")
    assert client.get(url(patient_a) + "?preset=all").status_code == 200
    row = AuditEvent.objects.filter(code=Event.TIMELINE_VIEWED, patient=patient_a).get()
    assert row.payload["photo_ids"] == [photo.pk]
    # Its thumbnail, fetched by the page just shown, is covered by that row.
    viewed = AuditEvent.objects.filter(code=Event.PHOTO_VIEWED)
    before = viewed.count()
    assert client.get(reverse("photo_thumb", args=[photo.pk])).status_code == 200
    assert viewed.count() == before
