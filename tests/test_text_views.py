"""Pages, panels, export, dictionary editing and commands of text intelligence, per role."""

import io
import json

from django.core.management import call_command
from openpyxl import load_workbook

from banli.audit.models import AuditEvent
from banli.cases.models import ReviewState
from banli.cases.services import assignment_create
from banli.textintel.models import DictTerm, SearchDoc

from .test_text_support import _fresh_text_caches, build_world  # noqa: F401


def test_case_panel_lists_similar_with_score_terms_and_merge_button_for_staff(cast, login):
    w = build_world(cast)
    body = login(cast.staff_npc).get(f"/text/similar/{w.b.pk}/").content.decode()
    assert "本届相似件" in body and "往届相似件" in body
    assert w.a.title in body and "工业上楼" in body and "%" in body
    assert "将本件并入此件" in body and "data-confirm" in body
    assert "市工业和信息化局（主办" in body  # how the past one was handled
    assert w.elderly.title not in body


def test_case_panel_for_a_unit_has_no_merge_button(cast, login):
    w = build_world(cast)
    assignment_create(actor=cast.staff_npc, proposal=w.a, units=[(cast.orgs.gx, "sole")])
    r = login(cast.liaison_gx).get(f"/text/similar/{w.a.pk}/")
    assert r.status_code == 200 and "将本件并入此件" not in r.content.decode()


def test_case_panel_is_not_for_proposers_or_foreign_cases(cast, login):
    w = build_world(cast)
    assert login(cast.deputy_user).get(f"/text/similar/{w.a.pk}/").status_code == 404
    assert login(cast.liaison_sw).get(f"/text/similar/{w.a.pk}/").status_code == 404
    assert login(cast.staff_cppcc).get(f"/text/similar/{w.a.pk}/").status_code == 404


def test_registration_panel_requeries_with_typed_text(cast, login):
    w = build_world(cast)
    c = login(cast.staff_npc)
    empty = c.get("/text/similar/", {"session": w.cur.pk}).content.decode()
    assert "输入标题或内容后" in empty
    body = c.get("/text/similar/", {"session": w.cur.pk, "title": "關於推進工業上樓的建議"}).content.decode()
    assert w.a.title in body and w.past_upstairs.title in body and "将本件并入此件" not in body
    assert login(cast.liaison_gx).get("/text/similar/", {"title": "工业上楼"}).status_code == 403


def test_merge_button_merges_with_audit_and_redirects_to_the_case(cast, login):
    w = build_world(cast)
    c = login(cast.staff_npc)
    r = c.post("/text/merge/", {"proposal": w.b.pk, "into": w.a.pk, "score": "0.4554", "next": f"/cases/{w.b.pk}/"})
    assert r.status_code == 302 and r["Location"] == f"/cases/{w.b.pk}/"
    w.b.refresh_from_db()
    assert w.b.review_state == ReviewState.MERGED and w.b.merged_into == w.a
    assert AuditEvent.objects.filter(verb="proposal.review", proposal_id=w.b.pk).exists()
    assert AuditEvent.objects.filter(verb="proposal.merge_received", proposal_id=w.a.pk).exists()


def test_merge_is_refused_for_other_roles_and_writes_nothing(cast, login):
    w = build_world(cast)
    assignment_create(actor=cast.staff_npc, proposal=w.a, units=[(cast.orgs.gx, "sole")])
    before = AuditEvent.objects.count()
    for user, status in (
        (cast.liaison_gx, 403),
        (cast.coordinator, 403),
        (cast.deputy_user, 403),
        (cast.staff_cppcc, 404),
    ):
        r = login(user).post("/text/merge/", {"proposal": w.b.pk, "into": w.a.pk})
        assert r.status_code == status, user
    w.b.refresh_from_db()
    assert w.b.review_state == ReviewState.SUBMITTED and AuditEvent.objects.count() == before


def test_merge_of_an_assigned_proposal_is_refused_with_a_message(cast, login):
    w = build_world(cast)
    assignment_create(actor=cast.staff_npc, proposal=w.a, units=[(cast.orgs.gx, "sole")])
    c = login(cast.staff_npc)
    r = c.post("/text/merge/", {"proposal": w.a.pk, "into": w.trad.pk}, follow=True)
    assert "已交办" in r.content.decode()
    w.a.refresh_from_db()
    assert w.a.review_state == ReviewState.ACCEPTED


def test_merge_suggestions_page(cast, login):
    w = build_world(cast)
    c = login(cast.staff_npc)
    body = c.get("/text/merge-suggestions/", {"session": w.cur.pk}).content.decode()
    assert "20230003 并入 20230001" in body and w.elderly.title not in body
    assert login(cast.coordinator).get("/text/merge-suggestions/").status_code == 403
    assert login(cast.staff_cppcc).get("/text/merge-suggestions/", {"session": w.cur.pk}).status_code == 404


def test_clusters_page_and_export_for_staff_and_a_units_share(cast, login):
    w = build_world(cast)
    c = login(cast.staff_npc)
    body = c.get("/text/clusters/", {"session": w.cur.pk}).content.decode()
    assert "工业上楼" in body and "导出 Excel" in body
    r = c.get("/text/clusters/export/", {"session": w.cur.pk})
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    rows = list(wb["类案明细"].iter_rows(values_only=True))
    assert rows[0][:3] == ("类号", "主题（关键词）", "编号") and len(rows) == 1 + 6
    assert AuditEvent.objects.filter(verb="clusters.export").exists()

    assignment_create(actor=cast.staff_npc, proposal=w.a, units=[(cast.orgs.gx, "sole")])
    r = login(cast.leader_gx).get("/text/clusters/export/", {"session": w.cur.pk})
    rows = list(load_workbook(io.BytesIO(r.content))["类案明细"].iter_rows(values_only=True))
    assert [row[2] for row in rows[1:]] == [w.a.number]
    for user in (cast.deputy_user, cast.handler_gx, cast.sysadmin):
        assert login(user).get("/text/clusters/", {"session": w.cur.pk}).status_code == 403
    assert login(cast.liaison_sw).get("/text/clusters/", {"session": w.cur.pk}).status_code == 404


def test_staff_edit_the_user_dictionary_and_texts_are_resegmented(cast, login, django_capture_on_commit_callbacks):
    w = build_world(cast)
    c = login(cast.staff_npc)
    assert "工业上楼" in c.get("/text/dictionary/", {"q": "工业"}).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post("/text/dictionary/", {"word": "长者食堂", "note": "民生项目"})
    assert r.status_code == 302 and DictTerm.objects.filter(word="长者食堂").exists()
    assert "长者食堂" in SearchDoc.objects.get(kind="proposal", object_id=w.elderly.pk).tokens.split()
    assert AuditEvent.objects.filter(verb="dictterm.add").exists()
    r = c.post("/text/dictionary/", {"word": "长者食堂"})
    assert r.status_code == 400 and "已在词典中" in r.content.decode()
    t = DictTerm.objects.get(word="长者食堂")
    with django_capture_on_commit_callbacks(execute=True):
        c.post(f"/text/dictionary/{t.pk}/delete/")
    assert not DictTerm.objects.filter(word="长者食堂").exists()
    assert "长者食堂" not in SearchDoc.objects.get(kind="proposal", object_id=w.elderly.pk).tokens.split()


def test_dictionary_is_refused_to_other_roles_and_nothing_changes(cast, login):
    n = DictTerm.objects.count()
    t = DictTerm.objects.first()
    for user in (cast.coordinator, cast.liaison_gx, cast.deputy_user, cast.sysadmin):
        c = login(user)
        assert c.get("/text/dictionary/").status_code == 403
        assert c.post("/text/dictionary/", {"word": "新词语"}).status_code == 403
        assert c.post(f"/text/dictionary/{t.pk}/delete/").status_code == 404
    assert DictTerm.objects.count() == n


def _cmd(*args) -> dict:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue())


def test_cli_similar_for_a_session_and_for_text(cast):
    w = build_world(cast)
    data = _cmd("similar", "--session", w.cur.code, "--top", "3", "--json")
    by_number = {p["number"]: p for p in data["proposals"]}
    assert [s["number"] for s in by_number["20230001"]["similar"]][:1] == ["20230003"]
    assert all(s["score"] > 0 for s in by_number["20230001"]["similar"])
    assert "20230004" not in [s["number"] for s in by_number["20230001"]["similar"]]
    data = _cmd("similar", "--text", "關於社區長者食堂的建議", "--top", "2", "--json")
    assert {s["number"] for s in data["similar"]} == {"20230004", "20220012"}


def test_cli_clusters_train_and_recommend(cast):
    w = build_world(cast)
    data = _cmd("clusters", "--session", w.cur.code, "--json")
    assert sum(c["size"] for c in data["clusters"]) == 6
    res = _cmd("train-recommender", "--json")
    assert res["samples"] == 2
    rec = _cmd("recommend-units", "--text", "关于工业上楼的建议", "--top", "2", "--json")
    assert rec["units"][0]["unit"] == "市工业和信息化局" and len(rec["units"]) == 2


def test_cli_errors_are_clear(cast):
    import pytest
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="找不到届次代码"):
        call_command("similar", "--session", "NOPE", "--json")
    with pytest.raises(CommandError, match="train-recommender"):
        call_command("recommend-units", "--text", "工业上楼", "--json")


def test_registration_form_and_case_page_load_the_similar_panel(cast, login):
    w = build_world(cast)
    c = login(cast.staff_npc)
    form = c.get("/cases/new/").content.decode()
    assert 'hx-get="/text/similar/"' in form and "input changed delay" in form
    case = c.get(f"/cases/{w.a.pk}/").content.decode()
    assert f'hx-get="/text/similar/{w.a.pk}/"' in case
    assert f'hx-get="/text/similar/{w.a.pk}/"' not in login(cast.deputy_user).get(f"/cases/{w.a.pk}/").content.decode()
