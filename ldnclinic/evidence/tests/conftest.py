import pytest

from ldnclinic.audit.log import Actor


@pytest.fixture
def admin_actor(users):
    return Actor(user=users["admin"], ip="127.0.0.1", via="test")


@pytest.fixture
def other_admin_actor(users):
    return Actor(user=users["other_staff"], ip="127.0.0.1", via="test")


def study_data(**values):
    data = {
        "first_author": "Doe",
        "year": 2024,
        "citation": "J Test 1:1",
        "design": "Case series",
        "n": "5",
        "dose": "4.5 mg",
        "is_low_dose": True,
        "duration": "12 weeks",
        "outcome": "Itch fell in 3 of 5.",
        "direction": "positive",
        "grade": "D",
        "grade_note": "",
        "pmid": "12345678",
        "doi": "",
        "registry_id": "",
        "url": "",
    }
    data.update(values)
    return data
