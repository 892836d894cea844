"""`banli check --deploy` fails on a database holding the demo's published credentials (issue #19 item 11)."""

import pytest
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.utils import timezone

from banli.demo.build import DEMO_TOTP_SECRET, PASSWORD
from banli.demo.checks import check_no_demo_accounts
from banli.orgs.models import User
from banli.security.models import TOTPDevice


def _ids():
    return {e.id for e in check_no_demo_accounts()}


@pytest.mark.django_db
def test_a_database_without_demo_credentials_passes(cast, settings):
    # The browser suite's conftest allows Django's sync calls from playwright's event loop for the
    # whole run (DJANGO_ALLOW_ASYNC_UNSAFE), which the deploy check reports as async.E001; a
    # deployment never sets it, so that one message of the test harness is silenced here.
    settings.SILENCED_SYSTEM_CHECKS = [*settings.SILENCED_SYSTEM_CHECKS, "async.E001"]
    assert _ids() == set()
    call_command("check", "--deploy", "--fail-level", "ERROR", verbosity=0)


@pytest.mark.django_db
def test_accounts_with_the_published_password_fail_the_deploy_check(cast):
    # As `banli demo` leaves them: one shared hash of the published password.
    User.objects.filter(pk__in=[cast.staff_npc.pk, cast.liaison_gx.pk]).update(password=make_password(PASSWORD))
    (error,) = check_no_demo_accounts()
    assert error.id == "banli.demo.E001" and "liaison_gx" in error.msg and "staff_npc" in error.msg
    with pytest.raises(SystemCheckError, match=r"banli\.demo\.E001"):
        call_command("check", "--deploy", verbosity=0)
    # Disabled accounts, and other passwords, are not flagged.
    User.objects.filter(pk=cast.staff_npc.pk).update(is_active=False)
    User.objects.filter(pk=cast.liaison_gx.pk).update(password=make_password("Another#Pass2026"))
    assert _ids() == set()


@pytest.mark.django_db
def test_a_named_demo_login_with_its_own_hash_is_found(cast):
    u = User.objects.create(username="auditor_demo", is_active=True)
    User.objects.filter(pk=u.pk).update(username="npc_staff", password=make_password(PASSWORD))
    assert _ids() == {"banli.demo.E001"}


@pytest.mark.django_db
def test_the_published_totp_secret_fails_the_deploy_check(cast):
    TOTPDevice.objects.create(user=cast.auditor, secret=DEMO_TOTP_SECRET, confirmed_at=timezone.now())
    assert _ids() == {"banli.demo.E002"}
    with pytest.raises(SystemCheckError, match=r"banli\.demo\.E002"):
        call_command("check", "--deploy", verbosity=0)
