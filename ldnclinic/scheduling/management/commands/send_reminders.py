"""Send the appointment reminders that are due; run it every five minutes.

    python manage.py send_reminders            # send, print a summary line
    python manage.py send_reminders --dry-run  # say what would be sent; change nothing
    python manage.py send_reminders --now 2026-03-07T14:00:00+00:00

Running it twice, or twice at once, sends nothing twice; see scheduling/reminders.py.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from ldnclinic.scheduling.reminders import send_reminders


def aware_datetime(value):
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--now: {value!r} is not an ISO 8601 date and time.") from None
    if moment.tzinfo is None:
        raise CommandError("--now: give the UTC offset too, e.g. 2026-03-07T14:00:00+00:00.")
    return moment


class Command(BaseCommand):
    help = "Email (and text) the appointment reminders that are due, each exactly once."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List what would be sent or skipped; send and record nothing.",
        )
        parser.add_argument(
            "--now",
            metavar="ISO",
            help="Decide what is due as if it were this time (with its UTC offset).",
        )

    def handle(self, *args, **options):
        now = aware_datetime(options["now"]) if options["now"] else None
        summary = send_reminders(
            now=now,
            dry_run=options["dry_run"],
            log=lambda line: self.stdout.write(line),
        )
        style = self.style.WARNING if summary.failed else self.style.SUCCESS
        self.stdout.write(style(summary.line()))
