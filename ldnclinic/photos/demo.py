"""Demo photos for Maya (the demo psoriasis patient): her signed photography consent and
two drawn photos of her left elbow four weeks apart, the plaque smaller and paler in the
second. Idempotent."""

import datetime
import io
import random

from django.utils import timezone
from PIL import Image, ImageDraw, ImageFilter

from ldnclinic.audit.log import Actor
from ldnclinic.consents.actions import do_sign_consent
from ldnclinic.consents.status import consent_statuses
from ldnclinic.patients.models import Patient
from ldnclinic.photos.actions import CONSENT_KIND, do_upload_photo

SITE = "left_elbow"
SKIN = (224, 180, 150)


def draw_plaque(radius: int, redness: int, seed: int = 7, size=(1200, 900)) -> bytes:
    """A JPEG of skin with a red, scaly oval plaque: `radius` in pixels, `redness` 0–255."""
    rng = random.Random(seed)  # noqa: S311 (a drawing, not a secret)
    image = Image.new("RGB", size, SKIN)
    draw = ImageDraw.Draw(image)
    for _ in range(4000):  # skin texture
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        shade = rng.randint(-12, 12)
        draw.point((x, y), fill=tuple(max(0, min(255, c + shade)) for c in SKIN))
    cx, cy = size[0] // 2, size[1] // 2
    plaque = (200, max(60, 190 - redness // 2), max(60, 170 - redness // 2))
    draw.ellipse(
        (cx - radius, cy - radius * 3 // 4, cx + radius, cy + radius * 3 // 4), fill=plaque
    )
    for _ in range(radius * 2):  # silvery scale
        angle_x = rng.uniform(-0.8, 0.8) * radius
        angle_y = rng.uniform(-0.55, 0.55) * radius
        r = rng.randint(3, 9)
        draw.ellipse(
            (cx + angle_x - r, cy + angle_y - r, cx + angle_x + r, cy + angle_y + r),
            fill=(236, 228, 224),
        )
    image = image.filter(ImageFilter.GaussianBlur(1.2))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def _ensure_consent(maya, now):
    status = consent_statuses(maya, [CONSENT_KIND])[0]
    if status.current is None or not status.needs_signing:
        return
    do_sign_consent(
        Actor(user=maya.user, ip=None, via="cli"),
        maya,
        status.current,
        typed_name=maya.full_name,
        agreed=True,
        now=now - datetime.timedelta(days=30),
    )


def seed_demo_photos(clinic, now=None):
    now = now or timezone.now()
    maya = Patient.objects.filter(clinic=clinic, user__email="patient@demo.ldnclinic.test").first()
    if maya is None or maya.photos.exists():
        return
    _ensure_consent(maya, now)
    clinician = (
        clinic.memberships.filter(user__email="clinician@demo.ldnclinic.test")
        .select_related("user")
        .first()
    )
    actor = Actor(user=clinician.user if clinician else None, ip=None, via="cli")
    for days_ago, radius, redness, note in (
        (28, 240, 200, "Baseline before LDN: thick plaque on the left elbow."),
        (0, 150, 110, "Four weeks: smaller and flatter, less scale."),
    ):
        do_upload_photo(
            actor,
            maya,
            data=draw_plaque(radius, redness),
            body_site=SITE,
            view="close_up",
            taken_at=now - datetime.timedelta(days=days_ago),
            note=note,
            now=now,
        )
