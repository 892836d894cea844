"""The proposer portal (SPEC §6): own proposals only, timeline without internal data, evaluation,
messages recorded as contacts, interim submission."""

from __future__ import annotations

import pytest
from django.urls import reverse

from banli.audit.models import AuditEvent
from banli.cases.models import AssignmentState, Channel, Contact, ContactMethod, Evaluation, Proposal, ReviewState
from banli.errors import DomainError, NotFound
from banli.portal import services
from banli.portal.models import PortalMessage
from banli.portal.selectors import portal_proposals

from .test_portal_world import SECRETS, build_world


@pytest.fixture
def world(cast):
    return build_world(cast)


def test_deputy_sees_exactly_own_and_cosigned_proposals(cast, world):
    assert set(portal_proposals(cast.deputy_user)) == {world.p1}
    assert set(portal_proposals(cast.cosigner_user)) == {world.p1, world.p3}
    assert set(portal_proposals(cast.outsider)) == {world.p2}
    assert list(portal_proposals(cast.member_user)) == []
    # Staff roles see nothing in the portal: it is not their case list.
    assert list(portal_proposals(cast.staff_npc)) == []


def test_portal_home_lists_own_proposals_only(cast, world, login):
    resp = login(cast.deputy_user).get(reverse("portal:home"))
    assert resp.status_code == 200
    body = resp.content.decode()
    assert world.p1.title in body
    assert world.p2.title not in body and world.p3.title not in body


def test_another_proposers_proposal_is_404(cast, world, login):
    client = login(cast.deputy_user)
    assert client.get(reverse("portal:proposal", args=[world.p2.pk])).status_code == 404
    assert client.get(reverse("portal:proposal", args=[world.p3.pk])).status_code == 404
    assert client.get(reverse("portal:proposal", args=[999999])).status_code == 404
    assert client.get(reverse("portal:evaluate", args=[world.p2_gx.pk])).status_code == 404
    assert client.get(reverse("portal:reply_letter", args=[world.r2.pk])).status_code == 404


def test_proposal_page_shows_timeline_reply_and_contact_person_but_nothing_internal(cast, world, login):
    resp = login(cast.cosigner_user).get(reverse("portal:proposal", args=[world.p1.pk]))
    assert resp.status_code == 200
    body = resp.content.decode()
    for shown in (
        "交办",
        "签收",
        "沟通（办前）",
        "上门走访",
        "会办单位市商务局已向主办单位提交会办意见",
        "市工业和信息化局",
        "答复（A类）",
        "张小明",
        "0755-88776655",
    ):
        assert shown in body, shown
    assert "王代表：您提出的关于支持中小企业工业上楼的建议收悉" in body
    for key in (
        "contact summary",
        "co-opinion",
        "return comment",
        "draft",
        "unpublished reply",
        "unpublished contact person",
    ):
        assert SECRETS[key] not in body, key
    assert "初稿" not in body  # the first draft of the reply
    assert "刘经办" not in body  # contact participants (staff) are not shown


def test_merged_proposer_follows_the_main_proposal(cast, world, login):
    from banli.cases.services import proposal_register, proposal_review

    dup = proposal_register(
        actor=cast.staff_npc,
        session=cast.npc_session,
        title="关于龙华厂区搬迁的建议",
        lead=cast.deputy,
        content="内容",
    )
    proposal_review(actor=cast.staff_npc, proposal=dup, decision=ReviewState.MERGED, merge_into=world.p2)
    assert set(portal_proposals(cast.deputy_user)) == {world.p1, dup, world.p2}
    resp = login(cast.deputy_user).get(reverse("portal:proposal", args=[dup.pk]))
    assert "已并入" in resp.content.decode()


def test_evaluation_from_portal_unsatisfied_puts_unit_into_rehandling(cast, world, login):
    client = login(cast.deputy_user)
    url = reverse("portal:evaluate", args=[world.p1_gx.pk])
    assert client.get(url).status_code == 200
    form = {
        "attitude": "satisfied",
        "result": "unsatisfied",
        "visited": "yes",
        "heard_via": "走访",
        "addresses": "基本针对",
        "leader_replied": "yes",
        "verdict": "unsatisfied",
        "comment": "厂房租金补贴未落实",
    }
    resp = client.post(url, form)
    assert resp.status_code == 302
    world.p1_gx.refresh_from_db()
    assert world.p1_gx.state == AssignmentState.REHANDLING
    assert world.p1_gx.rehandling_due is not None
    e = Evaluation.objects.get(assignment=world.p1_gx)
    assert (e.verdict, e.proposer, e.comment) == ("unsatisfied", cast.deputy, "厂房租金补贴未落实")
    assert AuditEvent.objects.filter(verb="evaluation.submit", assignment_id=world.p1_gx.pk).exists()
    page = client.get(reverse("portal:proposal", args=[world.p1.pk])).content.decode()
    assert "重新办理" in page
    # Evaluated once: the form is refused the second time and nothing more is written.
    resp = client.post(url, form)
    assert resp.status_code == 200
    assert Evaluation.objects.filter(assignment=world.p1_gx).count() == 1


def test_evaluation_satisfied_closes_and_unsatisfied_needs_a_reason(cast, world, login):
    client = login(cast.deputy_user)
    url = reverse("portal:evaluate", args=[world.p1_gx.pk])
    resp = client.post(
        url,
        {
            "attitude": "satisfied",
            "result": "unsatisfied",
            "visited": "no",
            "heard_via": "电话",
            "addresses": "针对",
            "leader_replied": "yes",
            "verdict": "unsatisfied",
            "comment": "",
        },
    )
    assert resp.status_code == 200
    assert "请写明不满意的原因" in resp.content.decode()
    assert not Evaluation.objects.exists()
    client.post(
        url,
        {
            "attitude": "satisfied",
            "result": "satisfied",
            "visited": "yes",
            "heard_via": "走访",
            "addresses": "针对",
            "leader_replied": "yes",
            "verdict": "satisfied",
        },
    )
    world.p1_gx.refresh_from_db()
    assert world.p1_gx.state == AssignmentState.CLOSED


def test_co_unit_is_not_evaluated_and_outsider_cannot_evaluate(cast, world, login):
    resp = login(cast.deputy_user).post(
        reverse("portal:evaluate", args=[world.p1_sw.pk]),
        {
            "attitude": "satisfied",
            "result": "satisfied",
            "visited": "yes",
            "heard_via": "走访",
            "addresses": "针对",
            "leader_replied": "yes",
            "verdict": "satisfied",
        },
    )
    assert resp.status_code == 200 and "会办单位不直接答复" in resp.content.decode()
    resp = login(cast.outsider).post(reverse("portal:evaluate", args=[world.p1_gx.pk]), {"verdict": "satisfied"})
    assert resp.status_code == 404
    assert not Evaluation.objects.exists()


def test_message_to_unit_is_answered_in_portal_and_recorded_as_contact(cast, world, login):
    client = login(cast.deputy_user)
    resp = client.post(reverse("portal:message_send", args=[world.p1_gx.pk]), {"text": "请问厂房补贴何时兑现？"})
    assert resp.status_code == 302
    m = PortalMessage.objects.get()
    assert (m.proposer, m.assignment) == (cast.deputy, world.p1_gx)
    # The unit's liaison sees it and answers; the answer is a 书面 contact of the assignment.
    inbox = login(cast.liaison_gx).get(reverse("portal:unit_messages")).content.decode()
    assert "请问厂房补贴何时兑现？" in inbox
    before = Contact.objects.filter(assignment=world.p1_gx).count()
    resp = login(cast.liaison_gx).post(reverse("portal:message_answer", args=[m.pk]), {"text": "预计下月兑现。"})
    assert resp.status_code == 302
    m.refresh_from_db()
    assert m.answer == "预计下月兑现。" and m.contact is not None
    assert Contact.objects.filter(assignment=world.p1_gx).count() == before + 1
    assert m.contact.method == ContactMethod.WRITTEN and "请问厂房补贴何时兑现？" in m.contact.summary
    page = login(cast.deputy_user).get(reverse("portal:proposal", args=[world.p1.pk])).content.decode()
    assert "预计下月兑现。" in page


def test_message_refused_for_foreign_assignment_and_other_units(cast, world, login):
    resp = login(cast.outsider).post(reverse("portal:message_send", args=[world.p1_gx.pk]), {"text": "我想问问"})
    assert resp.status_code == 404
    assert not PortalMessage.objects.exists()
    m = services.message_send(actor=cast.deputy_user, assignment=world.p1_gx, text="请问进度")
    # Another unit's liaison cannot see or answer it; a leader may read but not answer.
    assert (
        login(cast.liaison_sw).post(reverse("portal:message_answer", args=[m.pk]), {"text": "答"}).status_code == 404
    )
    assert "请问进度" not in login(cast.liaison_sw).get(reverse("portal:unit_messages")).content.decode()
    with pytest.raises(NotFound):
        services.message_answer(actor=cast.liaison_sw, message=m, text="答")
    m.refresh_from_db()
    assert m.answered_at is None and m.contact is None


def test_interim_submission_lands_in_review_queue(cast, world, login):
    client = login(cast.deputy_user)
    assert client.get(reverse("portal:submit")).status_code == 200
    resp = client.post(
        reverse("portal:submit"),
        {
            "title": "关于增设社区托育点的建议",
            "content": "目前社区托育资源不足，建议在新建住宅小区配建托育点，并给予运营补贴。",
            "topic": "民生",
            "cosigners": "李代表",
        },
    )
    assert resp.status_code == 302
    p = Proposal.objects.get(title="关于增设社区托育点的建议")
    assert (p.session, p.channel, p.review_state, p.lead) == (
        cast.npc_session,
        Channel.INTERIM,
        ReviewState.SUBMITTED,
        cast.deputy,
    )
    assert list(p.cosigners.all()) == [cast.cosigner]
    assert p.number.startswith("2023")
    assert AuditEvent.objects.filter(verb="proposal.register", proposal_id=p.pk).exists()
    # It is in the body staff's review queue and in both proposers' portals.
    from banli.cases.selectors import proposals_filtered

    assert p in proposals_filtered(cast.staff_npc, review_state=ReviewState.SUBMITTED)
    assert p in portal_proposals(cast.cosigner_user)


def test_interim_submission_refusals_write_nothing(cast, world, login):
    n = Proposal.objects.count()
    client = login(cast.deputy_user)
    resp = client.post(reverse("portal:submit"), {"title": "关于X的建议", "content": "太短", "cosigners": ""})
    assert "不少于20字" in resp.content.decode()
    resp = client.post(
        reverse("portal:submit"),
        {
            "title": "关于Y的建议",
            "content": "这是一段足够长的建议内容，用于测试联名人校验是否生效。",
            "cosigners": "不存在的人",
        },
    )
    assert "不在本届人大代表名单中" in resp.content.decode()
    with pytest.raises(DomainError):
        services.proposal_submit(
            actor=cast.staff_npc, title="关于Z的建议", content="这是一段足够长的建议内容，用于测试非代表提交。"
        )
    assert Proposal.objects.count() == n


@pytest.mark.parametrize("who", ["staff_npc", "coordinator", "liaison_gx", "handler_gx", "sysadmin", "auditor"])
def test_portal_routes_refuse_non_proposers(cast, world, login, who):
    """Declared for proposers only; until the permission middleware lands, the selectors still show nothing."""
    from banli.portal.permissions import ROUTES

    assert "proposer" in ROUTES["portal:home"]["GET"] and who not in ROUTES["portal:home"]["GET"]
    client = login(getattr(cast, who))
    resp = client.get(reverse("portal:proposal", args=[world.p1.pk]))
    assert resp.status_code == 404


def test_anonymous_is_sent_to_login(client, world):
    resp = client.get(reverse("portal:home"))
    assert resp.status_code == 302 and "/login/" in resp["Location"]


def test_reply_letter_download_is_audited(cast, world, login):
    resp = login(cast.cosigner_user).get(reverse("portal:reply_letter", args=[world.r1.pk]))
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEvent.objects.filter(
        verb="reply.letter_download", object_id=str(world.r1.pk), actor=cast.cosigner_user
    ).exists()


def test_phone_width_markup_has_big_touch_targets(cast, world, login):
    body = login(cast.deputy_user).get(reverse("portal:proposal", args=[world.p1.pk])).content.decode()
    assert 'name="viewport"' in body and "portal.css" in body and "btn-touch" in body


def test_proposal_page_uses_a_bounded_number_of_queries(cast, world, login, django_assert_max_num_queries):
    client = login(cast.deputy_user)
    url = reverse("portal:proposal", args=[world.p1.pk])
    client.get(url)
    with django_assert_max_num_queries(25):
        assert client.get(url).status_code == 200
