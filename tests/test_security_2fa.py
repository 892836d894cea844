"""Two-factor authentication (等保2.0 §8.1.4.1 d: two or more authentication techniques; ASVS V2.8)."""

import datetime as dt

import pyotp
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from banli.audit.models import AuditEvent
from banli.security import services
from banli.security.matrix import permission_matrix
from banli.security.models import TOTPDevice

REQUIRED = ["sysadmin", "secadmin", "auditor", "body_staff", "coordinator"]


@pytest.fixture(autouse=True)
def _require_2fa(settings):
    settings.BANLI_2FA_REQUIRED_ROLES = REQUIRED


def sign_in(client, username, password):
    r = client.post(reverse("web:login"), {"username": username, "password": password})
    assert r.status_code == 302, r.context and r.context.get("error")
    return r


def code(secret, when=None):
    return pyotp.TOTP(secret).at(when or timezone.now())


def enrol(client, user, when=None):
    client.get(reverse("security:2fa_setup"))
    secret = TOTPDevice.objects.get(user=user).secret
    r = client.post(reverse("security:2fa_setup"), {"code": code(secret, when)})
    assert r.status_code == 302
    return secret


def plain_get_routes(role):
    """GET routes the role may use and that take no URL arguments."""
    from django.urls import NoReverseMatch

    out = []
    for name, cell in permission_matrix().items():
        if name.startswith("security:2fa") or name in ("web:logout", "web:login"):
            continue
        roles = cell.get("GET", set())
        if role in roles or "authenticated" in roles:
            try:
                out.append(reverse(name))
            except NoReverseMatch:
                continue
    return out


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["staff_npc", "coordinator", "sysadmin", "secadmin", "auditor"])
def test_required_roles_reach_no_protected_page_before_the_second_factor(client, cast, username):
    user = getattr(cast, username)
    sign_in(client, username, cast.password)
    role = next(iter(user.roles))
    urls = plain_get_routes(role)
    assert urls, "the role should have pages to probe"
    for url in urls:
        r = client.get(url)
        assert r.status_code == 302 and r["Location"].startswith(reverse("security:2fa_setup")), url


@pytest.mark.django_db
def test_enrolment_then_every_login_asks_for_a_code(client, cast):
    sign_in(client, "staff_npc", cast.password)
    secret = enrol(client, cast.staff_npc)
    assert client.get(reverse("cases:list")).status_code == 200
    assert AuditEvent.objects.filter(verb="auth.2fa_enrol", actor=cast.staff_npc).exists()
    client.post(reverse("web:logout"))

    other = Client()
    sign_in(other, "staff_npc", cast.password)
    r = other.get(reverse("cases:list"))
    assert r.status_code == 302 and r["Location"].startswith(reverse("security:2fa_verify"))
    later = timezone.now() + dt.timedelta(seconds=60)
    r = other.post(reverse("security:2fa_verify"), {"code": code(secret, later)})
    # A code two steps ahead is outside the allowed drift.
    assert r.status_code == 200 and other.get(reverse("cases:list")).status_code == 302
    r = other.post(
        reverse("security:2fa_verify") + "?next=/cases/",
        {"code": code(secret, timezone.now() + dt.timedelta(seconds=30))},
    )
    assert r.status_code == 302
    assert other.get(reverse("cases:list")).status_code == 200


@pytest.mark.django_db
def test_each_code_works_once(client, cast):
    sign_in(client, "coordinator", cast.password)
    t = timezone.now()
    secret = enrol(client, cast.coordinator, when=t)  # uses the code of t's step
    c2 = Client()
    sign_in(c2, "coordinator", cast.password)
    r = c2.post(reverse("security:2fa_verify"), {"code": code(secret, t)})
    assert r.status_code == 200
    assert "已使用过" in str(r.context["form"].errors)
    assert c2.get(reverse("cases:list")).status_code == 302


@pytest.mark.django_db
def test_wrong_codes_count_as_login_failures_and_lock(client, cast):
    sign_in(client, "staff_npc", cast.password)
    enrol(client, cast.staff_npc)
    c2 = Client()
    sign_in(c2, "staff_npc", cast.password)
    for _ in range(5):
        c2.post(reverse("security:2fa_verify"), {"code": "000000"})
    assert services.lockout_active("staff_npc") is not None
    # The lock ended every session, including the already verified one.
    assert client.get(reverse("cases:list")).status_code == 302
    assert c2.get(reverse("cases:list")).status_code == 302


@pytest.mark.django_db
def test_optional_for_other_roles_but_enforced_once_enrolled(client, cast):
    sign_in(client, "liaison_gx", cast.password)
    assert client.get(reverse("cases:list")).status_code == 200  # no device, not required
    enrol(client, cast.liaison_gx)
    client.post(reverse("web:logout"))
    sign_in(client, "liaison_gx", cast.password)
    r = client.get(reverse("cases:list"))
    assert r.status_code == 302 and r["Location"].startswith(reverse("security:2fa_verify"))


@pytest.mark.django_db
def test_secret_is_encrypted_at_rest(client, cast):
    sign_in(client, "staff_npc", cast.password)
    secret = enrol(client, cast.staff_npc)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT secret FROM security_totpdevice")
        raw = cur.fetchone()[0]
    assert raw.startswith("sm4gcm:1:") and secret not in raw


@pytest.mark.django_db
def test_secadmin_resets_a_lost_device_and_sysadmin_cannot(client, cast):
    sign_in(client, "liaison_gx", cast.password)
    enrol(client, cast.liaison_gx)
    from banli.errors import DomainError

    with pytest.raises(DomainError):
        services.totp_reset(actor=cast.sysadmin, user=cast.liaison_gx)
    assert TOTPDevice.objects.filter(user=cast.liaison_gx).exists()
    services.totp_reset(actor=cast.secadmin, user=cast.liaison_gx)
    assert not TOTPDevice.objects.filter(user=cast.liaison_gx).exists()
    assert client.get(reverse("cases:list")).status_code == 302  # sessions ended
