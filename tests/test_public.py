"""The public site (no login): published replies only, with their redactions; nothing else reachable."""

from __future__ import annotations

import io
import re
import zipfile
from collections import deque
from urllib.parse import urljoin, urlparse

import pytest
from django.urls import reverse

from banli.portal import services
from banli.portal.models import Publication

from .test_portal_world import PHONES, SECRETS, build_world, publish


@pytest.fixture
def world(cast):
    w = build_world(cast)
    w.pub1 = publish(cast, w)
    # r2 is decided 不公开: it has a Publication row, which must still be unreachable.
    w.pub2 = services.publication_decide(actor=cast.coordinator, reply=w.r2, decision="private", reason="个人隐私")
    return w


def _text(resp) -> str:
    if resp.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        with zipfile.ZipFile(io.BytesIO(resp.content)) as z:
            return re.sub(r"<[^>]+>", "", z.read("word/document.xml").decode("utf-8"))
    return resp.content.decode("utf-8", "replace")


def _forbidden(text: str) -> list[str]:
    found = [k for k, v in SECRETS.items() if v in text]
    found += [p for p in PHONES if p in text]
    found += [w for w in ("初稿", "zhangxm@gxj.example.cn", "6009号", "个人隐私", "会办意见内部") if w in text]
    return found


def test_published_reply_is_public_with_its_redactions(world, client):
    resp = client.get(reverse("public:reply", args=[world.pub1.pk]))
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "关于市七届人大四次会议第" in body and world.p1.title in body
    assert "我局已出台产业空间保障措施" in body
    assert '<mark class="redacted">【电话已隐去】</mark>' in body
    assert "福田区深南大道" in body and "工信分管领导" in body  # the signer is public
    assert _forbidden(body) == []


def test_published_reply_document_is_redacted(world, client):
    resp = client.get(reverse("public:reply_document", args=[world.pub1.pk]))
    assert resp.status_code == 200
    text = _text(resp)
    assert "我局已出台产业空间保障措施" in text and "【电话已隐去】" in text
    assert _forbidden(text) == []


def test_unpublished_reply_is_unreachable_by_list_search_detail_and_file(world, client):
    # Detail and file URLs: the private one, and a pending one (proposed but not approved).
    for pub in (world.pub2,):
        assert client.get(reverse("public:reply", args=[pub.pk])).status_code == 404
        assert client.get(reverse("public:reply_document", args=[pub.pk])).status_code == 404
    assert client.get(reverse("public:reply", args=[987654])).status_code == 404
    # List and search.
    body = client.get(reverse("public:replies")).content.decode()
    assert world.p1.title in body and world.p2.title not in body
    for q in ("搬迁补偿", "龙华厂区", "13987654321", "13812345678", "张小明"):
        resp = client.get(reverse("public:replies"), {"q": q})
        assert "没有符合条件的公开答复" in resp.content.decode(), q
    # Session page and home.
    for url in (reverse("public:home"), reverse("public:session", args=[world.p2.session.code])):
        assert world.p2.title not in client.get(url).content.decode()


def test_pending_and_withdrawn_replies_are_404(cast, world, client):
    from banli.portal.models import PublicationState

    services.publication_withdraw(actor=cast.coordinator, reply=world.r1, reason="复核")
    assert client.get(reverse("public:reply", args=[world.pub1.pk])).status_code == 404
    assert client.get(reverse("public:reply_document", args=[world.pub1.pk])).status_code == 404
    assert world.p1.title not in client.get(reverse("public:replies")).content.decode()
    assert Publication.objects.get(pk=world.pub1.pk).state == PublicationState.WITHDRAWN
    # The unit asks again to publish the private one: pending review is still not public.
    pending = services.publication_propose(actor=cast.liaison_gx, reply=world.r2, decision="public")
    assert pending.state == PublicationState.PENDING
    assert client.get(reverse("public:reply", args=[pending.pk])).status_code == 404
    assert client.get(reverse("public:reply_document", args=[pending.pk])).status_code == 404


@pytest.mark.parametrize("q", ["工业上楼", "工業上樓", "中小企业 厂房", "产业空间"])
def test_chinese_full_text_search_finds_published_reply(world, client, q):
    body = client.get(reverse("public:replies"), {"q": q}).content.decode()
    assert world.p1.title in body, q
    assert "共 1 件" in body


def test_filters_by_session_unit_topic_and_class(cast, world, client):
    url = reverse("public:replies")
    hit = world.p1.title
    assert hit in client.get(url, {"session": cast.npc_session.code}).content.decode()
    assert hit not in client.get(url, {"session": cast.cppcc_session.code}).content.decode()
    assert hit in client.get(url, {"unit": cast.orgs.gx.pk}).content.decode()
    assert hit not in client.get(url, {"unit": cast.orgs.sw.pk}).content.decode()
    assert hit in client.get(url, {"topic": "工业经济"}).content.decode()
    assert hit not in client.get(url, {"topic": "交通"}).content.decode()
    assert hit in client.get(url, {"class": "A"}).content.decode()
    assert hit not in client.get(url, {"class": "C"}).content.decode()
    # Nonsense parameters are ignored, not errors.
    assert client.get(url, {"unit": "abc", "class": "Z", "session": "nope", "page": "999"}).status_code == 200


def test_session_page_shows_public_statistics(cast, world, client):
    resp = client.get(reverse("public:session", args=[cast.npc_session.code]))
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "办复率" in body and "满意率" in body and "见面率" in body
    # 3 registered; 2 due replies sent of 2 due (p1 lead, p2 sole); p3 (sole) unreplied → 2/3.
    assert "66.67%" in body
    assert client.get(reverse("public:session", args=["NO-SUCH"])).status_code == 404


def test_anonymous_crawl_from_public_home_finds_no_non_public_data(world, client):
    """Follow every same-site link from the public home (BFS, bounded): every page answers 200
    and none contains unpublished text, phone numbers, drafts, contact summaries or internal comments."""
    start = reverse("public:home")
    seen, queue, visited = {start}, deque([start]), []
    while queue and len(visited) < 300:
        url = queue.popleft()
        resp = client.get(url, follow=True)
        assert resp.status_code == 200, url
        text = _text(resp)
        assert _forbidden(text) == [], url
        # Nothing about a proposal whose reply is not published: not even its title.
        assert world.p2.title not in text and world.p3.title not in text, url
        visited.append(url)
        if not resp.get("Content-Type", "").startswith("text/html"):
            continue
        final = resp.request["PATH_INFO"]
        for href in re.findall(r'href="([^"#]+)', text):
            href = href.replace("&amp;", "&")
            parsed = urlparse(urljoin("http://testserver" + final, href))
            if parsed.netloc not in ("", "testserver") or parsed.scheme not in ("http", "https", ""):
                continue
            if parsed.path.startswith("/static/"):
                continue
            nxt = parsed.path + (f"?{parsed.query}" if parsed.query else "")
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    paths = {urlparse(u).path for u in visited}
    assert len(visited) >= 8
    assert reverse("public:reply", args=[world.pub1.pk]) in paths
    assert reverse("public:reply_document", args=[world.pub1.pk]) in paths
    assert reverse("public:session", args=[world.p1.session.code]) in paths
    assert not any(p.startswith(("/cases/", "/portal/", "/handling/")) for p in paths)


@pytest.mark.parametrize(
    "name, args",
    [
        ("portal:home", []),
        ("portal:disclosure", []),
        ("cases:list", []),
        ("portal:unit_messages", []),
    ],
)
def test_anonymous_reaches_nothing_else(world, client, name, args):
    resp = client.get(reverse(name, args=args))
    assert resp.status_code == 302 and resp["Location"].startswith(reverse("web:login"))
    assert _forbidden(resp.content.decode()) == []


def test_anonymous_cannot_reach_case_pages_or_files(cast, world, client):

    for url in (
        reverse("cases:detail", args=[world.p2.pk]),
        reverse("portal:proposal", args=[world.p1.pk]),
        reverse("portal:reply_letter", args=[world.r2.pk]),
        reverse("portal:disclosure_detail", args=[world.r2.pk]),
    ):
        resp = client.get(url)
        assert resp.status_code == 302 and resp["Location"].startswith(reverse("web:login")), url
        assert _forbidden(resp.content.decode()) == []


def test_public_pages_use_a_constant_number_of_queries(cast, world, client, django_assert_max_num_queries):
    from banli.cases.models import AssignmentRole
    from banli.cases.services import assignment_create, proposal_register, proposal_review

    from .test_portal_world import _flow_to_sent

    for i in range(6):
        p = proposal_register(
            actor=cast.staff_npc,
            session=cast.npc_session,
            title=f"关于第{i}项产业政策的建议",
            lead=cast.deputy,
            content="内容",
            topic=f"类别{i % 3}",
        )
        proposal_review(actor=cast.staff_npc, proposal=p, decision="accepted")
        (a,) = assignment_create(actor=cast.staff_npc, proposal=p, units=[(cast.orgs.gx, AssignmentRole.SOLE)])
        r = _flow_to_sent(
            a=a,
            liaison=cast.liaison_gx,
            leader=cast.leader_gx,
            text=f"第{i}项答复正文，工业上楼政策已落实。",
            contact_name="工信联系人",
            contact_phone="0755-12345678",
        )
        publish(cast, world, reply=r)
    assert Publication.objects.filter(state="published").count() == 7
    with django_assert_max_num_queries(12):
        assert client.get(reverse("public:replies")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("public:replies"), {"q": "工业上楼"}).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("public:home")).status_code == 200


def test_withdrawn_reply_leaves_the_search_index(cast, world, client):
    from banli.portal.models import PublicSearch

    assert "共 1 件" in client.get(reverse("public:replies"), {"q": "工业上楼"}).content.decode()
    services.publication_withdraw(actor=cast.coordinator, reply=world.r1, reason="复核")
    assert not PublicSearch.objects.filter(publication=world.pub1).exists()
    assert "没有符合条件的公开答复" in client.get(reverse("public:replies"), {"q": "工业上楼"}).content.decode()
    # The private decision never indexed anything.
    assert not PublicSearch.objects.filter(publication=world.pub2).exists()
