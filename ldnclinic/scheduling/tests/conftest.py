import datetime as dt
import threading

import pytest
from django.db import connection

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


def race(attempts):
    """Run each callable in its own thread (own database connection), all released at
    once; returns what each returned or raised, in order."""
    barrier = threading.Barrier(len(attempts))
    results = [None] * len(attempts)

    def run(i):
        try:
            barrier.wait()
            results[i] = attempts[i]()
        except Exception as error:  # noqa: BLE001 - the test inspects what each got
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(attempts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results
