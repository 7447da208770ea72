"""Offer free slots to waiting patients; run it every 15 minutes or so.

    python manage.py offer_waitlist_slots                 # every clinic
    python manage.py offer_waitlist_slots --clinic harbour

Cancellations and moves offer their freed slot at once; this catches slots that free up
otherwise (working hours added, time off removed), re-offers slots whose offers expired
unanswered, and takes entries past their last date off the list. Each waiting patient
holds at most one open offer from it, so running it often does not repeat emails.
"""

from django.core.management.base import BaseCommand, CommandError

from ldnclinic.accounts.models import Clinic
from ldnclinic.scheduling.waitlist import offer_free_slots


class Command(BaseCommand):
    help = "Email waitlist offers for free slots and expire waitlist entries past their dates."

    def add_arguments(self, parser):
        parser.add_argument("--clinic", metavar="SLUG", help="Only this clinic.")

    def handle(self, *args, **options):
        clinics = Clinic.objects.order_by("slug")
        if options["clinic"]:
            clinics = clinics.filter(slug=options["clinic"])
            if not clinics.exists():
                raise CommandError(f"No clinic with the slug {options['clinic']!r}.")
        total = 0
        for clinic in clinics:
            offers = offer_free_slots(clinic)
            total += len(offers)
            if offers:
                self.stdout.write(f"{clinic.slug}: {len(offers)} offer(s) sent.")
        self.stdout.write(self.style.SUCCESS(f"Waitlist: {total} offer(s) sent."))
