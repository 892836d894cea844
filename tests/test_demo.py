"""`banli demo`: a newcomer can sign in as every role and finds cases at every stage."""

from io import StringIO
from unittest import mock

import pyotp
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings

from banli.cases.models import Assignment, AssignmentState, Proposal
from banli.cases.selectors import proposals_visible_to, with_status
from banli.demo import build as demo

from .conftest import FAST_HASHERS, remove_cast

SECURE_2FA_ROLES = ["sysadmin", "secadmin", "auditor", "body_staff", "coordinator"]


@pytest.fixture(scope="module")
def _demo_city(django_db_setup, django_db_blocker):
    """`banli demo` (small) in the test database, built once for this module inside a transaction that
    is rolled back when the module is done; each test's own changes are rolled back after it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer._from_testcase = True  # services may open durable blocks inside, as in a TestCase
        outer.__enter__()
        try:
            remove_cast()  # the demo city's names would collide with the cast's
            real_build = demo.build
            with (
                mock.patch("banli.demo.management.commands.demo.build", lambda: real_build(scale=0.15)),
                override_settings(
                    PASSWORD_HASHERS=FAST_HASHERS,
                    BANLI_2FA_REQUIRED_ROLES=SECURE_2FA_ROLES,
                    BANLI_FORCE_PASSWORD_CHANGE=True,
                ),
            ):
                out = StringIO()
                call_command("demo", stdout=out)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            connection.close()


@pytest.fixture
def small_demo(_demo_city, db, settings):
    """What `banli demo` printed; the production defaults (the suite's conftest relaxes them for
    force_login tests)."""
    settings.BANLI_2FA_REQUIRED_ROLES = SECURE_2FA_ROLES
    settings.BANLI_FORCE_PASSWORD_CHANGE = True
    return _demo_city


def test_demo_prints_every_login_and_is_idempotent(small_demo):
    for username, *_ in demo.LOGINS:
        assert username in small_demo
    assert demo.PASSWORD in small_demo and demo.DEMO_TOTP_SECRET in small_demo
    count = Proposal.objects.count()
    again = StringIO()
    call_command("demo", stdout=again)
    assert "未重复载入" in again.getvalue() and Proposal.objects.count() == count


def test_demo_has_cases_at_every_stage(small_demo):
    statuses = set(with_status(Proposal.objects.all()).values_list("status", flat=True))
    assert {"submitted", "to_assign", "in_handling", "replied", "closed"} <= statuses
    states = set(Assignment.objects.values_list("state", flat=True))
    assert {AssignmentState.PENDING_SIGN, AssignmentState.HANDLING, AssignmentState.CLOSED} <= states


def test_every_demo_login_signs_in_through_the_login_form(small_demo, client):
    """The real sign-in: password, then (for the roles that need it) the demo's authenticator code."""
    from banli.orgs.models import User
    from banli.security.services import totp_required

    for username, *_ in demo.LOGINS:
        client.logout()
        resp = client.post("/login/", {"username": username, "password": demo.PASSWORD})
        assert resp.status_code == 302, (username, resp.content.decode()[:300])
        home = client.get("/", follow=True)
        if totp_required(User.objects.get(username=username)):
            gate = home.redirect_chain[-1][0]
            assert "/security/" in gate, (username, home.redirect_chain)
            client.post(gate, {"code": demo.demo_totp_code(username)})
            home = client.get("/", follow=True)
        assert home.status_code == 200, username
        path = home.request["PATH_INFO"]
        assert "/login/" not in path and "/security/" not in path, (username, path)


def test_demo_deputy_sees_own_proposals_only(small_demo):
    from banli.orgs.models import User

    deputy = User.objects.get(username="deputy")
    mine = proposals_visible_to(deputy)
    assert mine.exists()
    assert all(
        p.lead.user_id == deputy.pk or p.cosigners.filter(user=deputy).exists() or p.merged_from.exists() for p in mine
    )


def test_totp_code_is_only_printed_for_demo_accounts(small_demo):
    from banli.orgs.models import User
    from banli.security.models import TOTPDevice

    real = User.objects.get(username="npc_staff")
    TOTPDevice.objects.filter(user=real).update(secret=pyotp.random_base32())
    assert demo.demo_totp_code("npc_staff") is None
    assert demo.demo_totp_code("gx_handler") is None  # no 2FA device at all


def test_demo_public_site_has_published_replies(small_demo, client):
    from banli.portal.models import Publication, PublicationState

    titles = set(
        Publication.objects.filter(state=PublicationState.PUBLISHED).values_list(
            "reply__assignment__proposal__title", flat=True
        )
    )
    assert titles
    page = client.get("/public/replies/").content.decode()
    assert any(t in page for t in titles)
