"""Argon2 is the real hasher; the shared conftest swaps in MD5 only to keep tests fast."""

from django.contrib.auth.hashers import check_password, identify_hasher

import ldnclinic.settings
from ldnclinic.accounts.models import User

ARGON2 = "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_the_project_hashes_with_argon2_first():
    # The module itself, not django.conf.settings, which the shared conftest overrides.
    assert ldnclinic.settings.PASSWORD_HASHERS[0] == ARGON2


def test_a_new_user_gets_an_argon2_hash(settings, db):
    settings.PASSWORD_HASHERS = ldnclinic.settings.PASSWORD_HASHERS
    user = User.objects.create_user("new@x.test", "a long new password")
    assert user.password.startswith("argon2$")
    assert identify_hasher(user.password).algorithm == "argon2"
    assert check_password("a long new password", user.password)


def test_passwords_need_ten_characters():
    validators = {
        v["NAME"].rsplit(".", 1)[-1]: v for v in ldnclinic.settings.AUTH_PASSWORD_VALIDATORS
    }
    assert validators["MinimumLengthValidator"]["OPTIONS"] == {"min_length": 10}
    assert "CommonPasswordValidator" in validators
