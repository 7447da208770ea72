"""The plans tests' shared fixtures live in plan_fixtures; this makes them visible."""

from ldnclinic.plans.tests.plan_fixtures import (  # noqa: F401
    active,
    actor,
    dermatitis,
    draft,
    lead,
    psoriasis,
)
