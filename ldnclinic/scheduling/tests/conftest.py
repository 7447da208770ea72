import datetime as dt

import pytest

from ldnclinic.accounts.models import Membership
from ldnclinic.scheduling.models import Service, WorkingHours


@pytest.fixture
def clinician(users):
    return Membership.objects.get(user=users["clinician"])


def consult_service(clinic, practitioner, **fields):
    """A 30-minute consultation (10 minutes' buffer after) that `practitioner` gives
    Monday to Friday, 09:00-12:00 in the clinic's time zone."""
    values = {
        "name": "Consultation",
        "slug": "consult",
        "duration_minutes": 30,
        "buffer_after_minutes": 10,
        **fields,
    }
    service = Service.objects.create(clinic=clinic, **values)
    service.practitioners.add(practitioner)
    for weekday in range(5):
        WorkingHours.objects.create(
            practitioner=practitioner,
            location=clinic.locations.first(),
            weekday=weekday,
            start=dt.time(9),
            end=dt.time(12),
        )
    return service
