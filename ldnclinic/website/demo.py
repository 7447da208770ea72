"""The demo clinic's public-site branding: a tagline and opening hours (the logo stays the
default, none). seed_demo calls this after the clinic and its admin exist."""

from ldnclinic.accounts.models import Membership, Role
from ldnclinic.audit.log import Actor
from ldnclinic.website.actions import do_save_branding
from ldnclinic.website.models import Branding

HOURS = "Mon-Thu 08:30-18:00\nFri 08:30-16:00\nSat 09:00-13:00\nSun closed"


def seed_demo_site(clinic):
    if Branding.objects.filter(clinic=clinic).exists():
        return
    admin = Membership.objects.filter(clinic=clinic, role=Role.ADMIN, is_active=True).first()
    if admin is None:
        return
    do_save_branding(
        Actor(user=admin.user, ip=None, via="cli"),
        clinic,
        tagline="Dermatology and low dose naltrexone, with the evidence stated plainly",
        primary_colour="#164766",
        accent_colour="#0b5d3b",
        opening_hours=HOURS,
        logo_alt="",
    )
