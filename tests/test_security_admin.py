"""三权分立 (等保2.0 §8.1.4.2 a–d): sysadmin, secadmin and auditor with disjoint powers."""

import pytest
from django.core.checks import run_checks
from django.urls import reverse

from banli.audit.models import AuditEvent
from banli.cases.selectors import assignments_visible_to, proposals_visible_to, sessions_visible_to
from banli.cases.services import proposal_register
from banli.errors import DomainError
from banli.orgs.models import RoleGrant, User
from banli.security import services
from banli.security.checks import check_no_superuser
from banli.security.matrix import permission_matrix

ADMINS = ("sysadmin", "secadmin", "auditor")


def routes_of(role):
    return {name for name, cell in permission_matrix().items() if any(role in roles for roles in cell.values())}


def test_the_three_admin_roles_share_no_route():
    sys_, sec, aud = (routes_of(r) for r in ADMINS)
    assert sys_ and sec and aud
    assert not (sys_ & sec) and not (sys_ & aud) and not (sec & aud)


def test_admin_roles_have_no_case_routes():
    for role in ADMINS:
        assert not any(
            n.split(":")[0] in ("cases", "handling", "ledger", "stats", "reports") for n in routes_of(role)
        ), role


@pytest.mark.django_db
def test_admin_roles_get_no_case_data(cast):
    proposal_register(
        actor=cast.staff_npc, session=cast.npc_session, title="关于加强中小企业融资服务的建议", lead=cast.deputy
    )
    for who in ADMINS:
        u = getattr(cast, who)
        assert not proposals_visible_to(u).exists()
        assert not assignments_visible_to(u).exists()
        assert not sessions_visible_to(u).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ADMINS)
def test_admin_roles_are_refused_the_case_pages(cast, login, who):
    c = login(getattr(cast, who))
    assert c.get(reverse("cases:list")).status_code == 403
    assert c.get(reverse("cases:detail", args=[1])).status_code == 404


@pytest.mark.django_db
def test_sysadmin_creates_accounts_without_roles(cast, login):
    c = login(cast.sysadmin)
    r = c.post(
        reverse("security:user_create"),
        {"username": "clerk2", "full_name": "干事二", "org": cast.orgs.npc.pk, "password": "Tmp#2024abc"},
    )
    assert r.status_code == 302
    u = User.objects.get(username="clerk2")
    assert u.roles == frozenset()
    assert AuditEvent.objects.filter(verb="user.create", actor=cast.sysadmin).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["secadmin", "auditor", "staff_npc"])
def test_others_cannot_create_accounts(cast, login, who):
    r = login(getattr(cast, who)).post(
        reverse("security:user_create"),
        {"username": "clerk2", "full_name": "x", "org": cast.orgs.npc.pk, "password": "Tmp#2024abc"},
    )
    assert r.status_code == 403
    assert not User.objects.filter(username="clerk2").exists()
    with pytest.raises(DomainError):
        services.user_admin_create(
            actor=getattr(cast, who), username="clerk3", full_name="x", org=cast.orgs.npc, password="Tmp#2024abc"
        )
    assert not User.objects.filter(username="clerk3").exists()


@pytest.mark.django_db
def test_secadmin_grants_roles_through_the_page(cast, login):
    r = login(cast.secadmin).post(reverse("security:grant", args=[cast.outsider.pk]), {"role": "handler"})
    assert r.status_code == 302
    assert RoleGrant.objects.filter(user=cast.outsider, role="handler").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["sysadmin", "auditor", "staff_npc"])
def test_only_the_secadmin_grants_roles(cast, login, who):
    r = login(getattr(cast, who)).post(reverse("security:grant", args=[cast.outsider.pk]), {"role": "handler"})
    assert r.status_code == 404
    with pytest.raises(DomainError):
        services.role_grant(actor=getattr(cast, who), user=cast.outsider, role="handler")
    assert not RoleGrant.objects.filter(user=cast.outsider, role="handler").exists()
    assert not AuditEvent.objects.filter(verb="role.grant").exists()


@pytest.mark.django_db
def test_admin_roles_are_exclusive(cast):
    with pytest.raises(DomainError, match="三权分立"):
        services.role_grant(actor=cast.secadmin, user=cast.sysadmin, role="auditor")
    with pytest.raises(DomainError, match="三权分立"):
        services.role_grant(actor=cast.secadmin, user=cast.auditor, role="body_staff")
    with pytest.raises(DomainError, match="三权分立"):
        services.role_grant(actor=cast.secadmin, user=cast.staff_npc, role="auditor")
    assert cast.sysadmin.role_grants.count() == cast.auditor.role_grants.count() == 1


@pytest.mark.django_db
def test_secadmin_cannot_change_own_roles(cast):
    with pytest.raises(DomainError, match="自己"):
        services.role_revoke(actor=cast.secadmin, user=cast.secadmin, role="secadmin")
    assert cast.secadmin.role_grants.filter(role="secadmin").exists()


@pytest.mark.django_db
def test_check_fails_with_an_active_superuser_in_production(cast, settings):
    User.objects.filter(pk=cast.sysadmin.pk).update(is_superuser=True)
    settings.PRODUCTION = False
    assert not check_no_superuser()
    settings.PRODUCTION = True
    errors = check_no_superuser()
    assert [e.id for e in errors] == ["banli.security.E010"] and "sysadmin" in errors[0].msg
    assert any(e.id == "banli.security.E010" for e in run_checks(include_deployment_checks=True))
    User.objects.filter(pk=cast.sysadmin.pk).update(is_active=False)
    assert not check_no_superuser()


@pytest.mark.django_db
def test_check_flags_an_admin_with_a_second_role(cast, settings):
    settings.PRODUCTION = True
    RoleGrant.objects.create(user=cast.auditor, role="body_staff")  # bypassing the service
    assert [e.id for e in check_no_superuser()] == ["banli.security.E011"]


@pytest.mark.django_db
def test_admin_home_links_to_each_admins_own_tools(cast, login):
    assert "用户管理" in login(cast.sysadmin).get(reverse("web:home")).content.decode()
    body = login(cast.auditor).get(reverse("web:home")).content.decode()
    assert "审计日志" in body and "用户管理" not in body


@pytest.mark.django_db
def test_admin_pages_render(cast, login):
    assert login(cast.sysadmin).get(reverse("security:users")).status_code == 200
    assert login(cast.sysadmin).get(reverse("security:orgs")).status_code == 200
    assert login(cast.secadmin).get(reverse("security:grants")).status_code == 200
    assert login(cast.auditor).get(reverse("security:audit_log")).status_code == 200
