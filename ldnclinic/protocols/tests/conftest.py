import pytest

from ldnclinic.audit.log import Actor
from ldnclinic.protocols.models import Protocol, ProtocolVersion
from ldnclinic.protocols.seed import seed_global_protocols


@pytest.fixture
def library(db):
    # The data migration seeds these; a transactional test before this one may have
    # flushed them, so make sure (the seed is idempotent).
    seed_global_protocols(Protocol, ProtocolVersion)
    return {p.code: p for p in Protocol.objects.filter(clinic=None)}


@pytest.fixture
def admin_actor(users):
    return Actor(user=users["admin"], ip="203.0.113.7", via="test")


@pytest.fixture
def other_actor(users):
    return Actor(user=users["other_staff"], ip="203.0.113.8", via="test")
