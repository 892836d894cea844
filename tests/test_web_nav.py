"""Navigation by role (banli/site/context.py) and the landing page."""

import pytest
from django.test import RequestFactory

from banli.site.context import nav


def labels(user):
    req = RequestFactory().get("/")
    req.user = user
    return [link["label"] for link in nav(req)["nav_links"]]


def test_body_staff_menu(cast):
    got = labels(cast.staff_npc)
    assert got[0] == "建议提案" and "登记" in got


@pytest.mark.parametrize("user", ["liaison_gx", "handler_gx", "coordinator"])
def test_unit_and_coordinator_menus_have_no_registration(cast, user):
    got = labels(getattr(cast, user))
    assert "建议提案" in got and "登记" not in got


def test_proposer_menu(cast):
    got = labels(cast.deputy_user)
    assert "我的建议提案" in got and "建议提案" not in got and "登记" not in got and "统计" not in got


@pytest.mark.parametrize("user", ["sysadmin", "secadmin", "auditor"])
def test_admins_get_no_case_links(cast, user):
    got = labels(getattr(cast, user))
    assert not {"建议提案", "我的建议提案", "登记", "检索"} & set(got)


def test_anonymous_gets_no_menu(db):
    from django.contrib.auth.models import AnonymousUser

    req = RequestFactory().get("/")
    req.user = AnonymousUser()
    assert nav(req)["nav_links"] == []


def test_menu_is_rendered_and_case_pages_light_up_the_list_entry(cast, login):
    from banli.cases.services import proposal_register

    p = proposal_register(actor=cast.staff_npc, session=cast.npc_session, title="关于某事的建议", lead=cast.deputy)
    body = login(cast.staff_npc).get(f"/cases/{p.pk}/").content.decode()
    assert '<a class="nav-link active" aria-current="page" href="/cases/">建议提案</a>' in body
    assert 'href="/cases/new/">登记</a>' in body
    assert 'href="/security/account/"' in body  # the user's name opens their account page


@pytest.mark.parametrize("user", ["staff_npc", "liaison_gx", "coordinator", "handler_gx"])
def test_case_roles_land_on_their_todo(cast, login, user):
    resp = login(getattr(cast, user)).get("/")
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "我的待办" in body and 'href="/cases/"' in body


def test_proposers_land_on_their_portal(cast, login):
    resp = login(cast.deputy_user).get("/")
    assert resp.status_code == 302 and resp["Location"] == "/portal/"
    assert 'href="/portal/">我的建议提案</a>' in login(cast.deputy_user).get("/portal/").content.decode()
