"""Clinical photos in the browser: the clinician picks the left elbow on the body map,
uploads a baseline and a follow-up photo (the file input a phone opens as its camera),
compares them side by side and with the slider; the patient sees their photos in the
portal. Every page passes axe and raises no CSP error. (It uses the journeys' fixtures; it
can move to ldnclinic/journeys/ as is.)"""

import datetime as dt

import pytest
from playwright.sync_api import expect

from ldnclinic.journeys.conftest import (  # noqa: F401 (fixtures)
    axe_source,
    browser_context_args,
    browser_type_launch_args,
    open_browser,
)
from ldnclinic.photos.models import ClinicalPhoto
from ldnclinic.photos.tests.factories import image_bytes, sign_photo_consent
from ldnclinic.photos.tests.test_processing import jpeg_with_gps

pytestmark = pytest.mark.browser

IMAGES_LOADED = "() => [...document.images].every(i => i.complete && i.naturalWidth > 0)"


def test_photos(open_browser, users, patient_a, patient_b):  # noqa: F811
    sign_photo_consent(patient_a)
    clinician = open_browser("clinician")
    page = clinician.page
    clinician.log_in("clinician@x.test")

    page.goto(f"/patients/{patient_a.pk}/photos/")
    expect(page.get_by_role("heading", name="Add a photo")).to_be_visible()
    clinician.look("photos-empty", axe=True)

    # The body map sets the list (bodymap.js); keyboard users reach each region by Tab.
    page.get_by_role("link", name="Left elbow").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#id_body_site")).to_have_value("left_elbow")
    expect(page.locator("[data-body-map-status]")).to_contain_text("Left elbow")
    earlier = (dt.date.today() - dt.timedelta(days=28)).isoformat()
    page.locator("#id_file").set_input_files(
        {"name": "baseline.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}
    )
    page.get_by_label("View").select_option("close_up")
    page.get_by_label("Date taken").fill(earlier)
    page.get_by_label("Note").fill("Baseline")
    page.get_by_role("button", name="Upload photo").click()
    expect(page.get_by_text("Saved the photo of the left elbow")).to_be_visible()

    # A broken file is a message on the form, not an error page.
    page.locator("#id_file").set_input_files(
        {"name": "broken.jpg", "mimeType": "image/jpeg", "buffer": b"not really a photo"}
    )
    page.locator("#id_body_site").select_option("left_elbow")
    page.get_by_label("View").select_option("close_up")
    page.get_by_role("button", name="Upload photo").click()
    expect(page.get_by_text("could not be read as a photo")).to_be_visible()
    clinician.look("broken-file", axe=True)

    page.locator("#id_file").set_input_files(
        {
            "name": "today.png",
            "mimeType": "image/png",
            "buffer": image_bytes("PNG", (800, 600), (210, 160, 140)),
        }
    )
    page.locator("#id_body_site").select_option("left_elbow")
    page.get_by_label("View").select_option("close_up")
    page.get_by_role("button", name="Upload photo").click()
    expect(page.locator("#site-left_elbow li.photo-tile")).to_have_count(2)
    page.wait_for_function(IMAGES_LOADED)
    clinician.look("photos-two", axe=True)
    assert ClinicalPhoto.objects.filter(patient=patient_a).count() == 2

    page.get_by_role("link", name="Compare Left elbow over time").click()
    expect(page.get_by_role("heading", name="Compare photos · Left elbow")).to_be_visible()
    expect(page.locator(".compare-pair img")).to_have_count(2)
    slider = page.get_by_label("Divider: before on the left, after on the right")
    expect(slider).to_be_visible()  # compare.js showed the overlay
    slider.fill("80")
    clip = page.locator("[data-compare-over]").evaluate("el => el.style.clipPath")
    assert clip == "inset(0px 0px 0px 80%)"
    page.wait_for_function(IMAGES_LOADED)
    clinician.look("compare", axe=True)

    page.locator(".compare-pair a").first.click()
    expect(page.get_by_role("heading", name="Mark entered in error")).to_be_visible()
    clinician.look("detail", axe=True)

    patient = open_browser("patient")
    patient.log_in("patient@x.test")
    patient.page.goto("/portal/photos/")
    expect(patient.page.locator("li.photo-tile")).to_have_count(2)
    patient.page.wait_for_function(IMAGES_LOADED)  # the thumbnails came through the gate
    patient.look("portal", axe=True)
    # Another patient's photos stay out of reach.
    response = patient.page.goto(f"/patients/{patient_b.pk}/photos/")
    assert response.status == 404
