import pytest

from .cast import build_cast


@pytest.fixture(autouse=True)
def _fast_hashing(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "files"
    # The security baseline's 2FA and password-age gates are tested in tests/test_security*.py,
    # which set these back to the production defaults; other tests sign in with force_login.
    settings.BANLI_2FA_REQUIRED_ROLES = []
    settings.BANLI_PASSWORD_MAX_AGE_DAYS = 0
    settings.BANLI_FORCE_PASSWORD_CHANGE = False


@pytest.fixture
def cast(db):
    """Every role of SPEC §2 in one small city; see tests/cast.py."""
    return build_cast()


@pytest.fixture
def login(client):
    """login(user) → the test client signed in as that user."""

    def _login(user):
        client.force_login(user)
        return client

    return _login
