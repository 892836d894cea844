"""Server-side sessions: idle and absolute timeouts, ending every session (等保2.0 §8.1.4.1 b; ASVS V3.3)."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from banli.security import services
from banli.security.models import UserSession


def sign_in(client, username, password):
    r = client.post(reverse("web:login"), {"username": username, "password": password})
    assert r.status_code == 302
    return client


def shift(monkeypatch, **delta):
    later = timezone.now() + dt.timedelta(**delta)
    monkeypatch.setattr(timezone, "now", lambda: later)


def signed_out(resp):
    return resp.status_code == 302 and resp["Location"].startswith(reverse("web:login"))


@pytest.mark.django_db
def test_idle_for_thirty_minutes_signs_out(client, cast, monkeypatch):
    sign_in(client, "liaison_gx", cast.password)
    shift(monkeypatch, minutes=31)
    assert signed_out(client.get(reverse("cases:list")))


@pytest.mark.django_db
def test_activity_keeps_the_session(client, cast, monkeypatch):
    sign_in(client, "liaison_gx", cast.password)
    base = timezone.now()
    for minutes in (20, 40, 60):
        later = base + dt.timedelta(minutes=minutes)
        monkeypatch.setattr(timezone, "now", lambda later=later: later)
        assert client.get(reverse("cases:list")).status_code == 200


@pytest.mark.django_db
def test_admin_roles_time_out_after_fifteen_minutes(client, cast, monkeypatch):
    sign_in(client, "sysadmin", cast.password)
    other = sign_in(Client(), "liaison_gx", cast.password)
    shift(monkeypatch, minutes=16)
    assert signed_out(client.get(reverse("security:users")))
    assert other.get(reverse("cases:list")).status_code == 200


@pytest.mark.django_db
def test_absolute_timeout_after_twelve_hours_even_when_active(client, cast, monkeypatch):
    sign_in(client, "liaison_gx", cast.password)
    base = timezone.now()
    for minutes in range(20, 12 * 60, 20):
        later = base + dt.timedelta(minutes=minutes)
        monkeypatch.setattr(timezone, "now", lambda later=later: later)
        assert client.get(reverse("web:home")).status_code == 200  # 我的待办, still signed in
    later = base + dt.timedelta(hours=12, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert signed_out(client.get(reverse("cases:list")))


@pytest.mark.django_db
def test_logout_ends_every_session_of_the_user(cast):
    a = sign_in(Client(), "liaison_gx", cast.password)
    b = sign_in(Client(), "liaison_gx", cast.password)
    other_user = sign_in(Client(), "leader_gx", cast.password)
    a.post(reverse("web:logout"))
    assert signed_out(b.get(reverse("cases:list")))
    assert other_user.get(reverse("cases:list")).status_code == 200
    assert not UserSession.objects.filter(user=cast.liaison_gx, ended_at__isnull=True).exists()


@pytest.mark.django_db
def test_logout_requires_post(client, cast):
    sign_in(client, "liaison_gx", cast.password)
    client.get(reverse("web:logout"))
    assert client.get(reverse("cases:list")).status_code == 200


@pytest.mark.django_db
def test_disabling_an_account_ends_its_sessions_at_once(cast):
    victim = sign_in(Client(), "handler_gx", cast.password)
    admin = sign_in(Client(), "sysadmin", cast.password)
    r = admin.post(reverse("security:user_set_active", args=[cast.handler_gx.pk]), {"active": "0"})
    assert r.status_code == 302
    assert signed_out(victim.get(reverse("cases:list")))


@pytest.mark.django_db
def test_revoking_a_role_ends_the_users_sessions(cast):
    victim = sign_in(Client(), "handler_gx", cast.password)
    services.role_revoke(actor=cast.secadmin, user=cast.handler_gx, role="handler")
    assert signed_out(victim.get(reverse("cases:list")))


@pytest.mark.django_db
def test_session_key_changes_at_login(client, cast):
    client.get(reverse("web:login"))
    before = client.cookies.get("sessionid")
    sign_in(client, "liaison_gx", cast.password)
    assert client.cookies["sessionid"].value != (before.value if before else None)


@pytest.mark.django_db
def test_htmx_requests_are_told_to_redirect(client, cast, monkeypatch):
    sign_in(client, "liaison_gx", cast.password)
    shift(monkeypatch, minutes=31)
    r = client.get(reverse("cases:list"), HTTP_HX_REQUEST="true")
    assert r.status_code == 204 and r["HX-Redirect"].startswith(reverse("web:login"))


@pytest.mark.django_db
def test_user_sees_and_ends_other_sessions(cast):
    a = sign_in(Client(), "liaison_gx", cast.password)
    b = sign_in(Client(), "liaison_gx", cast.password)
    r = a.get(reverse("security:account"))
    assert r.status_code == 200 and "本设备" in r.content.decode() and len(r.context["sessions"]) == 2
    a.post(reverse("security:sessions_end_others"))
    assert signed_out(b.get(reverse("cases:list")))
    assert a.get(reverse("cases:list")).status_code == 200
