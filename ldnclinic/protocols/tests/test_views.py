"""The protocol pages: staff read, the admin edits (each save a new version), field
errors next to the fields, and nobody outside the clinic gets in."""

import copy

import pytest
from django.urls import reverse

from ldnclinic.protocols.library import get_protocol_version
from ldnclinic.protocols.models import Protocol
from ldnclinic.protocols.tests.forms_data import editor_post

CODE = "psoriasis-ldn"


@pytest.fixture
def psoriasis(library, clinic):
    return copy.deepcopy(get_protocol_version(clinic, CODE).data)


@pytest.fixture
def clinic_y_protocol(library, other_clinic, other_actor):
    from ldnclinic.protocols.actions import do_create_protocol

    data = copy.deepcopy(library[CODE].versions.get().data)
    data["code"] = "y-only"
    return do_create_protocol(other_actor, other_clinic, data, "")


@pytest.mark.parametrize("persona", ["admin", "clinician", "frontdesk"])
def test_staff_read_the_list_grouped_by_condition(persona, client_for, library):
    response = client_for(persona).get(reverse("protocol_list"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Hailey-Hailey disease" in text
    assert "Psoriasis: LDN with laser" in text
    assert "No study" in text  # the gap badge
    assert ("New protocol" in text) == (persona == "admin")


@pytest.mark.parametrize("persona", ["patient", "patient2"])
def test_patients_get_404(persona, client_for, library):
    client = client_for(persona)
    assert client.get(reverse("protocol_list")).status_code == 404
    assert client.get(reverse("protocol_detail", args=[CODE])).status_code == 404


def test_anonymous_is_sent_to_login(client_for, library):
    response = client_for("anonymous").get(reverse("protocol_detail", args=[CODE]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_detail_page_shows_the_protocol(client_for, library):
    response = client_for("frontdesk").get(reverse("protocol_detail", args=[CODE]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Standard 1.5 → 3 → 4.5 mg, weekly steps" in text
    assert "https://pubmed.ncbi.nlm.nih.gov/30238048/" in text
    assert "4 sessions, every 4 weeks (up to 1 week early or late)" in text
    assert "PASI" in text and "Move the dose to the morning" in text
    assert "Edit</a>" not in text


def test_another_clinics_protocol_is_404(client_for, clinic_y_protocol):
    client = client_for("admin")
    for name, args in [
        ("protocol_detail", ["y-only"]),
        ("protocol_version", ["y-only", 1]),
        ("protocol_edit", ["y-only"]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 404, name
    assert client.post(reverse("protocol_archive", args=["y-only"])).status_code == 404
    assert (
        client_for("other_staff").get(reverse("protocol_detail", args=["y-only"])).status_code
        == 200
    )


@pytest.mark.parametrize("persona", ["clinician", "frontdesk"])
def test_only_the_admin_edits(persona, client_for, library, psoriasis):
    client = client_for(persona)
    assert client.get(reverse("protocol_edit", args=[CODE])).status_code == 403
    post = editor_post(psoriasis)
    assert client.post(reverse("protocol_edit", args=[CODE]), post).status_code == 403
    assert client.get(reverse("protocol_create")).status_code == 403
    assert client.post(reverse("protocol_archive", args=[CODE])).status_code == 403
    assert not Protocol.objects.exclude(clinic=None).exists()


def test_the_edit_form_is_filled_from_the_current_version(client_for, library):
    response = client_for("admin").get(reverse("protocol_edit", args=[CODE]))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'name="schemes-0-start_mg"' in text
    assert "PASI: 0, 84" in text
    assert "version 1 of this clinic's own copy" in text


def test_saving_makes_a_new_version(client_for, library, clinic, psoriasis):
    psoriasis["schemes"][0]["interval_days"] = 14
    post = editor_post(psoriasis, note="Fortnightly steps")
    response = client_for("admin").post(reverse("protocol_edit", args=[CODE]), post)
    assert response.status_code == 302, response.content.decode()[:2000]
    version = get_protocol_version(clinic, CODE)
    assert (version.protocol.clinic, version.number) == (clinic, 1)
    assert version.data["schemes"][0]["interval_days"] == 14
    assert version.data["evidence"]["references"] == psoriasis["evidence"]["references"]
    assert version.note == "Based on global v1. Fortnightly steps"
    # Unchanged elsewhere: the whole protocol round-trips through the form.
    expected = copy.deepcopy(psoriasis)
    assert version.data == expected
    again = client_for("admin").post(reverse("protocol_edit", args=[CODE]), post)
    assert again.status_code == 302
    assert get_protocol_version(clinic, CODE).number == 2


def test_the_form_shows_field_errors_next_to_fields(client_for, library, clinic, psoriasis):
    psoriasis["schemes"][1]["start_mg"] = "0.05"
    psoriasis["adjuncts"][0]["sessions"] = 0
    psoriasis["instruments"].append({"code": "NOPE", "at_days": [0]})
    post = editor_post(psoriasis)
    post["default_scheme"] = "missing"
    response = client_for("admin").post(reverse("protocol_edit", args=[CODE]), post)
    assert response.status_code == 200
    editor = response.context["editor"]
    assert "0.1 mg" in editor.schemes.forms[1].errors["start_mg"][0]
    assert editor.adjuncts.forms[0].errors["sessions"]
    assert editor.form.errors["default_scheme"]
    assert editor.form.errors["instruments"][0].startswith("Line 5:")
    text = response.content.decode()
    assert 'id="id_schemes-1-start_mg_error"' in text
    assert not Protocol.objects.exclude(clinic=None).exists()


def test_the_form_refuses_what_it_cannot_parse(client_for, library, psoriasis):
    post = editor_post(psoriasis)
    post["schemes-0-start_mg"] = "lots"
    post["instruments"] = "PASI at the start"
    post["note"] = ""
    response = client_for("admin").post(reverse("protocol_edit", args=[CODE]), post)
    editor = response.context["editor"]
    assert editor.schemes.forms[0].errors["start_mg"]
    assert editor.form.errors["instruments"] == ["Line 1: write it as “CODE: 0, 28, 84”."]
    assert editor.form.errors["note"]


def test_a_row_can_be_removed_and_one_added(client_for, library, clinic, psoriasis):
    post = editor_post(psoriasis)
    post["adjuncts-1-DELETE"] = "on"  # the topical
    post.update(
        {
            "follow_up-TOTAL_FORMS": "3",
            "follow_up-2-after_days": "56",
            "follow_up-2-service_slug": "ldn-follow-up",
            "follow_up-2-purpose": "Mid-course review",
        }
    )
    response = client_for("admin").post(reverse("protocol_edit", args=[CODE]), post)
    assert response.status_code == 302
    data = get_protocol_version(clinic, CODE).data
    assert [a["code"] for a in data["adjuncts"]] == ["laser"]
    assert [f["after_days"] for f in data["follow_up"]] == [28, 84, 56]


def test_an_untouched_blank_row_is_ignored(client_for, library, clinic, psoriasis):
    post = editor_post(psoriasis)
    # What the browser sends for the blank extra scheme row: its initial choices.
    post.update({"schemes-TOTAL_FORMS": "4", "schemes-3-timing": "bedtime", "schemes-3-grade": "D"})
    response = client_for("admin").post(reverse("protocol_edit", args=[CODE]), post)
    assert response.status_code == 302
    assert len(get_protocol_version(clinic, CODE).data["schemes"]) == 3


def test_the_admin_creates_a_protocol(client_for, library, clinic, psoriasis):
    psoriasis["name"] = "Rosacea: LDN"
    psoriasis["condition"] = {"slug": "rosacea", "name": "Rosacea", "icd10": None, "snomed": None}
    post = editor_post(psoriasis, code="rosacea-ldn", new=True)
    response = client_for("admin").post(reverse("protocol_create"), post)
    assert response.status_code == 302
    assert response["Location"] == reverse("protocol_detail", args=["rosacea-ldn"])
    version = get_protocol_version(clinic, "rosacea-ldn")
    assert version.data["evidence"]["references"] == []
    assert [a["kind"] for a in version.data["adjustments"]][:2] == ["hold", "step_back"]
    listing = client_for("clinician").get(reverse("protocol_list")).content.decode()
    assert "Rosacea" in listing


def test_a_new_protocol_needs_a_free_code(client_for, library, psoriasis):
    post = editor_post(psoriasis, code=CODE, new=True)
    response = client_for("admin").post(reverse("protocol_create"), post)
    assert response.status_code == 200
    assert response.context["editor"].form.errors["code"]


def test_older_versions_stay_viewable(client_for, library, clinic, psoriasis):
    client = client_for("admin")
    first = editor_post(psoriasis, note="One")
    client.post(reverse("protocol_edit", args=[CODE]), first)
    psoriasis["summary"] = "Changed summary."
    client.post(reverse("protocol_edit", args=[CODE]), editor_post(psoriasis, note="Two"))
    old = client_for("clinician").get(reverse("protocol_version", args=[CODE, 1]))
    assert old.status_code == 200
    text = old.content.decode()
    assert "You are looking at version 1" in text
    assert "Changed summary." not in text
    assert client.get(reverse("protocol_version", args=[CODE, 9])).status_code == 404


def test_the_admin_archives_a_protocol(client_for, library, clinic, other_clinic):
    response = client_for("admin").post(
        reverse("protocol_archive", args=[CODE]), {"reason": "Not offered"}
    )
    assert response.status_code == 302
    listing = client_for("admin").get(reverse("protocol_list")).content.decode()
    assert "Archived" in listing
    other = client_for("other_staff").get(reverse("protocol_list")).content.decode()
    assert "Archived" not in other
    assert client_for("admin").get(reverse("protocol_archive", args=[CODE])).status_code == 405


def test_the_list_does_not_grow_in_queries(
    client_for, library, clinic, admin_actor, django_assert_max_num_queries
):
    from ldnclinic.protocols.actions import do_save_protocol_version

    client = client_for("clinician")
    client.get(reverse("protocol_list"))  # warm the session and membership
    with django_assert_max_num_queries(12) as before:
        client.get(reverse("protocol_list"))
    for code in ("psoriasis-ldn", "acne-ldn", "vitiligo-ldn"):
        data = copy.deepcopy(get_protocol_version(clinic, code).data)
        do_save_protocol_version(admin_actor, clinic, code, data, "")
        do_save_protocol_version(admin_actor, clinic, code, data, "")
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(reverse("protocol_list"))
    assert response.content.decode().count("this clinic's</span>") == 3
