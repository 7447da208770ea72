import pytest

from ldnclinic.accounts.models import Location
from ldnclinic.audit.log import Actor
from ldnclinic.website.actions import do_save_branding

# Every public page an anonymous visitor can open (one condition with studies, one with none).
PUBLIC_PATHS = (
    "/",
    "/ldn/",
    "/conditions/",
    "/conditions/psoriasis/",
    "/conditions/lichen-planopilaris/",
    "/conditions/vitiligo/",
    "/safety/",
    "/therapies/",
    "/therapies/laser/",
    "/therapies/microneedling-prp/",
    "/therapies/led/",
    "/therapies/topicals/",
)


@pytest.fixture
def site(settings, clinic, users):
    """Clinic X as the public clinic, with an address, contact details and branding."""
    settings.PUBLIC_CLINIC_SLUG = clinic.slug
    clinic.phone = "+1 718 555 0100"
    clinic.email = "hello@clinic-x.test"
    clinic.save()
    Location.objects.filter(clinic=clinic).update(
        address_line1="12 Court Street", region="NY", postal_code="11201", phone="+1 718 555 0101"
    )
    do_save_branding(
        Actor(users["admin"]),
        clinic,
        tagline="Skin care with honest evidence",
        primary_colour="#164766",
        accent_colour="#0b5d3b",
        opening_hours="Mon-Fri 09:00-17:00\nSat 10:00-14:00\nSun closed",
        logo_alt="",
    )
    return clinic
