"""Disclosure: the removals made in review are counted and listed after publishing; the unit's own
public office address is not treated as personal data."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from banli.audit.models import AuditEvent
from banli.portal import services
from banli.portal.models import Publication
from banli.portal.redact import redact

from .test_portal_world import build_world


@pytest.fixture
def world(cast):
    return build_world(cast)


def test_publishing_the_reviewed_preview_counts_and_keeps_its_removals(cast, world, login):
    preview, spans = services.redaction_preview(world.r1)
    assert len(spans) >= 5
    client = login(cast.coordinator)
    # The review form submits the preview text, its placeholders already in place.
    resp = client.post(
        reverse("portal:disclosure_decide", args=[world.r1.pk]),
        {"decision": "published", "redacted_text": preview, "version": ""},
    )
    assert resp.status_code == 302
    notice = [str(m) for m in get_messages(resp.wsgi_request)]
    assert any(f"隐去{len(spans)}处个人信息" in m for m in notice), notice
    pub = Publication.objects.get(reply=world.r1)
    assert len(pub.redactions) == len(spans)
    assert {r["original"] for r in pub.redactions} == {s.original for s in spans}
    assert (
        AuditEvent.objects.get(verb="publication.published").summary == f"批准公开答复（隐去{len(spans)}处个人信息）"
    )
    page = client.get(reverse("portal:disclosure_detail", args=[world.r1.pk])).content.decode()
    assert f"隐去的个人信息（{len(spans)}处）" in page
    assert "13812345678" in page  # the reviewer still sees what was removed


def test_a_placeholder_typed_by_the_reviewer_counts_as_a_removal(cast, world):
    pub = services.publication_decide(
        actor=cast.coordinator,
        reply=world.r1,
        decision="published",
        redacted_text="经办人【单位内部人员姓名已隐去】，电话13812345678。",
    )
    assert [r["kind"] for r in pub.redactions] == ["other", "phone"]
    assert pub.redactions[1]["original"] == "13812345678"


@pytest.mark.parametrize(
    "text",
    [
        "我局办公地址：福田区深南大道6009号，欢迎来访。",
        "市工业和信息化局办公地点：福田区深南大道6009号3栋。",
        "单位地址：福田区深南大道6009号",
    ],
)
def test_the_units_public_office_address_is_kept(text):
    assert redact(text, public_names=["市工业和信息化局"]) == (text, [])


def test_a_personal_address_next_to_the_office_phone_is_still_removed():
    _, spans = redact("办公电话0755-88776655，地址：福田区深南大道6009号3栋1203室。")
    assert [s.kind for s in spans] == ["phone", "address"]


def test_published_reply_keeps_the_units_office_address(cast, world):
    pub = services.publication_decide(
        actor=cast.coordinator,
        reply=world.r1,
        decision="published",
        redacted_text="市工业和信息化局办公地址：福田区深南大道6009号。联系人住址：南山区科技路1号5栋1203室。",
    )
    assert "福田区深南大道6009号。" in pub.redacted_text
    assert "科技路【地址已隐去】" in pub.redacted_text
    assert [r["kind"] for r in pub.redactions] == ["address"]
