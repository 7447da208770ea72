import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from ldnclinic.website.tests.conftest import PUBLIC_PATHS

pytestmark = pytest.mark.django_db

LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def json_ld(body):
    blocks = LD.findall(body)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def test_home_describes_the_clinic(site):
    data = json_ld(Client().get("/").content.decode())
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "MedicalClinic"
    assert data["name"] == "Clinic X"
    assert data["telephone"] == "+1 718 555 0100"
    assert data["address"][0]["streetAddress"] == "12 Court Street"
    assert data["openingHours"] == ["Mo-Fr 09:00-17:00", "Sa 10:00-14:00"]
    assert data["url"].endswith("/")


def test_condition_pages_are_medical_web_pages_about_the_condition(site):
    data = json_ld(Client().get("/conditions/psoriasis/").content.decode())
    assert data["@type"] == "MedicalWebPage"
    assert data["about"] == {"@type": "MedicalCondition", "name": "Psoriasis"}
    assert re.match(r"\d{4}-\d{2}-\d{2}$", data["lastReviewed"])


@pytest.mark.parametrize("path", ["/ldn/", "/safety/", "/therapies/laser/"])
def test_content_pages_are_medical_web_pages(site, path):
    data = json_ld(Client().get(path).content.decode())
    assert data["@type"] == "MedicalWebPage"
    assert data["lastReviewed"] == "2026-11-26"


def test_json_ld_cannot_close_its_script_tag(site, users):
    from ldnclinic.accounts.models import Clinic

    Clinic.objects.filter(pk=site.pk).update(name="X </script><script>alert(1)</script>")
    body = Client().get("/").content.decode()
    assert "</script><script>alert(1)" not in body
    assert json_ld(body)["name"] == "X </script><script>alert(1)</script>"


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_every_page_has_title_description_canonical_and_open_graph(site, path):
    body = Client().get(path).content.decode()
    assert re.search(r"<title>[^<]{5,}</title>", body)
    assert re.search(r'<meta name="description" content="[^"]{20,}">', body)
    assert f'<link rel="canonical" href="http://testserver{path}">' in body or (
        '<link rel="canonical" href="' in body
    )
    for prop in ("og:title", "og:description", "og:url", "og:type"):
        assert f'<meta property="{prop}"' in body


def test_the_sitemap_lists_every_public_page(site):
    response = Client().get("/sitemap.xml")
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [el.text for el in root.findall("s:url/s:loc", ns)]
    paths = {re.sub(r"^https?://[^/]+", "", loc) for loc in locs}
    assert set(PUBLIC_PATHS) <= paths
    assert "/conditions/fibromyalgia/" in paths
    assert "/self-check/" in paths and "/book/clinic-x/" in paths
    assert not any(p.startswith(("/patients/", "/clinic/")) for p in paths)


def test_robots_allows_the_site_and_keeps_crawlers_out_of_the_app(site):
    response = Client().get("/robots.txt")
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/plain")
    assert "Allow: /\n" in text
    for path in ("/patients/", "/clinic/", "/portal/", "/api/", "/calendar/"):
        assert f"Disallow: {path}\n" in text
    assert re.search(r"Sitemap: https?://\S+/sitemap.xml", text)
