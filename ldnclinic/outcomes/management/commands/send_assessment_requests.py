"""Send the patient-reported questionnaires that are due; run it once an hour (or daily).

    python manage.py send_assessment_requests            # create, email, print a summary
    python manage.py send_assessment_requests --dry-run  # list what is due; change nothing
    python manage.py send_assessment_requests --now 2026-03-07T14:00:00+00:00

Running it twice, or twice at once, creates and sends nothing twice; see outcomes/requests.py.
"""

from django.core.management.base import BaseCommand

from ldnclinic.outcomes.requests import send_assessment_requests
from ldnclinic.scheduling.management.commands.send_reminders import aware_datetime


class Command(BaseCommand):
    help = "Create and email the questionnaires due on active plans' protocol schedules."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List the questionnaires that are due; create and send nothing.",
        )
        parser.add_argument(
            "--now",
            metavar="ISO",
            help="Decide what is due as if it were this time (with its UTC offset).",
        )

    def handle(self, *args, **options):
        now = aware_datetime(options["now"]) if options["now"] else None
        summary = send_assessment_requests(
            now=now, dry_run=options["dry_run"], log=lambda line: self.stdout.write(line)
        )
        style = self.style.WARNING if summary.failed else self.style.SUCCESS
        self.stdout.write(style(summary.line()))
