"""Demo data for trying ldnclinic: two clinics, one login per role, ~30 patients, and a
calendar of appointments over this week and the next.

Idempotent: running it again finds what exists and adds only what is missing.
"""

import datetime
import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from ldnclinic.accounts.models import Clinic, Location, Membership, Role, User
from ldnclinic.audit.log import Actor
from ldnclinic.consents.models import ConsentDocument, ConsentVersion
from ldnclinic.consents.seed import seed_default_documents
from ldnclinic.diary.demo import seed_demo_diary
from ldnclinic.evidence.library import ensure_global_evidence
from ldnclinic.outcomes.demo import seed_demo_assessments
from ldnclinic.patients.actions import do_create_patient
from ldnclinic.patients.models import Patient
from ldnclinic.photos.demo import seed_demo_photos
from ldnclinic.plans.demo import seed_demo_plans
from ldnclinic.scheduling.actions import (
    do_book_appointment,
    do_cancel_appointment,
    do_set_appointment_status,
)
from ldnclinic.scheduling.availability import find_service_slots
from ldnclinic.scheduling.models import (
    Appointment,
    AppointmentStatus,
    BookingSource,
    Resource,
    Service,
    WorkingHours,
)
from ldnclinic.website.demo import seed_demo_site

DEMO_PASSWORD = "ldn-demo-2026"

STAFF = [
    ("admin@demo.ldnclinic.test", "Alex Morgan", Role.ADMIN, "Practice manager"),
    ("clinician@demo.ldnclinic.test", "Dr. Priya Raman", Role.CLINICIAN, "MD, dermatology"),
    ("clinician2@demo.ldnclinic.test", "Jordan Lee", Role.CLINICIAN, "NP"),
    ("frontdesk@demo.ldnclinic.test", "Sam Rivera", Role.FRONT_DESK, ""),
]
PORTAL_PATIENTS = [
    ("patient@demo.ldnclinic.test", "Maya", "Thompson", "1986-04-12", "female"),
    ("patient2@demo.ldnclinic.test", "Daniel", "Okafor", "1979-09-30", "male"),
]
OTHER_STAFF = ("clinician@other.ldnclinic.test", "Dr. Chris Novak", Role.CLINICIAN, "MD")

RESOURCES = [("Laser (Nd:YAG)", "device"), ("Procedure room", "room"), ("LED panel", "device")]
# slug, name, minutes, buffer after, resource, practitioners, other fields
SERVICES = [
    (
        "ldn-consultation",
        "LDN consultation",
        45,
        10,
        None,
        ["clinician", "clinician2"],
        {"new_patients_only": True, "price_display": "$180", "min_notice_hours": 24},
    ),
    (
        "ldn-follow-up",
        "LDN follow-up",
        20,
        5,
        None,
        ["clinician", "clinician2"],
        {"telehealth_allowed": True, "price_display": "$90"},
    ),
    (
        "laser-session",
        "Laser session",
        60,
        15,
        "Laser (Nd:YAG)",
        ["clinician2"],
        {"price_display": "from $250", "daily_cap": 5},
    ),
    (
        "microneedling-prp",
        "Microneedling + PRP",
        75,
        15,
        "Procedure room",
        ["clinician"],
        {"price_display": "$450", "daily_cap": 3},
    ),
    (
        "led-therapy",
        "LED light therapy",
        30,
        5,
        "LED panel",
        ["clinician", "clinician2"],
        {"price_display": "$60"},
    ),
    (
        "topical-review",
        "Topical review",
        15,
        0,
        None,
        ["clinician", "clinician2"],
        {"telehealth_allowed": True, "price_display": "$45"},
    ),
]
# practitioner, weekdays (Monday 0), location, intervals
HOURS = [
    ("clinician", [0, 1, 2, 3, 4], "Park Slope", [((9, 0), (12, 30)), ((13, 30), (17, 0))]),
    ("clinician2", [1, 3, 4, 5], "Park Slope", [((10, 0), (18, 0))]),
    ("clinician2", [2], "Midtown", [((8, 0), (14, 0))]),
]

GIVEN = [
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Elijah",
    "Sophia",
    "Lucas",
    "Isabella",
    "Mateo",
    "Mia",
    "Ethan",
    "Amelia",
    "James",
    "Harper",
    "Aiden",
    "Evelyn",
    "Leo",
    "Aisha",
    "Kenji",
    "Fatima",
    "Diego",
    "Grace",
    "Omar",
    "Chloe",
    "Ravi",
    "Nora",
    "Tomás",
    "Zoe",
    "Ibrahim",
]
FAMILY = [
    "Garcia",
    "Nguyen",
    "Smith",
    "Johnson",
    "Patel",
    "Kim",
    "Brown",
    "Martinez",
    "Cohen",
    "Williams",
    "Ahmed",
    "Rossi",
    "Jones",
    "Silva",
    "Murphy",
    "Chen",
    "Davis",
    "Haddad",
    "Miller",
    "Kowalski",
    "Lopez",
    "Wilson",
    "Singh",
    "Anderson",
    "Taylor",
    "Moreau",
    "Jackson",
    "Sato",
    "White",
    "Harris",
]
CITIES = [
    ("Brooklyn", "NY", "112"),
    ("Hoboken", "NJ", "070"),
    ("Queens", "NY", "113"),
    ("Jersey City", "NJ", "073"),
    ("New York", "NY", "100"),
]
STREETS = ["Atlantic Ave", "Bergen St", "Court St", "Park Pl", "Washington St", "Union St"]


class Command(BaseCommand):
    help = "Load demo clinics, logins and patients (refuses to run in production)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo refuses to run with DJANGO_ENV=production.")
        # The demo bookings are made up: their confirmation emails go nowhere.
        quiet = override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
        with quiet, transaction.atomic():
            self.seed()
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins (password ldn-demo-2026):"))
        for email in demo_logins():
            self.stdout.write(f"  {email}")

    def seed(self):
        actor = Actor.system(via="cli")
        # Data migrations seed these; a flushed database (browser tests) has lost them.
        seed_default_documents(ConsentDocument, ConsentVersion)
        ensure_global_evidence()
        demo = self.clinic("demo", "Demo Skin & Wellness Clinic", "DSW", "+1 212 555 0140")
        other = self.clinic("other", "Other Clinic", "OTH", "+1 617 555 0199")
        Location.objects.get_or_create(
            clinic=demo,
            name="Park Slope",
            defaults={
                "address_line1": "214 7th Avenue",
                "city": "Brooklyn",
                "region": "NY",
                "postal_code": "11215",
                "phone": "+1 212 555 0140",
            },
        )
        Location.objects.get_or_create(
            clinic=demo,
            name="Midtown",
            defaults={
                "address_line1": "30 W 44th Street, Suite 5",
                "city": "New York",
                "region": "NY",
                "postal_code": "10036",
                "phone": "+1 212 555 0141",
            },
        )
        Location.objects.get_or_create(
            clinic=other,
            name="Back Bay",
            defaults={
                "address_line1": "500 Boylston St",
                "city": "Boston",
                "region": "MA",
                "postal_code": "02116",
            },
        )
        for email, name, role, title in STAFF:
            self.member(demo, self.user(email, name), role, title)
        self.member(other, self.user(*OTHER_STAFF[:2]), OTHER_STAFF[2], OTHER_STAFF[3])

        self.seed_scheduling(demo)

        for email, given, family, born, sex in PORTAL_PATIENTS:
            user = self.user(email, f"{given} {family}")
            patient = Patient.objects.filter(clinic=demo, email=email).first()
            if patient is None:
                patient = do_create_patient(
                    actor,
                    demo,
                    given_name=given,
                    family_name=family,
                    date_of_birth=datetime.date.fromisoformat(born),
                    sex_at_birth=sex,
                    email=email,
                    phone="+1 718 555 0101",
                    address_line1="88 Prospect Park W",
                    city="Brooklyn",
                    region="NY",
                    postal_code="11215",
                    emergency_contact_name="Chris Thompson",
                    emergency_contact_relationship="Partner",
                    emergency_contact_phone="+1 718 555 0102",
                )
            if patient.user_id != user.pk:
                Patient.objects.filter(pk=patient.pk).update(user=user)

        rng = random.Random(2026)  # noqa: S311 - a fixed seed: the same demo every time
        for i in range(30):
            given, family = GIVEN[i], FAMILY[(i * 7) % len(FAMILY)]
            email = f"{given.lower()}.{family.lower()}@example.com".replace("á", "a")
            if Patient.objects.filter(clinic=demo, email=email).exists():
                rng.random()
                continue
            city, region, zip_prefix = rng.choice(CITIES)
            born = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(0, 26000))
            do_create_patient(
                actor,
                demo,
                given_name=given,
                family_name=family,
                date_of_birth=born,
                sex_at_birth=rng.choice(["female", "female", "male", "unknown"]),
                email=email,
                phone=f"+1 {rng.randint(200, 989)} 555 {rng.randint(1000, 9999)}",
                address_line1=f"{rng.randint(1, 999)} {rng.choice(STREETS)}",
                city=city,
                region=region,
                postal_code=f"{zip_prefix}{rng.randint(10, 99)}",
                preferred_language=rng.choice(["en", "en", "en", "es", "fr"]),
            )
        for i, (given, family) in enumerate([("Helen", "Park"), ("Marcus", "Byrne")]):
            email = f"{given.lower()}.{family.lower()}@example.org"
            if not Patient.objects.filter(clinic=other, email=email).exists():
                do_create_patient(
                    actor,
                    other,
                    given_name=given,
                    family_name=family,
                    date_of_birth=datetime.date(1970 + i * 9, 3, 3),
                    email=email,
                )
        seed_appointments(demo, actor, timezone.now())
        seed_demo_plans(demo)
        seed_demo_diary(demo)
        seed_demo_assessments(demo)
        seed_demo_photos(demo)
        seed_demo_site(demo)

    def seed_scheduling(self, demo):
        park_slope = Location.objects.get(clinic=demo, name="Park Slope")
        midtown = Location.objects.get(clinic=demo, name="Midtown")
        resources = {}
        for name, kind in RESOURCES:
            resources[name], _ = Resource.objects.get_or_create(
                clinic=demo, name=name, defaults={"location": park_slope, "kind": kind}
            )
        staff = {
            m.user.email.split("@")[0]: m
            for m in Membership.objects.filter(clinic=demo).select_related("user")
        }
        for slug, name, minutes, after, resource, who, extra in SERVICES:
            service, created = Service.objects.get_or_create(
                clinic=demo,
                slug=slug,
                defaults={
                    "name": name,
                    "duration_minutes": minutes,
                    "buffer_after_minutes": after,
                    "resource": resources.get(resource),
                    "location": park_slope if resource else None,
                    **extra,
                },
            )
            if created:
                service.practitioners.set([staff[w] for w in who])
        for who, days, location, intervals in HOURS:
            membership = staff[who]
            for day in days:
                for start, end in intervals:
                    WorkingHours.objects.get_or_create(
                        practitioner=membership,
                        location=park_slope if location == "Park Slope" else midtown,
                        weekday=day,
                        start=datetime.time(*start),
                        end=datetime.time(*end),
                    )

    def clinic(self, slug, name, prefix, phone):
        clinic, _ = Clinic.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "time_zone": "America/New_York",
                "mrn_prefix": prefix,
                "phone": phone,
                "email": f"hello@{slug}.ldnclinic.test",
            },
        )
        return clinic

    def user(self, email, full_name):
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, DEMO_PASSWORD, full_name=full_name)
        return user

    def member(self, clinic, user, role, title):
        Membership.objects.get_or_create(
            user=user, clinic=clinic, defaults={"role": role, "title": title}
        )


def demo_logins():
    return [s[0] for s in STAFF] + [p[0] for p in PORTAL_PATIENTS] + [OTHER_STAFF[0]]


# Appointments -----------------------------------------------------------------------

# Per practitioner and working day: which services they give (the first few that day).
DAY_PLANS = {
    "clinician": [
        ["ldn-follow-up", "microneedling-prp", "topical-review", "ldn-consultation"],
        ["ldn-consultation", "led-therapy", "ldn-follow-up"],
        ["topical-review", "ldn-follow-up", "microneedling-prp", "led-therapy"],
    ],
    "clinician2": [
        ["laser-session", "ldn-follow-up", "led-therapy"],
        ["ldn-consultation", "laser-session", "topical-review", "ldn-follow-up"],
        ["led-therapy", "laser-session", "ldn-follow-up"],
    ],
}
REASONS = {
    "ldn-consultation": ["Considering LDN for psoriasis", "Hidradenitis, asking about LDN"],
    "ldn-follow-up": ["4.5 mg dose review", "Sleep disturbance since titration", "Refill"],
    "laser-session": ["Rosacea, session 2 of 4", "Pigmentation, session 3"],
    "microneedling-prp": ["Acne scarring", "Session 2 of 3"],
    "led-therapy": ["Red light, acne course", "Post-procedure recovery"],
    "topical-review": ["Tacrolimus review", "Eczema flare"],
}
IDENTITY_REVIEW = (
    "The email and name given online match this record, but the date of birth given "
    "(1986-04-21) differs from the record's (1986-04-12)."
)


def seed_appointments(clinic, actor, now):
    """A lively calendar for this week and the next, booked through the actions.

    Idempotent per week: the bookings carry `demo-<monday>-<n>` idempotency keys, and a
    week that has them is left alone. Bookings are made "a week before" each day, so that
    notice rules allow today's; days already past are marked completed or no-show."""
    tz = clinic.tz
    today = now.astimezone(tz).date()
    monday = today - datetime.timedelta(days=today.weekday())
    prefix = f"demo-{monday:%Y%m%d}-"
    if Appointment.objects.filter(clinic=clinic, idempotency_key__startswith=prefix).exists():
        return
    services = {
        s.slug: s
        for s in Service.objects.filter(clinic=clinic, is_active=True)
        .select_related("clinic", "resource", "location")
        .prefetch_related("practitioners")
    }
    staff = {
        m.user.email.split("@")[0]: m
        for m in Membership.objects.filter(clinic=clinic).select_related("user")
    }
    patients = list(Patient.objects.filter(clinic=clinic, is_active=True).order_by("pk"))
    rng = random.Random(monday.toordinal())  # noqa: S311 - the same demo all week
    booked = []
    for offset in range(13):
        day = monday + datetime.timedelta(days=offset)
        for who, plans in DAY_PLANS.items():
            for slug in plans[offset % len(plans)]:
                service = services.get(slug)
                if service is None or staff[who] not in service.practitioners.all():
                    continue
                fake_now = day_start(day, tz) - datetime.timedelta(days=7)
                slots = find_service_slots(
                    service, day, day, practitioner_ids={staff[who].pk}, now=fake_now
                )
                if not slots:
                    continue
                slot = slots[rng.randrange(len(slots))]
                patient = patients[len(booked) * 7 % len(patients)]
                appointment, _ = do_book_appointment(
                    actor,
                    patient=patient,
                    service=service,
                    start=slot.start,
                    practitioner=staff[who],
                    reason=rng.choice(REASONS[slug]),
                    telehealth=service.telehealth_allowed and rng.random() < 0.4,
                    idempotency_key=f"{prefix}{len(booked)}",
                    now=fake_now,
                )
                booked.append(appointment)
    _mark_the_past(actor, booked, now, today, tz)
    _add_an_online_booking(clinic, actor, services, staff, patients, now, prefix, len(booked))


def day_start(day, tz):
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)


def _mark_the_past(actor, booked, now, today, tz):
    """Past days: completed, the odd no-show. Today: a couple arrived or completed.
    The first appointment still to come in the next day: cancelled late."""
    booked.sort(key=lambda a: a.start)
    todays = []
    for n, appointment in enumerate(booked):
        local_day = appointment.start.astimezone(tz).date()
        if local_day == today:
            todays.append(appointment)
        elif local_day < today:
            if n % 9 == 4:
                do_set_appointment_status(actor, appointment, AppointmentStatus.NOSHOW, now=now)
            else:
                do_set_appointment_status(actor, appointment, AppointmentStatus.ARRIVED, now=now)
                do_set_appointment_status(actor, appointment, AppointmentStatus.FULFILLED, now=now)
    started = [a for a in todays if a.start <= now]
    for appointment in started:
        do_set_appointment_status(actor, appointment, AppointmentStatus.ARRIVED, now=now)
        if appointment.end <= now:
            do_set_appointment_status(actor, appointment, AppointmentStatus.FULFILLED, now=now)
    # Early in the day: the first patients are already in the waiting room.
    soon = [a for a in todays if now < a.start <= now + datetime.timedelta(hours=3)]
    for appointment in soon[: max(0, 2 - len(started))]:
        do_set_appointment_status(actor, appointment, AppointmentStatus.ARRIVED, now=now)
    upcoming = [a for a in booked if a.start > now and a.status == AppointmentStatus.BOOKED]
    if upcoming:
        do_cancel_appointment(actor, upcoming[0], reason="Called in: unwell", now=now, late=True)


def _add_an_online_booking(clinic, actor, services, staff, patients, now, prefix, n):
    """A booking from the public page whose details only partly matched a record: the
    front desk sees an "ID check" on it."""
    service = services.get("ldn-follow-up")
    if service is None:
        return
    tz = clinic.tz
    today = now.astimezone(tz).date()
    for offset in range(1, 8):
        day = today + datetime.timedelta(days=offset)
        slots = find_service_slots(service, day, day, now=now)
        if slots:
            break
    else:
        return
    appointment, _ = do_book_appointment(
        actor,
        patient=patients[0],
        service=service,
        start=slots[len(slots) // 2].start,
        reason="Booked online: LDN for lichen planus",
        idempotency_key=f"{prefix}{n}",
        source=BookingSource.ONLINE,
        now=now,
    )
    # As the public booking flow does when a match is only partial.
    appointment.identity_review = IDENTITY_REVIEW
    appointment.save(update_fields=["identity_review"])
