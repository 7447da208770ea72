import io

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from PIL import Image

from ldnclinic.audit.codes import Event
from ldnclinic.audit.log import Actor
from ldnclinic.audit.models import AuditEvent
from ldnclinic.website.actions import do_save_branding
from ldnclinic.website.branding import check_colour, contrast_ratio, normalise_colour
from ldnclinic.website.models import Branding

pytestmark = pytest.mark.django_db

GOOD = {
    "tagline": "",
    "primary_colour": "#164766",
    "accent_colour": "#0b5d3b",
    "opening_hours": "",
    "logo_alt": "",
}


def png(size=(40, 20), colour=(10, 90, 140), fmt="PNG"):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=fmt)
    return out.getvalue()


def save(users, clinic, **values):
    return do_save_branding(Actor(users["admin"]), clinic, **{**GOOD, **values})


def test_contrast_ratio_matches_wcag():
    assert round(contrast_ratio("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast_ratio("#777777", "#ffffff"), 2) == 4.48
    assert normalise_colour("#ABC") == "#aabbcc"


@pytest.mark.parametrize("bad", ["164766", "#12345", "#gggggg", "red", "", "#1647660"])
def test_it_refuses_a_malformed_colour(bad):
    with pytest.raises(ValueError, match="hex code"):
        check_colour(bad)


def test_it_refuses_a_colour_white_text_cannot_be_read_on(clinic, users):
    with pytest.raises(ValidationError) as error:
        save(users, clinic, primary_colour="#9fd3f5")
    assert "contrast" in error.value.message_dict["primary_colour"][0]
    assert not Branding.objects.filter(clinic=clinic).exists()


def test_it_refuses_a_file_that_is_not_an_image(clinic, users):
    with pytest.raises(ValidationError) as error:
        save(users, clinic, logo=b"<svg onload='alert(1)'></svg>")
    assert "not an image" in error.value.message_dict["logo"][0]


def test_it_refuses_a_logo_over_2_mb(clinic, users):
    with pytest.raises(ValidationError) as error:
        save(users, clinic, logo=png() + b"\0" * (2 * 1024 * 1024))
    assert "2 MB" in error.value.message_dict["logo"][0]


def test_it_reencodes_and_shrinks_the_logo(clinic, users, settings):
    settings.PUBLIC_CLINIC_SLUG = clinic.slug
    branding = save(users, clinic, logo=png(size=(2000, 1000), fmt="JPEG"))
    assert (branding.logo_width, branding.logo_height) == (512, 256)
    response = Client().get("/site/logo.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).format == "PNG"


def test_there_is_no_logo_until_one_is_saved(clinic, settings):
    settings.PUBLIC_CLINIC_SLUG = clinic.slug
    assert Client().get("/site/logo.png").status_code == 404


def test_it_refuses_bad_opening_hours(clinic, users):
    with pytest.raises(ValidationError) as error:
        save(users, clinic, opening_hours="Mon-Fri 17:00-09:00")
    assert "after the opening" in error.value.message_dict["opening_hours"][0]
    with pytest.raises(ValidationError):
        save(users, clinic, opening_hours="Funday 09:00-17:00")


def test_it_saves_audits_and_serves_the_colours(clinic, users, settings):
    settings.PUBLIC_CLINIC_SLUG = clinic.slug
    save(users, clinic, primary_colour="#5A1F6B", opening_hours="Mon 09:00-12:00")
    event = AuditEvent.objects.get(code=Event.BRANDING_SAVED)
    assert event.clinic_id == clinic.pk
    assert event.payload["after"]["primary_colour"] == "#5a1f6b"
    css = Client().get("/site.css")
    assert css["Content-Type"].startswith("text/css")
    assert "--brand-primary: #5a1f6b" in css.content.decode()


def test_only_an_admin_of_the_clinic_may_save(clinic, users):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        do_save_branding(Actor(users["clinician"]), clinic, **GOOD)
    with pytest.raises(PermissionDenied):
        do_save_branding(Actor(users["other_staff"]), clinic, **GOOD)
