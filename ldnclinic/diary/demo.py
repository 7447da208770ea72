"""A week of diary for the demo patient: doses at bedtime, one missed, itch easing, and two
nights of trouble sleeping after the last step up (what a side-effect signal is for)."""

import datetime

from django.utils import timezone

from ldnclinic.audit.log import Actor
from ldnclinic.diary.actions import do_save_diary_entry
from ldnclinic.patients.models import Patient

# Days before today: (dose taken, insomnia, vivid dreams, itch NRS, sleep quality, note)
WEEK = [
    (7, True, 0, 1, 6, 7, ""),
    (6, True, 0, 0, 6, 7, ""),
    (5, True, 0, 0, 5, 8, ""),
    (4, False, 0, 0, 5, 8, "Forgot, was out late."),
    (3, True, 0, 1, 5, 7, ""),
    (2, True, 2, 1, 4, 4, "Awake at 3 am."),
    (1, True, 2, 2, 4, 3, "Awake again, vivid dreams."),
]


def seed_demo_diary(clinic, now=None):
    now = now or timezone.now()
    maya = Patient.objects.filter(clinic=clinic, user__email="patient@demo.ldnclinic.test").first()
    if maya is None or maya.diary_entries.exists():
        return
    actor = Actor(user=maya.user, ip=None, via="cli")
    today = now.astimezone(clinic.tz).date()
    for days_ago, taken, insomnia, dreams, itch, sleep, note in WEEK:
        do_save_diary_entry(
            actor,
            maya,
            date=today - datetime.timedelta(days=days_ago),
            now=now,
            dose_taken=taken,
            taken_at=datetime.time(22, 30) if taken else None,
            insomnia=insomnia,
            vivid_dreams=dreams,
            itch_nrs=itch,
            sleep_quality=sleep,
            note=note,
        )
