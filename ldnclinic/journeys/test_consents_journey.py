"""Issue 4's consent journey: on a phone, the patient reads the LDN off-label consent, is
refused for a name that is not theirs, signs, and downloads the PDF copy; the clinician
then finds the signature in the chart's Consents tab.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.consents.models import ConsentDocument, ConsentSignature, ConsentVersion
from ldnclinic.consents.seed import seed_default_documents

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
TITLE = "Consent to off-label treatment with low dose naltrexone"


@pytest.fixture
def documents(transactional_db):
    # An earlier transactional test may have flushed what the data migration seeded.
    seed_default_documents(ConsentDocument, ConsentVersion)


def test_patient_signs_the_ldn_consent_on_a_phone(open_browser, users, patient_a, documents):
    patient = open_browser("patient")
    page = patient.page
    page.set_viewport_size(PHONE)
    patient.log_in("patient@x.test")

    page.goto("/portal/")
    page.get_by_role("link", name="Consents").click()
    expect(page.get_by_role("heading", name="Consents", level=1)).to_be_visible()
    row = page.locator(".consent-row", has_text=TITLE)
    expect(row).to_contain_text("Not signed")
    patient.look("list", axe=True)

    row.get_by_role("link", name=re.compile("Read and sign")).click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.get_by_role("heading", name="Never with opioids")).to_be_visible()
    patient.look("read", axe=True)

    page.get_by_label(re.compile("^Your full name")).fill("Bob Brown")
    page.get_by_label("I have read this document and I agree to it").check()
    page.get_by_role("button", name="Sign this consent").click()
    expect(page.get_by_text("Type your full name exactly as it is on your record")).to_be_visible()
    assert not ConsentSignature.objects.exists()
    patient.look("wrong-name", axe=True)

    page.get_by_label(re.compile("^Your full name")).fill("alice adams")
    page.get_by_label("I have read this document and I agree to it").check()
    page.get_by_role("button", name="Sign this consent").click()
    expect(page.get_by_text(f"You signed “{TITLE}”")).to_be_visible()
    row = page.locator(".consent-row", has_text=TITLE)
    expect(row).to_contain_text("Signed version 1")
    patient.look("signed", axe=True)

    with page.expect_download() as caught:
        row.get_by_role("link", name=re.compile("^PDF")).click()
    download = caught.value
    assert re.fullmatch(r"consent-ldn_off_label-v1-\d+\.pdf", download.suggested_filename)
    content = Path(download.path()).read_bytes()
    signature = ConsentSignature.objects.get()
    assert content.startswith(b"%PDF")
    assert signature.content_hash.encode() in content
    assert AuditEvent.objects.filter(code=Event.CONSENT_PDF_DOWNLOADED).count() == 1

    clinician = open_browser("clinician")
    clinician.log_in("clinician@x.test")
    clinician.page.goto(f"/patients/{patient_a.pk}/")
    clinician.page.get_by_role("link", name="Consents").click()
    table = clinician.page.locator("table.consent-signatures")
    expect(table).to_contain_text(TITLE)
    expect(table).to_contain_text("alice adams")
    expect(table).to_contain_text(signature.content_hash[:16])
    expect(clinician.page.locator(".consent-row", has_text="LDN off-label")).to_contain_text(
        "Signed version 1"
    )
    clinician.look("chart", axe=True)
    with clinician.page.expect_download() as caught:
        table.get_by_role("link", name=re.compile("^PDF")).click()
    assert caught.value.suggested_filename.endswith(".pdf")
