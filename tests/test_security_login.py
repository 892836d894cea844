"""Login failures, lockout and throttling (等保2.0 §8.1.4.1 c; ASVS V2.2.1)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from banli.audit.models import AuditEvent
from banli.errors import DomainError
from banli.security import services
from banli.security.models import Lockout, LoginAttempt


def post_login(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("web:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_correct_password_signs_in_and_is_audited(client, cast):
    r = post_login(client, "liaison_gx", cast.password)
    assert r.status_code == 302
    assert client.get(reverse("cases:list")).status_code == 200
    assert AuditEvent.objects.filter(verb="auth.login", actor=cast.liaison_gx).exists()


@pytest.mark.django_db
def test_unknown_and_known_users_get_the_same_message(client, cast):
    known = post_login(client, "liaison_gx", "wrong-Password1")
    unknown = post_login(client, "nobody_here", "wrong-Password1")
    assert known.status_code == unknown.status_code == 200
    assert known.context["error"] == unknown.context["error"]
    assert "用户名或密码错误" in known.context["error"]


@pytest.mark.django_db
def test_five_failures_lock_the_account_for_thirty_minutes(client, cast):
    for _ in range(5):
        post_login(client, "liaison_gx", "wrong-Password1")
    assert Lockout.objects.filter(username="liaison_gx").exists()
    # Even the right password is refused while locked, with the lockout message.
    r = post_login(client, "liaison_gx", cast.password)
    assert "锁定" in r.context["error"]
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(verb="auth.locked", object_id="liaison_gx").exists()


@pytest.mark.django_db
def test_four_failures_do_not_lock(client, cast):
    for _ in range(4):
        post_login(client, "liaison_gx", "wrong-Password1")
    r = post_login(client, "liaison_gx", cast.password)
    assert r.status_code == 302
    assert not Lockout.objects.exists()


@pytest.mark.django_db
def test_unknown_username_locks_the_same_way(client, cast):
    msgs = [post_login(client, "ghost", "wrong-Password1").context["error"] for _ in range(6)]
    assert "锁定" in msgs[-1]
    known = [post_login(client, "leader_gx", "wrong-Password1").context["error"] for _ in range(6)]
    assert msgs == known


@pytest.mark.django_db
def test_lock_expires_after_thirty_minutes(client, cast, monkeypatch):
    for _ in range(5):
        post_login(client, "liaison_gx", "wrong-Password1")
    later = timezone.now() + dt.timedelta(minutes=31)
    monkeypatch.setattr(timezone, "now", lambda: later)
    r = post_login(client, "liaison_gx", cast.password)
    assert r.status_code == 302


@pytest.mark.django_db
def test_failures_older_than_fifteen_minutes_do_not_count(client, cast, monkeypatch):
    for _ in range(4):
        post_login(client, "liaison_gx", "wrong-Password1")
    later = timezone.now() + dt.timedelta(minutes=16)
    monkeypatch.setattr(timezone, "now", lambda: later)
    post_login(client, "liaison_gx", "wrong-Password1")
    assert not Lockout.objects.exists()


@pytest.mark.django_db
def test_per_address_throttle(client, cast, settings):
    settings.BANLI_IP_MAX_FAILURES = 8
    for i in range(8):
        post_login(client, f"user{i}", "wrong-Password1", ip="10.9.9.9")
    r = post_login(client, "liaison_gx", cast.password, ip="10.9.9.9")
    assert "过多" in r.context["error"]
    assert "_auth_user_id" not in client.session
    # Another address is not affected.
    assert post_login(client, "liaison_gx", cast.password, ip="10.9.9.10").status_code == 302


@pytest.mark.django_db
def test_api_token_login_counts_towards_the_same_lockout(client, cast):
    """The API's token login calls the same service with channel="api"."""
    for _ in range(3):
        with pytest.raises(DomainError):
            services.login_authenticate(username="liaison_gx", password="bad", ip="10.0.0.2", channel="api")
    for _ in range(2):
        post_login(client, "liaison_gx", "wrong-Password1")
    with pytest.raises(services.LoginRefused, match="锁定"):
        services.login_authenticate(username="liaison_gx", password=cast.password, ip="10.0.0.2", channel="api")
    assert LoginAttempt.objects.filter(channel="api").count() == 4


@pytest.mark.django_db
def test_failed_logins_are_audited_with_address(client, cast):
    post_login(client, "liaison_gx", "wrong-Password1", ip="10.1.2.3")
    e = AuditEvent.objects.get(verb="auth.login_failed")
    assert e.object_id == "liaison_gx" and e.ip == "10.1.2.3"


@pytest.mark.django_db
def test_secadmin_can_release_a_lock_and_others_cannot(client, cast):
    for _ in range(5):
        post_login(client, "liaison_gx", "wrong-Password1")
    with pytest.raises(DomainError):
        services.lockout_release(actor=cast.sysadmin, username="liaison_gx")
    assert services.lockout_active("liaison_gx") is not None
    services.lockout_release(actor=cast.secadmin, username="liaison_gx")
    assert services.lockout_active("liaison_gx") is None
    assert post_login(client, "liaison_gx", cast.password).status_code == 302


@pytest.mark.django_db
def test_disabled_account_cannot_sign_in(client, cast):
    services.user_set_active(actor=cast.sysadmin, user=cast.handler_gx, active=False)
    r = post_login(client, "handler_gx", cast.password)
    assert "用户名或密码错误" in r.context["error"]


@pytest.mark.django_db
def test_open_redirect_is_refused(client, cast):
    r = client.post(
        reverse("web:login"), {"username": "liaison_gx", "password": cast.password, "next": "https://evil.example/"}
    )
    assert r.status_code == 302 and not r["Location"].startswith("https://evil")


@pytest.mark.django_db
def test_client_address_behind_a_trusted_proxy(client, cast, settings):
    """Behind the load balancer the throttle and the audit see the user's address, not the proxy's;
    a forged X-Forwarded-For from an untrusted peer is ignored."""
    settings.BANLI_TRUSTED_PROXIES = ["10.0.0.9"]
    client.post(
        reverse("web:login"),
        {"username": "liaison_gx", "password": "bad-Pass1"},
        REMOTE_ADDR="10.0.0.9",
        HTTP_X_FORWARDED_FOR="203.0.113.7, 10.0.0.9",
    )
    client.post(
        reverse("web:login"),
        {"username": "liaison_gx", "password": "bad-Pass1"},
        REMOTE_ADDR="198.51.100.1",
        HTTP_X_FORWARDED_FOR="203.0.113.99",
    )
    assert list(LoginAttempt.objects.order_by("at").values_list("ip", flat=True)) == ["203.0.113.7", "198.51.100.1"]
    assert AuditEvent.objects.filter(verb="auth.login_failed", ip="203.0.113.7").exists()
