"""Create a clinic (a tenant) and its first clinic admin, who gets a set-password email.

    python manage.py create_clinic --name "Harbour Skin Clinic" --slug harbour \\
        --time-zone Europe/London --admin-email owner@harbour.example --admin-name "Ana Ruiz"
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ldnclinic.accounts.actions import do_create_clinic
from ldnclinic.audit.log import Actor


class Command(BaseCommand):
    help = "Create a clinic and invite its first clinic admin by email."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True, help="Short unique name, e.g. harbour")
        parser.add_argument("--time-zone", required=True, help="IANA name, e.g. America/Denver")
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-name", required=True)
        parser.add_argument("--phone", default="")
        parser.add_argument("--email", default="", help="The clinic's public contact email")

    def handle(self, *args, **options):
        try:
            membership = do_create_clinic(
                Actor.system(via="cli"),
                name=options["name"],
                slug=options["slug"],
                time_zone=options["time_zone"],
                admin_email=options["admin_email"],
                admin_name=options["admin_name"],
                site_url=settings.SITE_URL.rstrip("/"),
                phone=options["phone"],
                email=options["email"],
            )
        except ValidationError as error:
            messages = (
                [f"{field}: {' '.join(errors)}" for field, errors in error.message_dict.items()]
                if hasattr(error, "error_dict")
                else error.messages
            )
            raise CommandError("; ".join(messages)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {membership.clinic.name} ({membership.clinic.time_zone}); "
                f"invited {membership.user.email} as clinic admin."
            )
        )
