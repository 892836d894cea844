"""The public site's search finds every word of a published reply (issue #18, item 5)."""

from __future__ import annotations

from django.urls import reverse

from .test_portal_world import build_world, publish

TEXT = "王代表：您的建议收悉。请联系人：产业金融处张三，此事由產業金融處處長牽頭，新建厂房面积达到120万平方米。"


def _hits(client, q) -> bool:
    body = client.get(reverse("public:replies"), {"q": q}).content.decode()
    return "共 1 件" in body


def test_a_department_name_in_a_published_reply_is_found(cast, client):
    w = build_world(cast)
    publish(cast, w, text=TEXT)
    for q in ["产业金融处", "產業金融處", "金融处", "处长", "新建厂房", "张三"]:
        assert _hits(client, q), q
    assert not _hits(client, "科技金融处")
    assert not _hits(client, "产业金融处 龙华厂区")  # every term must be in the text
