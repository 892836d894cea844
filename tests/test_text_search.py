"""Full-text search within the user's scope; index kept in step with writes."""

import datetime as dt

from banli.cases.services import proposal_register, proposal_update
from banli.handling import services as handling
from banli.textintel import selectors
from banli.textintel.models import DocKind, SearchDoc

from . import factories as f
from .test_text_support import _fresh_text_caches, build_world  # noqa: F401


def _found(user, q, **kw):
    return [(d.kind, d.object_id) for d in selectors.search(user, q, **kw).docs]


def test_search_finds_simplified_and_traditional_texts_ranked(cast):
    w = build_world(cast)
    hits = _found(cast.staff_npc, "工业上楼 龙华区")
    ids = [pk for kind, pk in hits if kind == DocKind.PROPOSAL]
    assert set(ids) == {w.a.pk, w.trad.pk}
    assert _found(cast.staff_npc, "工業上樓 龍華區") == hits


def test_genre_words_in_the_query_do_not_narrow_or_widen_it(cast):
    w = build_world(cast)
    ids = {pk for _, pk in _found(cast.staff_npc, "关于加快长者食堂的建议")}
    assert ids == {w.elderly.pk, w.past_elderly.pk}


def test_when_no_document_has_every_term_any_term_matches(cast):
    w = build_world(cast)
    r = selectors.search(cast.staff_npc, "长者食堂 护学岗")
    assert r.any_term and {d.object_id for d in r.docs} == {w.elderly.pk, w.past_elderly.pk, w.school.pk}


def test_search_is_limited_to_the_users_scope(cast):
    w = build_world(cast)
    # 工信局 handled the past 工业上楼 proposal; the current ones are not theirs
    assert {pk for _, pk in _found(cast.liaison_gx, "工业上楼")} == {w.past_upstairs.pk}
    assert _found(cast.outsider, "工业上楼") == []
    assert _found(cast.staff_cppcc, "工业上楼") == []
    assert _found(cast.sysadmin, "工业上楼") == []


def _reply_and_contact(cast, w):
    a = w.past_upstairs.assignments.get(unit=cast.orgs.gx)
    draft = f.drafted(cast, a, day=dt.date(2022, 3, 20), text="关于工业上楼，我局已出台产业用房租金补贴办法。")
    contact = handling.contact_add(
        actor=cast.liaison_gx,
        assignment=a,
        on=a.assigned_on,
        stage="before",
        method="visit",
        summary="上门走访代表，听取工业上楼项目选址意见。",
    )
    from banli.textintel.index import reindex

    reindex(DocKind.REPLY, [draft.pk])
    reindex(DocKind.CONTACT, [contact.pk])
    return a, draft, contact


def test_draft_replies_only_for_the_unit_sent_ones_for_others(cast):
    w = build_world(cast)
    _a, draft, _ = _reply_and_contact(cast, w)
    assert (DocKind.REPLY, draft.pk) in _found(cast.liaison_gx, "租金补贴")
    assert (DocKind.REPLY, draft.pk) not in _found(cast.staff_npc, "租金补贴")
    assert (DocKind.REPLY, draft.pk) not in _found(cast.deputy_user, "租金补贴")
    f.sent(cast, draft, day=dt.date(2022, 5, 1))
    from banli.textintel.index import reindex

    reindex(DocKind.REPLY, [draft.pk])
    assert (DocKind.REPLY, draft.pk) in _found(cast.staff_npc, "租金补贴")
    assert (DocKind.REPLY, draft.pk) in _found(cast.deputy_user, "租金补贴")
    assert (DocKind.REPLY, draft.pk) not in _found(cast.liaison_sw, "租金补贴")


def test_contacts_only_for_those_who_see_internal_work(cast):
    w = build_world(cast)
    _, _, contact = _reply_and_contact(cast, w)
    assert (DocKind.CONTACT, contact.pk) in _found(cast.liaison_gx, "选址")
    assert (DocKind.CONTACT, contact.pk) in _found(cast.staff_npc, "选址")
    assert (DocKind.CONTACT, contact.pk) in _found(cast.coordinator, "选址")
    assert (DocKind.CONTACT, contact.pk) not in _found(cast.deputy_user, "选址")
    assert (DocKind.CONTACT, contact.pk) not in _found(cast.liaison_sw, "选址")


def test_index_follows_registration_and_edits_after_commit(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        p = proposal_register(
            actor=cast.staff_npc,
            session=cast.npc_session,
            title="关于推广免申即享惠企政策的建议",
            content="惠企政策申报流程繁琐。",
            lead=cast.deputy,
        )
    assert {d.object_id for d in selectors.search(cast.staff_npc, "免申即享").docs} == {p.pk}
    with django_capture_on_commit_callbacks(execute=True):
        proposal_update(actor=cast.staff_npc, proposal=p, version=p.version, title="关于扩大首贷贴息范围的建议")
    assert not selectors.search(cast.staff_npc, "免申即享").docs.exists()
    assert {d.object_id for d in selectors.search(cast.staff_npc, "首贷").docs} == {p.pk}


def test_nothing_is_indexed_when_the_transaction_rolls_back(cast, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                proposal_register(
                    actor=cast.staff_npc, session=cast.npc_session, title="关于低空经济的建议", lead=cast.deputy
                )
                raise RuntimeError
        except RuntimeError:
            pass
    assert callbacks == [] and not SearchDoc.objects.exists()


def test_search_page_highlights_matches_and_paginates(cast, login):
    w = build_world(cast)
    for i in range(25):
        proposal_register(
            actor=cast.staff_npc, session=w.cur, title=f"关于工业上楼第{i}期项目的建议", lead=cast.deputy
        )
    from banli.textintel.index import index_session

    index_session(w.cur)
    c = login(cast.staff_npc)
    r = c.get("/text/search/", {"q": "工業上樓"})
    body = r.content.decode()
    assert r.status_code == 200 and "<mark>工业上楼</mark>" in body
    assert "下一页" in body and "共 29 条" in body
    r2 = c.get("/text/search/", {"q": "工業上樓", "page": 2})
    body2 = r2.content.decode()
    assert r2.status_code == 200 and "第 21–29 条" in body2
    assert "<mark>工業上樓</mark>" in body + body2  # the traditional text, highlighted as written


def test_search_page_empty_states(cast, login):
    c = login(cast.staff_npc)
    assert "输入关键词" in c.get("/text/search/").content.decode()
    assert "没有找到" in c.get("/text/search/", {"q": "量子引力"}).content.decode()
