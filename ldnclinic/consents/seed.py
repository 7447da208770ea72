"""The default documents: version 1 of each, global, published. Idempotent."""

from django.utils import timezone

from ldnclinic.consents.models import body_hash
from ldnclinic.consents.texts_v1 import DOCUMENTS


def seed_default_documents(document_model, version_model):
    """Create the global documents' version 1 where missing. Takes the model classes so
    that the data migration can pass its historical models."""
    now = timezone.now()
    for kind, title, body in DOCUMENTS:
        document, _ = document_model.objects.get_or_create(
            clinic=None, kind=kind, defaults={"title": title}
        )
        if not version_model.objects.filter(document=document, number=1).exists():
            # Historical models have no custom save(): set the hash here too.
            version_model.objects.create(
                document=document,
                number=1,
                body=body,
                content_hash=body_hash(body),
                published_at=now,
            )
