"""Test set-up shared by every test module.

The cast (tests/cast.py) is built once per test database, right after pytest-django has created
it: every test runs inside a transaction that is rolled back, so the cast is intact for the next
one, and the ``cast`` fixture hands each test freshly fetched objects (no attribute cache on a user
or an org survives from one test to the next). A transactional test (PostgreSQL-only concurrency
tests, the browser suite) ends with a flush of every table; the data migrations' rows and the cast
are put back right after it.
"""

from types import SimpleNamespace

import pytest
from django.test.utils import override_settings

from .cast import build_cast

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# attribute path ("orgs.gx", "deputy", …) → (model class, pk) of the cast in the test database.
_cast_rows: dict[str, tuple[type, int]] = {}


def _build_and_remember_cast() -> None:
    from django.db import models

    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        c = build_cast()
    _cast_rows.clear()
    for name, value in vars(c).items():
        if name == "orgs":
            for org_name, org in vars(value).items():
                _cast_rows[f"orgs.{org_name}"] = (type(org), org.pk)
        elif isinstance(value, models.Model):
            _cast_rows[name] = (type(value), value.pk)


def _fetch_cast() -> SimpleNamespace:
    """The cast as new instances, with one query per model."""
    wanted: dict[type, set[int]] = {}
    for model, pk in _cast_rows.values():
        wanted.setdefault(model, set()).add(pk)
    found = {model: model.objects.in_bulk(pks) for model, pks in wanted.items()}
    c = SimpleNamespace(orgs=SimpleNamespace())
    for path, (model, pk) in _cast_rows.items():
        obj = found[model].get(pk)
        assert obj is not None, f"the cast lost {path}: a test flushed the database and it was not rebuilt"
        if path.startswith("orgs."):
            setattr(c.orgs, path.removeprefix("orgs."), obj)
        else:
            setattr(c, path, obj)
    from .cast import PASSWORD

    c.password = PASSWORD
    return c


_blocker_key = pytest.StashKey()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):
    """The test database, with the cast built once in it (committed)."""
    with django_db_blocker.unblock():
        _build_and_remember_cast()
    request.config.stash[_blocker_key] = django_db_blocker
    yield


def _flushes_the_database(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    names = getattr(item, "fixturenames", ())
    return any(n in names for n in ("transactional_db", "live_server", "django_db_reset_sequences"))


def _reseed_migration_data() -> None:
    """What data migrations put in every database (the working-day calendar, the built-in dictionary
    terms): a flush removes it with everything else, and the tests that follow rely on it."""
    from banli.calendar import workdays
    from banli.calendar.calendar_data import seed_from_package
    from banli.calendar.models import CalendarDay, CalendarYear
    from banli.textintel.models import DictTerm
    from banli.textintel.text import BUILTIN_TERMS

    if not CalendarDay.objects.exists():
        seed_from_package(CalendarYear, CalendarDay)
        workdays.clear_cache()
    DictTerm.objects.bulk_create([DictTerm(word=w, note="内置") for w in BUILTIN_TERMS], ignore_conflicts=True)


def _cast_is_gone() -> bool:
    model, pk = next(iter(_cast_rows.values()))
    return not model.objects.filter(pk=pk).exists()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a test that flushed every table, build the cast again for the tests that follow."""
    result = yield
    blocker = item.config.stash.get(_blocker_key, None)
    # After the last test the test databases are already gone (nextitem is None): nothing to rebuild.
    if blocker is not None and _cast_rows and nextitem is not None and _flushes_the_database(item):
        with blocker.unblock():
            if _cast_is_gone():
                _reseed_migration_data()
                _build_and_remember_cast()
    return result


@pytest.fixture(autouse=True)
def _fast_hashing(settings, tmp_path):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    settings.MEDIA_ROOT = tmp_path / "files"
    # The security baseline's 2FA and password-age gates are tested in tests/test_security*.py,
    # which set these back to the production defaults; other tests sign in with force_login.
    settings.BANLI_2FA_REQUIRED_ROLES = []
    settings.BANLI_PASSWORD_MAX_AGE_DAYS = 0
    settings.BANLI_FORCE_PASSWORD_CHANGE = False


@pytest.fixture
def cast(db):
    """Every role of SPEC §2 in one small city; see tests/cast.py. Built once, fetched anew per test."""
    return _fetch_cast()


@pytest.fixture
def no_cast(db):
    """The test database without the cast, for tests that load a whole city of their own (the demo, a
    real ledger) whose names would collide with it. Deleted inside the test's transaction."""
    remove_cast()


def remove_cast() -> None:
    """Delete the cast inside the current transaction (the caller rolls it back afterwards)."""
    by_model: dict[type, list[int]] = {}
    for model, pk in _cast_rows.values():
        by_model.setdefault(model, []).append(pk)
    from banli.cases.models import Proposer, Session
    from banli.orgs.models import Org, User

    for model in (Proposer, Session, User):
        model.objects.filter(pk__in=by_model[model]).delete()
    # Children before parents (a materialised-path tree).
    for org in sorted(Org.objects.filter(pk__in=by_model[Org]), key=lambda o: -o.depth):
        Org.objects.filter(pk=org.pk).delete()
    assert not Org.objects.exists()


@pytest.fixture
def login(client):
    """login(user) → the test client signed in as that user."""

    def _login(user):
        client.force_login(user)
        return client

    return _login
