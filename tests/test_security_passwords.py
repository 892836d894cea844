"""Password policy (等保2.0 §8.1.4.1 a: complexity and periodic change; ASVS V2.1)."""

import datetime as dt
import itertools

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from banli.audit.models import AuditEvent
from banli.errors import DomainError
from banli.security import services
from banli.security.models import PasswordHistory, UserSecurity


def sign_in(client, username, password):
    r = client.post(reverse("web:login"), {"username": username, "password": password})
    assert r.status_code == 302, r.context and r.context.get("error")
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password, why",
    [
        ("Ab1!xyz", "short"),
        ("abcdefgh12", "two classes"),
        ("ABCDEFGH!!", "two classes"),
        ("Liaison_gx2024", "contains username"),
        ("Password123", "common"),
    ],
)
def test_weak_passwords_are_refused(cast, password, why):
    with pytest.raises(ValidationError):
        validate_password(password, cast.liaison_gx)


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["Qz7#mkpw", "qz7mkpw!r", "Zhengwu#Gx88"])
def test_good_passwords_pass(cast, password):
    validate_password(password, cast.liaison_gx)


@pytest.mark.django_db
def test_none_of_the_last_five_passwords_may_be_reused(cast):
    u = cast.liaison_gx
    chain = [cast.password, "Qz7#mkpw1", "Qz7#mkpw2", "Qz7#mkpw3", "Qz7#mkpw4", "Qz7#mkpw5"]
    for old, new in itertools.pairwise(chain):
        services.password_change(actor=u, old_password=old, new_password=new)
    for recent in chain[1:]:
        with pytest.raises(DomainError, match="最近 5 次"):
            services.password_change(actor=u, old_password=chain[-1], new_password=recent)
    # The sixth-last (the original) is allowed again.
    services.password_change(actor=u, old_password=chain[-1], new_password=cast.password)


@pytest.mark.django_db
def test_change_needs_the_current_password_and_writes_nothing_otherwise(cast):
    u = cast.liaison_gx
    before = PasswordHistory.objects.filter(user=u).count()
    with pytest.raises(DomainError, match="当前密码不正确"):
        services.password_change(actor=u, old_password="wrong", new_password="Qz7#mkpw9")
    u.refresh_from_db()
    assert u.check_password(cast.password)
    assert PasswordHistory.objects.filter(user=u).count() == before
    assert not AuditEvent.objects.filter(verb="auth.password_change").exists()


@pytest.mark.django_db
def test_first_login_forces_a_password_change(cast, settings):
    settings.BANLI_FORCE_PASSWORD_CHANGE = True
    u = services.user_admin_create(
        actor=cast.sysadmin, username="newclerk", full_name="新干事", org=cast.orgs.npc, password="Tmp#2024abc"
    )
    services.role_grant(actor=cast.secadmin, user=u, role="body_staff")
    c = sign_in(Client(), "newclerk", "Tmp#2024abc")
    for url in (reverse("cases:list"), reverse("web:home")):
        r = c.get(url)
        assert r.status_code == 302 and r["Location"] == reverse("security:password_change")
    r = c.post(
        reverse("security:password_change"),
        {"old_password": "Tmp#2024abc", "new_password": "Mine#2024xyz", "new_password2": "Mine#2024xyz"},
    )
    assert r.status_code == 302
    assert c.get(reverse("cases:list")).status_code == 200


@pytest.mark.django_db
def test_admin_reset_forces_a_change_and_ends_sessions(cast, settings):
    settings.BANLI_FORCE_PASSWORD_CHANGE = True
    UserSecurity.objects.filter(user=cast.handler_gx).update(must_change_password=False)
    c = sign_in(Client(), "handler_gx", cast.password)
    assert c.get(reverse("cases:list")).status_code == 200
    services.user_password_reset(actor=cast.sysadmin, user=cast.handler_gx, new_password="Reset#2024q")
    assert c.get(reverse("cases:list"))["Location"].startswith(reverse("web:login"))
    c = sign_in(Client(), "handler_gx", "Reset#2024q")
    assert c.get(reverse("cases:list"))["Location"] == reverse("security:password_change")


@pytest.mark.django_db
def test_password_expires_after_ninety_days(cast, settings):
    settings.BANLI_PASSWORD_MAX_AGE_DAYS = 90
    c = sign_in(Client(), "handler_gx", cast.password)
    UserSecurity.objects.filter(user=cast.handler_gx).update(
        password_changed_at=timezone.now() - dt.timedelta(days=89)
    )
    assert c.get(reverse("cases:list")).status_code == 200
    UserSecurity.objects.filter(user=cast.handler_gx).update(
        password_changed_at=timezone.now() - dt.timedelta(days=91)
    )
    r = c.get(reverse("cases:list"))
    assert r.status_code == 302 and r["Location"] == reverse("security:password_change")


@pytest.mark.django_db
def test_the_forced_change_page_shows_why_and_the_rules(cast, settings):
    settings.BANLI_FORCE_PASSWORD_CHANGE = True
    c = sign_in(Client(), "handler_gx", cast.password)
    r = c.get(reverse("security:password_change"))
    body = r.content.decode()
    assert "首次登录" in body and "至少 3 类" in body


@pytest.mark.django_db
def test_sysadmin_cannot_reset_an_admin_account(cast):
    for target in (cast.auditor, cast.secadmin):
        with pytest.raises(DomainError, match="管理员账户"):
            services.user_password_reset(actor=cast.sysadmin, user=target, new_password="Reset#2024q")
    cast.auditor.refresh_from_db()
    assert cast.auditor.check_password(cast.password)


@pytest.mark.django_db
def test_only_the_sysadmin_resets_passwords(cast):
    for actor in (cast.secadmin, cast.auditor, cast.staff_npc):
        with pytest.raises(DomainError):
            services.user_password_reset(actor=actor, user=cast.handler_gx, new_password="Reset#2024q")
    assert not AuditEvent.objects.filter(verb="user.password_reset").exists()
