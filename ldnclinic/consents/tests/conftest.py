import datetime

import pytest

from ldnclinic.audit.log import Actor
from ldnclinic.consents.models import ConsentDocument, ConsentVersion
from ldnclinic.consents.seed import seed_default_documents

NOW = datetime.datetime(2026, 3, 2, 15, 30, tzinfo=datetime.UTC)


@pytest.fixture
def documents(db):
    # The data migration seeds these; a transactional test before this one may have
    # flushed them, so make sure (the seed is idempotent).
    seed_default_documents(ConsentDocument, ConsentVersion)
    return {d.kind: d for d in ConsentDocument.objects.filter(clinic=None)}


@pytest.fixture
def ldn_v1(documents):
    return documents["ldn_off_label"].current_version()


@pytest.fixture
def actor(users):
    return Actor(user=users["patient"], ip="203.0.113.7", via="web")
