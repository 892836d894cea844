"""Every free-text field is bounded, with a message naming the limit and the actual length, and
search highlighting is linear (issue #19 item 1)."""

import datetime as dt
import time

import pytest
from django.apps import apps
from django.urls import reverse

from banli.cases.models import Proposal, Reply
from banli.cases.services import proposal_register
from banli.errors import DomainError
from banli.handling import services as svc
from banli.portal.models import PortalMessage
from banli.textintel.text import highlight, normalize_chars
from banli.web.limits import BODY_MAX, NOTE_MAX, SUMMARY_MAX, limit_of

from . import factories as f

HUGE = ("关于推动工业上楼和数字经济发展的建议，" * 110_000)[:2_000_000]


def test_highlighting_a_two_million_character_text_takes_well_under_a_second():
    assert len(HUGE) == 2_000_000
    normalize_chars("预热")
    for text, terms in ((HUGE, ["工业上楼", "数字经济"]), (HUGE + "末尾词", ["末尾词"]), (HUGE, ["没有的词"])):
        # CPU time of this process: the machine running the suite may be busy with other work
        t0 = time.process_time()
        html = highlight(text, terms, width=140)
        assert time.process_time() - t0 < 1.0
        assert len(html) < 1000
    assert "<mark>末尾词</mark>" in highlight(HUGE + "末尾词", ["末尾词"], width=140)


def test_highlighting_still_prefers_longer_terms_and_escapes():
    html = highlight("<b>工业上楼</b>和工业", ["工业", "工业上楼"])
    assert html == "&lt;b&gt;<mark>工业上楼</mark>&lt;/b&gt;和<mark>工业</mark>"
    assert highlight("發展數字經濟", ["数字经济"]) == "發展<mark>數字經濟</mark>"


def test_every_typed_text_field_of_every_app_is_bounded():
    unbounded = []
    for model in apps.get_models():
        if not model._meta.app_config.name.startswith("banli.") or model._meta.app_label in ("audit", "textintel"):
            continue
        for field in model._meta.concrete_fields:
            typed = field.get_internal_type() in ("TextField", "CharField") and not field.choices
            if typed and not str(field.verbose_name).isascii() and not limit_of(field):
                unbounded.append(f"{model._meta.label}.{field.name}")
    assert unbounded == []


def test_a_too_long_proposal_is_refused_by_the_service_with_both_lengths(cast):
    before = Proposal.objects.count()
    with pytest.raises(DomainError) as e:
        proposal_register(
            actor=cast.staff_npc,
            session=cast.npc_session,
            title="关于长文的建议",
            lead=cast.deputy,
            content="字" * (BODY_MAX + 1),
        )
    assert e.value.message == f"内容不能超过 {BODY_MAX} 字（现为 {BODY_MAX + 1} 字），请删减后再提交。"
    assert e.value.field == "content"
    assert Proposal.objects.count() == before
    p = proposal_register(
        actor=cast.staff_npc,
        session=cast.npc_session,
        title="关于长文的建议",
        lead=cast.deputy,
        content="字" * BODY_MAX,
    )
    assert len(p.content) == BODY_MAX


def test_portal_refuses_a_two_million_character_proposal_with_a_clear_message(cast, login):
    before = Proposal.objects.count()
    r = login(cast.deputy_user).post(reverse("portal:submit"), {"title": "关于长文的建议", "content": HUGE})
    assert r.status_code == 200
    body = r.content.decode()
    assert f"内容不能超过 {BODY_MAX} 字（现为 2000000 字），请删减后再提交。" in body
    assert Proposal.objects.count() == before
    r = login(cast.deputy_user).post(reverse("portal:submit"), {"title": "关" * 301, "content": "内容" * 20})
    assert "标题不能超过 300 字（现为 301 字）" in r.content.decode()


def test_staff_registration_form_gives_the_same_message(cast, login):
    r = login(cast.staff_npc).post(
        reverse("cases:register"),
        {
            "session": cast.npc_session.pk,
            "title": "关于长文的建议",
            "content": "字" * (BODY_MAX + 5),
            "lead": "王代表",
            "channel": "plenary",
        },
    )
    assert f"内容不能超过 {BODY_MAX} 字（现为 {BODY_MAX + 5} 字）" in r.content.decode()


def test_reply_contact_and_message_are_bounded_in_their_services(cast):
    a = f.signed(cast, f.assigned(cast))
    with pytest.raises(DomainError) as e:
        f.drafted(cast, a, text="答" * (BODY_MAX + 1))
    assert f"答复内容不能超过 {BODY_MAX} 字" in e.value.message
    assert not Reply.objects.filter(assignment=a).exists()
    with pytest.raises(DomainError) as e:
        svc.contact_add(
            actor=cast.liaison_gx,
            assignment=a,
            on=dt.date.today(),
            stage="during",
            method="phone",
            summary="谈" * (SUMMARY_MAX + 1),
        )
    assert f"情况摘要不能超过 {SUMMARY_MAX} 字（现为 {SUMMARY_MAX + 1} 字）" in e.value.message
    with pytest.raises(DomainError) as e:
        PortalMessage(text="留" * (NOTE_MAX + 1)).save()
    assert f"留言不能超过 {NOTE_MAX} 字" in e.value.message
