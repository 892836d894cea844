"""Registration, review, merge, key, assignment and withdrawal through the case UI.

Every action: the right role succeeds (and it is audited); other roles are refused with 404 or a
message, and the refusal writes nothing.
"""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from banli.audit.models import AuditEvent
from banli.cases.models import Assignment, AssignmentState, Attachment, Proposal, Proposer, ReviewState
from banli.cases.services import proposal_intake, proposal_register, split_names
from banli.errors import DomainError

from . import factories as f
from .factories import case_set


@pytest.fixture
def cases(cast):
    return case_set(cast)


def snapshot():
    """Counts that a refused action must leave unchanged."""
    return (
        Proposal.objects.count(),
        Proposer.objects.count(),
        Assignment.objects.count(),
        Assignment.objects.filter(state=AssignmentState.WITHDRAWN).count(),
        Attachment.objects.count(),
        AuditEvent.objects.count(),
        list(Proposal.objects.order_by("pk").values_list("review_state", "is_key", "merged_into_id")),
    )


# --- registration ------------------------------------------------------------------------------

REG = "/cases/new/"


def reg_data(cast, **kw):
    data = {
        "session": cast.npc_session.pk,
        "number": "",
        "title": "关于支持中小企业数字化转型的建议",
        "content": "一、现状\n二、建议",
        "channel": "plenary",
        "lead": "王代表",
        "cosigners": "李代表、孙新人，赵代表",
        "group": "",
        "topic": "经济发展",
        "submitted_on": "2023-02-21",
    }
    data.update(kw)
    return data


def test_register_form_offers_own_sessions_and_next_number(cast, login):
    resp = login(cast.staff_npc).get(REG)
    assert resp.status_code == 200
    assert list(resp.context["form"].fields["session"].queryset) == [cast.npc_session]
    body = resp.content.decode()
    assert "20230001" in body and "将新建该代表/委员" in body
    assert 'list="proposer-names"' in body and '<option value="王代表">' in body


def test_register_creates_proposal_new_proposers_and_attachments(cast, login):
    files = [SimpleUploadedFile("原件.pdf", b"%PDF-1.4"), SimpleUploadedFile("附图.png", b"\x89PNG\r\n\x1a\n")]
    resp = login(cast.staff_npc).post(REG, {**reg_data(cast), "attachments": files})
    p = Proposal.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/cases/{p.pk}/"
    assert p.number == "20230001" and p.kind == "suggestion" and p.lead == cast.deputy
    assert (
        p.group == "福田代表团" and p.submitted_on == dt.date(2023, 2, 21) and p.review_state == ReviewState.SUBMITTED
    )
    assert sorted(c.name for c in p.cosigners.all()) == ["孙新人", "李代表", "赵代表"]
    assert Proposer.objects.filter(body=cast.orgs.npc, name="孙新人").exists()
    assert sorted(a.name for a in p.attachments.all()) == ["原件.pdf", "附图.png"]
    assert AuditEvent.objects.filter(verb="proposal.register", proposal_id=p.pk).exists()


def test_register_with_a_given_number(cast, login):
    login(cast.staff_npc).post(REG, reg_data(cast, number="20230064"))
    assert Proposal.objects.get().number == "20230064"


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"title": ""}, "title", "请填写标题"),
        ({"lead": ""}, "lead", "请填写领衔人"),
        ({"submitted_on": "2023-13-45"}, "submitted_on", "请填写有效日期"),
        ({"number": "2023/01"}, "number", "编号只能包含"),
        ({"session": "999999"}, "session", "请选择本机构的届次会议"),
    ],
)
def test_register_errors_are_shown_beside_the_field_and_nothing_is_saved(cast, login, changes, field, message):
    before = snapshot()
    resp = login(cast.staff_npc).post(
        REG, {**reg_data(cast, **{"lead": "全新代表", **changes}), "attachments": [SimpleUploadedFile("a.pdf", b"x")]}
    )
    assert resp.status_code == 400
    assert message in str(resp.context["form"].errors[field])
    assert "未保存任何内容" in resp.content.decode()
    assert snapshot() == before


def test_register_duplicate_number_writes_nothing_not_even_new_proposers(cast, login):
    proposal_register(
        actor=cast.staff_npc, session=cast.npc_session, title="已有", lead=cast.deputy, number="20230007"
    )
    before = snapshot()
    resp = login(cast.staff_npc).post(
        REG,
        {
            **reg_data(cast, number="20230007", lead="全新代表", cosigners="另一新人"),
            "attachments": [SimpleUploadedFile("a.pdf", b"x")],
        },
    )
    assert resp.status_code == 400
    assert "编号 20230007 在本届会议中已被使用" in str(resp.context["form"].errors["number"])
    assert snapshot() == before


def test_register_other_bodys_session_is_refused(cast, login):
    before = snapshot()
    resp = login(cast.staff_npc).post(REG, reg_data(cast, session=cast.cppcc_session.pk))
    assert resp.status_code == 400 and snapshot() == before


@pytest.mark.parametrize("user", ["liaison_gx", "coordinator", "deputy_user", "sysadmin", "auditor"])
def test_register_is_refused_for_other_roles(cast, login, user):
    before = snapshot()
    c = login(getattr(cast, user))
    assert c.get(REG).status_code == 403
    assert c.post(REG, reg_data(cast)).status_code == 403
    assert snapshot() == before


def test_intake_service_refuses_other_body(cast):
    with pytest.raises(DomainError):
        proposal_intake(actor=cast.staff_cppcc, session=cast.npc_session, title="x", lead_name="新人")
    assert not Proposer.objects.filter(name="新人").exists()


def test_split_names_accepts_chinese_and_latin_separators():
    assert split_names("李代表、孙新人，赵代表,钱代表 ；李代表") == ["李代表", "孙新人", "赵代表", "钱代表"]


# --- review ------------------------------------------------------------------------------------


def review(client, p, **data):
    return client.post(f"/cases/{p.pk}/review/", {"version": p.version, **data})


def test_staff_accepts(cast, cases, login):
    resp = review(login(cast.staff_npc), cases.fresh, decision="accepted")
    assert resp.status_code == 302
    cases.fresh.refresh_from_db()
    assert cases.fresh.review_state == ReviewState.ACCEPTED
    assert AuditEvent.objects.filter(verb="proposal.review", proposal_id=cases.fresh.pk).exists()


def test_not_accepted_needs_a_reason(cast, cases, login):
    before = snapshot()
    resp = review(login(cast.staff_npc), cases.fresh, decision="not_accepted", reason=" ")
    assert resp.status_code == 400 and "不予立案须填写理由" in resp.content.decode()
    assert snapshot() == before
    resp = review(login(cast.staff_npc), cases.fresh, decision="not_accepted", reason="属个人诉求，转来信处理")
    cases.fresh.refresh_from_db()
    assert (
        cases.fresh.review_state == ReviewState.NOT_ACCEPTED and cases.fresh.review_reason == "属个人诉求，转来信处理"
    )


def test_merge_into_another_number_of_the_session(cast, cases, login):
    resp = review(login(cast.staff_npc), cases.fresh, decision="merged", merge_number="20230001")
    assert resp.status_code == 302
    cases.fresh.refresh_from_db()
    assert cases.fresh.merged_into == cases.main
    page = login(cast.staff_npc).get(f"/cases/{cases.main.pk}/").content.decode()
    assert "并案件" in page and f'href="/cases/{cases.fresh.pk}/"' in page


@pytest.mark.parametrize(
    "number, message",
    [
        ("20239999", "没有编号为“20239999”"),
        ("20230003", "只能并入本届会议的另一件"),
        ("", "请填写并入的建议/提案编号"),
    ],
)
def test_bad_merge_targets_are_refused(cast, cases, login, number, message):
    before = snapshot()
    resp = review(login(cast.staff_npc), cases.fresh, decision="merged", merge_number=number)
    assert resp.status_code == 400 and message in resp.content.decode()
    assert snapshot() == before


def test_merge_target_must_be_in_the_same_session(cast, cases, login):
    before = snapshot()
    resp = review(login(cast.staff_npc), cases.fresh, decision="merged", merge_number=cases.member.number)
    assert resp.status_code == 400 and snapshot() == before


def test_stale_version_is_refused(cast, cases, login):
    before = snapshot()
    resp = login(cast.staff_npc).post(
        f"/cases/{cases.fresh.pk}/review/", {"version": cases.fresh.version - 1 or 99, "decision": "accepted"}
    )
    assert resp.status_code == 400 and "已被他人修改" in resp.content.decode()
    assert snapshot() == before


def test_assigned_case_cannot_be_reviewed_again(cast, cases, login):
    before = snapshot()
    resp = review(login(cast.staff_npc), cases.main, decision="not_accepted", reason="x")
    assert resp.status_code == 400 and snapshot() == before


@pytest.mark.parametrize("user", ["staff_cppcc", "coordinator", "liaison_gx", "cosigner_user", "outsider", "sysadmin"])
def test_review_refused_for_others(cast, cases, login, user):
    before = snapshot()
    resp = review(login(getattr(cast, user)), cases.fresh, decision="accepted")
    assert resp.status_code == 404
    assert snapshot() == before


# --- key -------------------------------------------------------------------------------------


def test_staff_sets_key_with_leader_and_flags(cast, cases, login):
    resp = login(cast.staff_npc).post(
        f"/cases/{cases.main.pk}/key/",
        {"is_key": "on", "leader": "张副市长", "plan": "6月底前座谈", "is_hard": "on", "is_showcase": "on"},
    )
    assert resp.status_code == 302
    cases.main.refresh_from_db()
    assert (
        cases.main.is_key,
        cases.main.key_leader,
        cases.main.key_plan,
        cases.main.is_hard,
        cases.main.is_showcase,
    ) == (True, "张副市长", "6月底前座谈", True, True)
    assert AuditEvent.objects.filter(verb="proposal.set_key", proposal_id=cases.main.pk).exists()


def test_key_needs_a_leader(cast, cases, login):
    before = snapshot()
    resp = login(cast.staff_npc).post(f"/cases/{cases.main.pk}/key/", {"is_key": "on", "leader": ""})
    assert resp.status_code == 400 and "须填写领衔督办领导" in resp.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("user", ["staff_cppcc", "coordinator", "liaison_gx", "leader_gx", "deputy_user"])
def test_key_refused_for_others(cast, cases, login, user):
    before = snapshot()
    resp = login(getattr(cast, user)).post(f"/cases/{cases.main.pk}/key/", {"is_key": "on", "leader": "某领导"})
    assert resp.status_code == 404
    assert snapshot() == before


# --- assignment --------------------------------------------------------------------------------


@pytest.fixture
def accepted(cast, cases):
    cases.fresh.review_state = ReviewState.ACCEPTED
    cases.fresh.save()
    return cases.fresh


def assign(client, p, **data):
    data.setdefault("assigned_on", "2023-03-10")
    return client.post(f"/cases/{p.pk}/assign/", data)


def test_staff_assigns_lead_co_and_dates(cast, accepted, login):
    o = cast.orgs
    resp = assign(login(cast.staff_npc), accepted, lead=o.gx.pk, co=[o.sw.pk, o.lh.pk])
    assert resp.status_code == 302
    got = {(a.unit.name, a.role) for a in accepted.assignments.all()}
    assert got == {("市工业和信息化局", "lead"), ("市商务局", "co"), ("龙华区人民政府", "co")}
    a = accepted.assignments.get(role="lead")
    assert a.assigned_on == dt.date(2023, 3, 10) and a.sign_due and a.reply_due
    assert AuditEvent.objects.filter(verb="assignment.create", proposal_id=accepted.pk).count() == 3


def test_role_rule_errors_are_shown_and_nothing_written(cast, accepted, login):
    before = snapshot()
    resp = assign(login(cast.staff_npc), accepted, co=[cast.orgs.sw.pk])
    assert resp.status_code == 400 and "有会办单位时必须指定一个主办单位" in resp.content.decode()
    resp = assign(login(cast.staff_npc), accepted, sole=cast.orgs.sw.pk, separate=[cast.orgs.gx.pk])
    assert resp.status_code == 400 and "承办（单独承办）只能交给一个单位" in resp.content.decode()
    resp = assign(login(cast.staff_npc), accepted)
    assert resp.status_code == 400 and "请至少选择一个承办单位" in resp.content.decode()
    assert snapshot() == before


def test_second_lead_is_refused(cast, cases, login):
    before = snapshot()
    resp = assign(login(cast.staff_npc), cases.main, lead=cast.orgs.court.pk)
    assert resp.status_code == 400 and "只能有一个主办单位" in resp.content.decode()
    assert snapshot() == before


def test_unaccepted_case_cannot_be_assigned(cast, cases, login):
    before = snapshot()
    resp = assign(login(cast.staff_npc), cases.fresh, sole=cast.orgs.gx.pk)
    assert resp.status_code == 400 and "立案后才能交办" in resp.content.decode()
    assert snapshot() == before


def test_coordinator_assigns_within_subtree_only(cast, cases, login):
    c = login(cast.coordinator)
    assert assign(c, cases.main, co=[cast.orgs.lh.pk]).status_code == 302
    before = snapshot()
    resp = assign(c, cases.main, co=[cast.orgs.court.pk])
    assert resp.status_code == 400 and "不在您可交办的范围内" in resp.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("user", ["staff_cppcc", "liaison_gx", "leader_gx", "handler_gx", "deputy_user", "sysadmin"])
def test_assign_refused_for_others(cast, accepted, login, user):
    before = snapshot()
    resp = assign(login(getattr(cast, user)), accepted, sole=cast.orgs.gx.pk)
    assert resp.status_code == 404
    assert snapshot() == before


def test_district_liaison_sub_assigns_one_level_down(cast, cases, login):
    c = login(cast.liaison_lh)
    on = cases.district_top.assigned_on.isoformat()  # not before the district's own assignment
    resp = assign(c, cases.district, parent=cases.district_top.pk, co=[cast.orgs.lh_gxj.pk], assigned_on=on)
    assert resp.status_code == 302
    sub = Assignment.objects.get(unit=cast.orgs.lh_gxj)
    assert sub.parent == cases.district_top and sub.role == "co"


def test_district_liaison_cannot_assign_outside_its_district_or_top_level(cast, cases, login):
    before = snapshot()
    c = login(cast.liaison_lh)
    resp = assign(c, cases.district, parent=cases.district_top.pk, co=[cast.orgs.gx.pk])
    assert resp.status_code == 400 and "不在您可交办的范围内" in resp.content.decode()
    assert assign(c, cases.district, co=[cast.orgs.lh_gxj.pk]).status_code == 404
    # A parent assignment of another case is not accepted either.
    assert assign(c, cases.main, parent=cases.district_top.pk, co=[cast.orgs.lh_gxj.pk]).status_code == 404
    assert snapshot() == before


# --- withdrawal --------------------------------------------------------------------------------


def withdraw(client, a, reason):
    return client.post(f"/cases/assignments/{a.pk}/withdraw/", {"reason": reason})


def test_staff_withdraws_an_unsigned_assignment(cast, cases, login):
    resp = withdraw(login(cast.staff_npc), cases.main_co, "会办单位选错")
    assert resp.status_code == 302
    cases.main_co.refresh_from_db()
    assert cases.main_co.state == AssignmentState.WITHDRAWN
    ev = AuditEvent.objects.get(verb="assignment.withdraw")
    assert ev.assignment_id == cases.main_co.pk and "会办单位选错" in ev.summary


def test_withdraw_needs_a_reason(cast, cases, login):
    before = snapshot()
    resp = withdraw(login(cast.staff_npc), cases.main_co, "")
    assert resp.status_code == 400 and "撤回交办须填写理由" in resp.content.decode()
    assert snapshot() == before


def test_withdrawing_the_lead_while_co_remains_is_refused(cast, cases, login):
    before = snapshot()
    resp = withdraw(login(cast.staff_npc), cases.main_lead, "改交")
    assert resp.status_code == 400 and "必须指定一个主办单位" in resp.content.decode()
    assert snapshot() == before


def test_signed_assignment_cannot_be_withdrawn(cast, cases, login):
    f.signed(cast, cases.main_co)
    before = snapshot()
    resp = withdraw(login(cast.staff_npc), cases.main_co, "改交")
    assert resp.status_code == 400 and "单位已签收，不能撤回" in resp.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("user", ["staff_cppcc", "liaison_gx", "liaison_sw", "leader_sw", "deputy_user", "auditor"])
def test_withdraw_refused_for_others(cast, cases, login, user):
    before = snapshot()
    resp = withdraw(login(getattr(cast, user)), cases.main_co, "改交")
    assert resp.status_code == 404
    assert snapshot() == before


def test_district_withdraws_its_own_sub_assignment_not_the_city_one(cast, cases, login):
    c = login(cast.liaison_lh)
    assert withdraw(c, cases.district_top, "x").status_code == 404
    assert withdraw(c, cases.district_sub, "区内调整").status_code == 302
    cases.district_sub.refresh_from_db()
    assert cases.district_sub.state == AssignmentState.WITHDRAWN


def test_double_submitted_registration_registers_once(cast, login):
    c = login(cast.staff_npc)
    first = c.post(REG, reg_data(cast, once="tok-1"))
    assert first.status_code == 302
    second = c.post(REG, reg_data(cast, once="tok-1"), follow=True)
    assert Proposal.objects.count() == 1
    assert "该表单已经提交过，未重复执行" in second.content.decode()


def test_a_refused_registration_does_not_use_up_its_token(cast, login):
    proposal_register(
        actor=cast.staff_npc, session=cast.npc_session, title="已有", lead=cast.deputy, number="20230007"
    )
    c = login(cast.staff_npc)
    assert c.post(REG, reg_data(cast, number="20230007", once="tok-2")).status_code == 400
    assert c.post(REG, reg_data(cast, number="20230008", once="tok-2")).status_code == 302
    assert Proposal.objects.filter(number="20230008").exists()


# --- correcting registration data ------------------------------------------------------------------


def edit_data(p, **kw):
    data = {
        "version": p.version,
        "number": p.number,
        "title": p.title,
        "content": p.content,
        "channel": p.channel,
        "lead": p.lead.name,
        "cosigners": "李代表",
        "group": p.group,
        "topic": p.topic,
        "submitted_on": "2023-02-21",
    }
    data.update(kw)
    return data


def test_staff_corrects_title_and_cosigners_with_history(cast, cases, login):
    c = login(cast.staff_npc)
    assert c.get(f"/cases/{cases.main.pk}/edit/").status_code == 200
    resp = c.post(
        f"/cases/{cases.main.pk}/edit/",
        edit_data(cases.main, title="关于加快数字经济高质量发展的建议", cosigners="李代表、周新人"),
    )
    assert resp.status_code == 302
    cases.main.refresh_from_db()
    assert cases.main.title == "关于加快数字经济高质量发展的建议"
    assert sorted(x.name for x in cases.main.cosigners.all()) == ["周新人", "李代表"]
    ev = AuditEvent.objects.filter(verb="proposal.update", proposal_id=cases.main.pk).get()
    assert ev.old["title"] == "关于加快数字经济发展的建议"


def test_stale_or_duplicate_edit_writes_nothing(cast, cases, login):
    c = login(cast.staff_npc)
    before = snapshot()
    resp = c.post(
        f"/cases/{cases.main.pk}/edit/", edit_data(cases.main, version=cases.main.version + 5, lead="又一新人")
    )
    assert resp.status_code == 400 and "已被他人修改" in resp.content.decode()
    resp = c.post(f"/cases/{cases.main.pk}/edit/", edit_data(cases.main, number="20230002", lead="又一新人"))
    assert resp.status_code == 400 and "编号 20230002 在本届会议中已被使用" in resp.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("user", ["staff_cppcc", "liaison_gx", "coordinator", "deputy_user", "sysadmin"])
def test_edit_refused_for_others(cast, cases, login, user):
    before = snapshot()
    c = login(getattr(cast, user))
    assert c.get(f"/cases/{cases.main.pk}/edit/").status_code == 404
    assert c.post(f"/cases/{cases.main.pk}/edit/", edit_data(cases.main, title="篡改")).status_code == 404
    assert snapshot() == before
