"""The inbox, email and SMS adapters behind notify()."""

import logging

import pytest
from django.core import mail

from banli.cases.models import ReviewState
from banli.cases.services import proposal_register, proposal_review
from banli.notify.models import Notification, NotificationPreference
from banli.notify.services import notify


@pytest.fixture
def proposal(cast):
    p = proposal_register(
        actor=cast.staff_npc, session=cast.npc_session, title="关于加快数字经济发展的建议", lead=cast.deputy
    )
    return proposal_review(actor=cast.staff_npc, proposal=p, decision=ReviewState.ACCEPTED)


def test_notify_writes_inbox_rows_linking_to_the_case(cast, proposal):
    rows = notify(users=[cast.liaison_gx, cast.leader_gx], verb="test", text="请及时签收", proposal=proposal)
    assert {n.user for n in rows} == {cast.liaison_gx, cast.leader_gx}
    assert all(n.url == f"/cases/{proposal.pk}/" for n in rows)


def test_same_dedupe_key_reaches_each_user_once(cast, proposal):
    notify(users=[cast.liaison_gx], verb="test", text="第一次", proposal=proposal, dedupe_key="k1")
    again = notify(
        users=[cast.liaison_gx, cast.leader_gx], verb="test", text="第二次", proposal=proposal, dedupe_key="k1"
    )
    assert [n.user for n in again] == [cast.leader_gx]
    assert Notification.objects.filter(user=cast.liaison_gx).count() == 1


def test_inactive_users_are_skipped(cast, proposal):
    cast.handler_gx.is_active = False
    cast.handler_gx.save()
    assert notify(users=[cast.handler_gx], verb="test", text="x", proposal=proposal) == []


def test_email_goes_out_after_commit_to_users_with_an_address(cast, proposal, django_capture_on_commit_callbacks):
    cast.liaison_gx.email = "lly@example.cn"
    cast.liaison_gx.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[cast.liaison_gx, cast.leader_gx], verb="test", text="请及时签收", proposal=proposal)
    assert [m.to for m in mail.outbox] == [["lly@example.cn"]]
    assert f"/cases/{proposal.pk}/" in mail.outbox[0].body


def test_email_can_be_turned_off_and_sms_on_goes_to_the_log(
    cast, proposal, django_capture_on_commit_callbacks, caplog
):
    u = cast.liaison_gx
    u.email, u.phone = "lly@example.cn", "13800000000"
    u.save()
    NotificationPreference.objects.create(user=u, email=False, sms=True)
    with caplog.at_level(logging.WARNING, logger="banli.notify"), django_capture_on_commit_callbacks(execute=True):
        notify(users=[u], verb="test", text="请及时签收", proposal=proposal)
    assert mail.outbox == []
    assert "13800000000" in caplog.text and "请及时签收" in caplog.text
    assert Notification.objects.get(user=u).texted is True


def test_inbox_shows_only_own_messages_and_opening_marks_read(cast, proposal, login):
    (mine,) = notify(users=[cast.liaison_gx], verb="test", text="请及时签收本件", proposal=proposal)
    (theirs,) = notify(users=[cast.liaison_sw], verb="test", text="商务局的消息", proposal=proposal)
    c = login(cast.liaison_gx)
    page = c.get("/deadlines/inbox/").content.decode()
    assert "请及时签收本件" in page and "商务局的消息" not in page
    assert c.get(f"/deadlines/inbox/{theirs.pk}/").status_code == 404
    r = c.get(f"/deadlines/inbox/{mine.pk}/")
    assert r.status_code == 302 and r.url == f"/cases/{proposal.pk}/"
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None


def test_read_all_and_preferences(cast, proposal, login):
    notify(users=[cast.liaison_gx], verb="test", text="一", proposal=proposal)
    notify(users=[cast.liaison_gx], verb="test", text="二", proposal=proposal)
    c = login(cast.liaison_gx)
    c.post("/deadlines/inbox/read-all/")
    assert not Notification.objects.filter(user=cast.liaison_gx, read_at__isnull=True).exists()
    c.post("/deadlines/inbox/preferences/", {"sms": "on"})
    pref = NotificationPreference.objects.get(user=cast.liaison_gx)
    assert (pref.email, pref.sms) == (False, True)


def test_inbox_badge_counts_unread(cast, proposal, rf):
    from django.template import Context, Template

    notify(users=[cast.liaison_gx], verb="test", text="一", proposal=proposal)
    req = rf.get("/")
    req.user = cast.liaison_gx
    html = Template("{% load notify_tags %}{% inbox_badge %}").render(Context({"request": req}))
    assert "/deadlines/inbox/" in html and ">1<" in html
