import pytest

from ldnclinic.audit.codes import Event
from ldnclinic.audit.models import AuditEvent
from ldnclinic.website.models import SitePage, SitePageVersion

pytestmark = pytest.mark.django_db

PAGES = ("/clinic/site/", "/clinic/site/home/", "/clinic/site/branding/")


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize(
    "persona, status",
    [
        ("admin", 200),
        ("clinician", 403),
        ("frontdesk", 403),
        ("patient", 404),
        ("patient2", 404),
        ("other_staff", 200),  # their own clinic's editor
        ("anonymous", 302),
    ],
)
def test_only_clinic_admins_reach_the_editor(client_for, patient_a, path, persona, status):
    assert client_for(persona).get(path).status_code == status


def test_an_unknown_page_key_is_a_404(client_for):
    assert client_for("admin").get("/clinic/site/nonsense/").status_code == 404


def test_the_editor_starts_from_the_default_text(client_for):
    body = client_for("admin").get("/clinic/site/safety/").content.decode()
    assert "tramadol" in body
    assert "Not published yet" in body


def test_save_draft_does_not_change_the_public_page(site, client_for):
    client = client_for("admin")
    response = client.post("/clinic/site/safety/", {"markdown": "Draft words", "action": "save"})
    assert response.status_code == 302
    page = SitePage.objects.get(clinic=site, key="safety")
    assert page.draft_markdown == "Draft words" and page.published is None
    assert AuditEvent.objects.filter(code=Event.SITE_PAGE_SAVED, clinic_id=site.pk).count() == 1
    assert "Draft words" not in client_for("anonymous").get("/safety/").content.decode()


def test_preview_renders_sanitised_and_saves_nothing(site, client_for):
    text = "## Hi\n\n<script>alert(1)</script><img src=x onerror=alert(2)>[x](javascript:alert(3))"
    response = client_for("admin").post(
        "/clinic/site/home/", {"markdown": text, "action": "preview"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Preview." in body
    article = body.split('<article class="public-text">', 1)[1].split("</article>", 1)[0]
    assert "<h2>Hi</h2>" in article
    assert "<script" not in article and "onerror" not in article and "alert" not in article
    assert "javascript" not in article
    # The draft travels back to the editor in a hidden field, escaped.
    assert "&lt;script&gt;alert(1)" in body
    assert not SitePage.objects.exists()


def test_publish_makes_a_version_audits_and_goes_live(site, client_for, users):
    client = client_for("admin")
    client.post("/clinic/site/home/", {"markdown": "## One\n\nFirst.", "action": "publish"})
    client.post(
        "/clinic/site/home/",
        {"markdown": "## Two\n\n<p onclick=x()>Second.</p>", "action": "publish"},
    )
    page = SitePage.objects.get(clinic=site, key="home")
    assert [v.number for v in page.versions.all()] == [2, 1]
    assert page.published.number == 2
    assert page.published.published_by == users["admin"]
    assert "onclick" not in page.published.html
    events = AuditEvent.objects.filter(code=Event.SITE_PAGE_PUBLISHED, clinic_id=site.pk)
    assert sorted(e.payload["version"] for e in events) == [1, 2]
    public = client_for("anonymous").get("/").content.decode()
    assert "Second." in public and "First." not in public
    editor = client.get("/clinic/site/home/").content.decode()
    assert "Published versions" in editor and "admin@x.test" in editor


def test_published_versions_are_immutable(site, client_for):
    client_for("admin").post("/clinic/site/home/", {"markdown": "Text", "action": "publish"})
    version = SitePageVersion.objects.get()
    version.markdown = "changed"
    with pytest.raises(ValueError):
        version.save()
    with pytest.raises(ValueError):
        version.delete()


def test_publishing_an_empty_page_is_refused(site, client_for):
    response = client_for("admin").post(
        "/clinic/site/home/", {"markdown": "  ", "action": "publish"}
    )
    assert response.status_code == 400
    assert "empty page" in response.content.decode()


def test_another_clinics_admin_edits_only_their_own_site(site, client_for, other_clinic):
    client_for("other_staff").post(
        "/clinic/site/home/", {"markdown": "Clinic Y words", "action": "publish"}
    )
    assert SitePage.objects.get().clinic == other_clinic
    assert "Clinic Y words" not in client_for("anonymous").get("/").content.decode()


def test_branding_form_shows_field_errors(site, client_for):
    response = client_for("admin").post(
        "/clinic/site/branding/",
        {"primary_colour": "#ffff00", "accent_colour": "blue", "opening_hours": "whenever"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "contrast" in body and "hex code" in body and "Mon-Fri 09:00-17:00" in body


def test_branding_form_saves_a_logo(site, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ldnclinic.website.tests.test_branding import png

    upload = SimpleUploadedFile("logo.png", png(), content_type="image/png")
    response = client_for("admin").post(
        "/clinic/site/branding/",
        {
            "primary_colour": "#164766",
            "accent_colour": "#0b5d3b",
            "logo": upload,
            "logo_alt": "X logo",
        },
    )
    assert response.status_code == 302
    body = client_for("anonymous").get("/").content.decode()
    assert 'alt="X logo"' in body and "/site/logo.png" in body


def test_branding_form_refuses_a_non_image(site, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("logo.png", b"GIF89a not really", content_type="image/png")
    response = client_for("admin").post(
        "/clinic/site/branding/",
        {"primary_colour": "#164766", "accent_colour": "#0b5d3b", "logo": upload},
    )
    assert response.status_code == 400
    assert "not an image" in response.content.decode()
