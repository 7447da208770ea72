import datetime

import pytest

from ldnclinic.accounts.models import Membership
from ldnclinic.audit.log import Actor
from ldnclinic.conftest import make_patient
from ldnclinic.patients.actions import do_deactivate_patient
from ldnclinic.patients.models import Patient


@pytest.fixture
def people(clinic):
    return {
        "ann": make_patient(
            clinic,
            given_name="Ann",
            family_name="Lee",
            email="ann.lee@mail.test",
            phone="+1 555 0101",
            date_of_birth=datetime.date(1970, 1, 2),
        ),
        "bo": make_patient(
            clinic,
            given_name="Bo",
            family_name="Leeson",
            preferred_name="Bobo",
            date_of_birth=datetime.date(1985, 6, 7),
        ),
    }


def names(queryset):
    return sorted(p.given_name for p in queryset)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", ["Ann", "Bo"]),
        ("lee", ["Ann", "Bo"]),
        ("LEESON", ["Bo"]),
        ("bobo", ["Bo"]),
        ("ann lee", ["Ann"]),
        ("ann.lee@mail", ["Ann"]),
        ("x-000002", ["Bo"]),
        ("X-00000", []),  # record numbers match whole, not in part
        ("1985-06-07", ["Bo"]),
        ("555 0101", ["Ann"]),  # every word must match somewhere
        ("ann bobo", []),
        ("0101", ["Ann"]),
        ("nobody", []),
    ],
)
def test_it_searches(people, text, expected):
    assert names(Patient.objects.search(text)) == expected


def test_staff_see_their_clinics_patients_only(users, patient_a, patient_b, patient_y):
    assert names(Patient.objects.for_user(users["clinician"])) == ["Alice", "Bob"]
    assert names(Patient.objects.for_user(users["other_staff"])) == ["Yara"]


def test_a_patient_sees_only_their_own_active_record(users, patient_a, patient_b):
    assert names(Patient.objects.for_user(users["patient"])) == ["Alice"]
    do_deactivate_patient(Actor.system(), patient_a, "Moved away")
    assert names(Patient.objects.for_user(users["patient"])) == []


def test_former_staff_see_nothing(users, patient_a):
    Membership.objects.filter(user=users["clinician"]).update(is_active=False)
    assert names(Patient.objects.for_user(users["clinician"])) == []


def test_anonymous_and_inactive_users_see_nothing(users, patient_a):
    from django.contrib.auth.models import AnonymousUser

    assert names(Patient.objects.for_user(AnonymousUser())) == []
    assert names(Patient.objects.for_user(None)) == []
    users["clinician"].is_active = False
    assert names(Patient.objects.for_user(users["clinician"])) == []
