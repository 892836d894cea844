"""Disclosure review: units propose, the coordinator or body staff approve the redacted text, then it is public."""

from __future__ import annotations

import pytest
from django.urls import reverse

from banli.audit.models import AuditEvent
from banli.calendar.workdays import add_workdays
from banli.errors import Conflict, DomainError, NotFound
from banli.portal import services
from banli.portal.models import Publication, PublicationState

from .test_portal_world import PHONES, build_world, publish


@pytest.fixture
def world(cast):
    return build_world(cast)


def test_coordinator_publishes_redacted_text_with_computed_publish_date(cast, world):
    pub = publish(cast, world)
    assert pub.state == PublicationState.PUBLISHED
    assert pub.publish_on == add_workdays(world.r1.sent_on, 20)
    assert pub.published_on == services.today()
    assert pub.decided_by == cast.coordinator
    for phone in PHONES:
        assert phone not in pub.redacted_text
    for gone in ("zhangxm@gxj.example.cn", "6009号", "张小明"):
        assert gone not in pub.redacted_text
    assert "福田区深南大道【地址已隐去】" in pub.redacted_text
    assert {r["kind"] for r in pub.redactions} == {"phone", "email", "address", "name"}
    assert AuditEvent.objects.filter(
        verb="publication.published", assignment_id=world.p1_gx.pk, proposal_id=world.p1.pk
    ).exists()


def test_body_staff_of_the_body_may_publish(cast, world):
    assert publish(cast, world, actor=cast.staff_npc).state == PublicationState.PUBLISHED


@pytest.mark.parametrize(
    "who, error",
    [
        ("staff_cppcc", NotFound),
        ("liaison_sw", NotFound),
        ("deputy_user", NotFound),
        ("outsider", NotFound),
        ("sysadmin", NotFound),
        ("auditor", NotFound),
        ("handler_gx", NotFound),
        ("liaison_gx", DomainError),
        ("leader_gx", DomainError),
    ],
)
def test_others_cannot_publish_and_the_refusal_writes_nothing(cast, world, who, error):
    events = AuditEvent.objects.count()
    with pytest.raises(error):
        publish(cast, world, actor=getattr(cast, who))
    assert not Publication.objects.exists()
    assert AuditEvent.objects.count() == events


def test_reviewer_text_is_redacted_again_before_publishing(cast, world):
    pub = publish(cast, world, text="经审核的文本，咨询电话 0755-83334444，手机13987654321。")
    assert pub.redacted_text == "经审核的文本，咨询电话 【电话已隐去】，手机【电话已隐去】。"


def test_unit_proposes_private_with_a_reason_and_coordinator_agrees(cast, world):
    with pytest.raises(DomainError, match="不公开须选择理由"):
        services.publication_propose(actor=cast.liaison_gx, reply=world.r1, decision="private", reason="不想公开")
    assert not Publication.objects.exists()
    pub = services.publication_propose(actor=cast.liaison_gx, reply=world.r1, decision="private", reason="个人隐私")
    assert (pub.state, pub.proposed, pub.proposed_reason, pub.proposed_by) == (
        "pending",
        "private",
        "个人隐私",
        cast.liaison_gx,
    )
    with pytest.raises(DomainError, match="请写明具体原因"):
        services.publication_decide(actor=cast.coordinator, reply=world.r1, decision="private", reason="其他")
    pub = services.publication_decide(actor=cast.coordinator, reply=world.r1, decision="private", reason="个人隐私")
    assert pub.state == PublicationState.PRIVATE and pub.redacted_text == ""
    assert AuditEvent.objects.filter(verb="publication.private", assignment_id=world.p1_gx.pk).exists()


def test_other_units_cannot_propose(cast, world):
    with pytest.raises(NotFound):
        services.publication_propose(actor=cast.liaison_sw, reply=world.r1, decision="public")
    with pytest.raises(DomainError):
        services.publication_propose(actor=cast.coordinator, reply=world.r1, decision="public")
    assert not Publication.objects.exists()


def test_unit_cannot_change_its_proposal_once_published(cast, world):
    publish(cast, world)
    with pytest.raises(DomainError, match="不能再修改单位意见"):
        services.publication_propose(actor=cast.liaison_gx, reply=world.r1, decision="private", reason="个人隐私")


def test_withdraw_needs_a_reason_and_takes_the_reply_off_the_public_site(cast, world, client):
    pub = publish(cast, world)
    url = reverse("public:reply", args=[pub.pk])
    assert client.get(url).status_code == 200
    with pytest.raises(DomainError, match="须填写理由"):
        services.publication_withdraw(actor=cast.coordinator, reply=world.r1, reason=" ")
    pub = services.publication_withdraw(actor=cast.coordinator, reply=world.r1, reason="发现未隐去的姓名")
    assert pub.state == PublicationState.WITHDRAWN
    assert client.get(url).status_code == 404
    # Re-published after review: same stable URL.
    publish(cast, world, text="修改后的公开文本。")
    assert client.get(url).status_code == 200


def test_stale_version_is_refused(cast, world):
    pub = services.publication_propose(actor=cast.liaison_gx, reply=world.r1, decision="public")
    with pytest.raises(Conflict):
        services.publication_decide(
            actor=cast.coordinator, reply=world.r1, decision="published", version=pub.version + 5
        )
    pub.refresh_from_db()
    assert pub.state == PublicationState.PENDING


def test_correction_replaces_the_published_original(cast, world):
    from banli.handling.services import reply_correct

    old = publish(cast, world)
    new_reply = reply_correct(
        actor=cast.leader_gx, reply=world.r1, text="更正后的答复：新建厂房面积为125万平方米。", reason="面积数据有误"
    )
    new_pub = publish(cast, world, reply=new_reply)
    old.refresh_from_db()
    assert old.state == PublicationState.WITHDRAWN
    assert new_pub.redacted_text == "更正后的答复：新建厂房面积为125万平方米。"
    with pytest.raises(DomainError, match="已有更正版本"):
        publish(cast, world)
    old.refresh_from_db()
    assert old.state == PublicationState.WITHDRAWN


def test_review_page_shows_highlighted_redactions_and_originals(cast, world, login):
    resp = login(cast.coordinator).get(reverse("portal:disclosure_detail", args=[world.r1.pk]))
    assert resp.status_code == 200
    body = resp.content.decode()
    assert body.count('<mark class="redacted">') >= 5
    assert "13812345678" in body  # the reviewer sees what is removed
    assert "应公开日期" in body and "批准公开" in body


def test_review_queue_lists_pending_replies_with_due_date(cast, world, login):
    body = login(cast.coordinator).get(reverse("portal:disclosure")).content.decode()
    assert world.p1.title[:20] in body and world.p2.title[:10] in body
    publish(cast, world)
    body = login(cast.coordinator).get(reverse("portal:disclosure") + "?state=published").content.decode()
    assert world.p1.title[:20] in body and world.p2.title[:10] not in body
    # A unit sees only its own replies; another unit sees none of them.
    assert (
        world.p1.title[:20]
        not in login(cast.liaison_sw).get(reverse("portal:disclosure") + "?state=published").content.decode()
    )


def test_publish_through_the_review_form(cast, world, login):
    client = login(cast.coordinator)
    resp = client.post(
        reverse("portal:disclosure_decide", args=[world.r1.pk]),
        {"decision": "published", "redacted_text": "答复全文，电话13812345678。", "version": ""},
    )
    assert resp.status_code == 302
    pub = Publication.objects.get(reply=world.r1)
    assert pub.state == "published" and pub.redacted_text == "答复全文，电话【电话已隐去】。"
    resp = login(cast.liaison_gx).post(reverse("portal:disclosure_withdraw", args=[world.r1.pk]), {"reason": "x"})
    pub.refresh_from_db()
    assert pub.state == "published"
    assert resp.status_code == 404
