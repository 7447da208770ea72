"""Images made with Pillow, a signed photography consent, and stored photos for tests."""

import io

from PIL import Image

from ldnclinic.audit.log import Actor
from ldnclinic.consents.actions import do_sign_consent
from ldnclinic.consents.models import ConsentDocument, ConsentVersion
from ldnclinic.consents.seed import seed_default_documents
from ldnclinic.consents.status import consent_statuses
from ldnclinic.photos.actions import do_upload_photo


def image_bytes(fmt="JPEG", size=(640, 480), color=(200, 80, 80), **save) -> bytes:
    mode = "RGBA" if fmt == "PNG" and save.pop("alpha", False) else "RGB"
    image = Image.new(mode, size, color if mode == "RGB" else (*color, 128))
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def sign_photo_consent(patient):
    # Migrations seed the documents; a flushed database (browser tests) has lost them.
    seed_default_documents(ConsentDocument, ConsentVersion)
    status = consent_statuses(patient, ["photography"])[0]
    do_sign_consent(
        Actor(user=patient.user, ip=None, via="test"),
        patient,
        status.current,
        typed_name=patient.full_name,
        agreed=True,
    )


def make_photo(patient, actor=None, *, body_site="left_elbow", view="close_up", **values):
    """An uploaded photo (file on disk under PHOTO_ROOT); signs the consent if needed."""
    if consent_statuses(patient, ["photography"])[0].needs_signing:
        sign_photo_consent(patient)
    return do_upload_photo(
        actor or Actor.system(via="test"),
        patient,
        data=values.pop("data", None) or image_bytes(),
        body_site=body_site,
        view=view,
        **values,
    )
