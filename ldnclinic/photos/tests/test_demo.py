import datetime
import io

import time_machine
from PIL import Image

from ldnclinic.accounts.models import Role
from ldnclinic.conftest import make_patient, make_user
from ldnclinic.consents.status import missing_consents
from ldnclinic.photos import storage
from ldnclinic.photos.demo import SITE, seed_demo_photos

NOW = datetime.datetime(2026, 11, 20, 15, tzinfo=datetime.UTC)


def red_pixels(photo) -> int:
    image = Image.open(io.BytesIO(storage.read(photo.file_path))).convert("RGB").resize((120, 90))
    return sum(1 for r, g, b in image.get_flattened_data() if r > 180 and g < 150)


@time_machine.travel(NOW, tick=False)
def test_it_gives_maya_a_consent_and_two_photos_four_weeks_apart(clinic):
    make_user("clinician@demo.ldnclinic.test", clinic, Role.CLINICIAN)
    maya = make_patient(
        clinic,
        make_user("patient@demo.ldnclinic.test"),
        given_name="Maya",
        family_name="Thompson",
    )
    seed_demo_photos(clinic)
    seed_demo_photos(clinic)  # idempotent
    assert missing_consents(maya, ["photography"]) == []
    before, after = maya.photos.order_by("taken_at")
    assert before.body_site == after.body_site == SITE
    assert after.taken_at - before.taken_at == datetime.timedelta(days=28)
    assert after.uploaded_by.email == "clinician@demo.ldnclinic.test"
    assert red_pixels(after) < red_pixels(before)


def test_it_does_nothing_without_maya(clinic):
    seed_demo_photos(clinic)
