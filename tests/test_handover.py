"""工作交接 (SPEC §2, issue #12 defect 7): a leaving liaison's or handler's open cases move to the
receiver in one step; the picker offers exactly the people the service accepts; the page previews
what will move; every moved case's history shows the handover; the receiver then sees and acts on it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from banli.audit.models import AuditEvent
from banli.cases.models import AssignmentState, DeptTask
from banli.cases.selectors import proposals_visible_to
from banli.errors import DomainError
from banli.handling import selectors as sel
from banli.handling import services as svc
from banli.handling.models import HandlingPlan, Handover
from banli.notify.models import Notification
from banli.orgs.services import user_create

from .factories import assigned, closed, planned, signed


def _person(cast, username, org, role, name):
    return user_create(
        username=username, org=org, roles=[role], password=cast.password, full_name=name, validate=False
    )


def _handover_events(a):
    return list(AuditEvent.objects.filter(assignment_id=a.pk, verb="assignment.handover"))


def test_a_liaison_hands_over_every_open_case_of_the_unit_and_the_new_liaison_acts_on_them(cast, login):
    waiting = assigned(cast, title="关于加快5G基站建设的建议")  # 待签收
    working = signed(cast, title="关于扶持中小企业的建议")  # 办理中
    done = closed(cast)  # 已办结: stays where it is
    elsewhere = signed(cast, assigned(cast, title="关于外贸的建议", units=[(cast.orgs.sw, "sole")]))
    newcomer = _person(cast, "liaison_gx2", cast.orgs.gx_office, "unit_liaison", "新联络员")

    items = sel.handover_items(cast.liaison_gx)
    assert {a.pk for a in items.assignments} == {waiting.pk, working.pk}

    h = svc.cases_handover(actor=cast.leader_gx, from_user=cast.liaison_gx, to_user=newcomer, note="岗位调整")

    assert h.assignment_count == 2
    for a in (waiting, working):
        (event,) = _handover_events(a)
        # The note stays on the handover record, out of the audit log (the auditor sees no free text).
        assert "工作移交：工信联络员 → 新联络员" in event.summary and "岗位调整" not in event.summary
    assert h.note == "岗位调整"
    assert _handover_events(done) == [] and _handover_events(elsewhere) == []
    page = login(newcomer).get(reverse("cases:detail", args=[working.proposal_id])).content.decode()
    assert "工作移交：工信联络员 → 新联络员" in page
    assert "2 件在办件已移交给您" in Notification.objects.get(user=newcomer, verb="handover").text
    assert "已移交给新联络员" in Notification.objects.get(user=cast.liaison_gx, verb="handover").text
    # The new liaison sees the moved cases in the list and acts on them: signs the waiting one.
    listed = set(proposals_visible_to(newcomer).values_list("pk", flat=True))
    assert {waiting.proposal_id, working.proposal_id} <= listed
    svc.assignment_sign(actor=newcomer, assignment=waiting)
    waiting.refresh_from_db()
    assert waiting.state == AssignmentState.HANDLING


def test_a_handler_alone_in_the_department_hands_over_to_a_handler_of_another_department(cast, login):
    a = planned(cast)  # plan: 产业发展处 leads, handler_gx responsible; task distributed to handler_gx
    (task,) = a.tasks.all()
    assert task.handler == cast.handler_gx and task.dept == cast.orgs.gx_industry

    items = sel.handover_items(cast.handler_gx)
    assert [x.pk for x in items.assignments] == [a.pk] and [t.pk for t in items.tasks] == [task.pk]
    h = svc.cases_handover(actor=cast.liaison_gx, from_user=cast.handler_gx, to_user=cast.handler_gx_sme)

    assert (h.assignment_count, h.task_count) == (1, 1)
    task.refresh_from_db()
    plan = HandlingPlan.objects.get(assignment=a)
    assert task.handler == cast.handler_gx_sme and task.dept == cast.orgs.gx_sme
    assert plan.lead_dept == cast.orgs.gx_sme and plan.responsible_person == cast.handler_gx_sme
    (event,) = _handover_events(a)
    assert "处室任务由市工业和信息化局产业发展处转到市工业和信息化局中小企业处" in event.summary
    # The receiver sees the case in their list and drafts the reply; the old handler no longer sees it.
    assert a.proposal_id in set(proposals_visible_to(cast.handler_gx_sme).values_list("pk", flat=True))
    assert a.proposal_id not in set(proposals_visible_to(cast.handler_gx).values_list("pk", flat=True))
    svc.reply_save_draft(
        actor=cast.handler_gx_sme,
        assignment=a,
        version=0,
        result_class="A",
        text="答复内容",
        contact_name="张三",
        contact_phone="0755-1234",
        disclosure="public",
    )
    assert Notification.objects.filter(user=cast.handler_gx_sme, verb="handover").exists()
    # Re-distributing the plan keeps the task where it moved (no second task for the old department).
    svc.plan_distribute(actor=cast.liaison_gx, assignment=a)
    assert list(DeptTask.objects.filter(assignment=a).values_list("dept", flat=True)) == [cast.orgs.gx_sme.pk]


def test_the_picker_offers_exactly_the_people_the_service_accepts(cast, login):
    planned(cast)
    unit_people = sel.handover_people(cast.orgs.gx)
    assert {u.username for u in unit_people} == {"liaison_gx", "leader_gx", "handler_gx", "handler_gx_sme"}
    c = login(cast.liaison_gx)
    html = c.get(reverse("handling:handover"), {"from_user": cast.handler_gx.pk}).content.decode()
    offered = {u.pk for u in unit_people if f'<option value="{u.pk}"' in html.split('name="to_user"')[1]}
    assert offered == {cast.handler_gx_sme.pk} == {u.pk for u in sel.handover_receivers(cast.handler_gx)}
    for u in unit_people + [cast.handler_sw]:
        if u.pk in offered:
            continue
        with pytest.raises(DomainError):
            svc.cases_handover(actor=cast.liaison_gx, from_user=cast.handler_gx, to_user=u)
    assert not Handover.objects.exists()
    svc.cases_handover(actor=cast.liaison_gx, from_user=cast.handler_gx, to_user=cast.handler_gx_sme)
    # A disabled account is never offered as receiver, and is refused.
    gone = _person(cast, "liaison_gx_old", cast.orgs.gx_office, "unit_liaison", "停用联络员")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    assert gone not in sel.handover_receivers(cast.liaison_gx)
    with pytest.raises(DomainError, match="停用"):
        svc.cases_handover(actor=cast.liaison_gx, from_user=cast.liaison_gx, to_user=gone)


def test_the_page_previews_the_cases_and_tasks_then_reports_how_many_moved(cast, login):
    a = planned(cast)
    c = login(cast.liaison_gx)
    html = c.get(reverse("handling:handover"), {"from_user": cast.handler_gx.pk}).content.decode()
    assert a.proposal.number in html and "处室任务（市工业和信息化局产业发展处，牵头）" in html
    assert "产业处承办人的在办件：" in html and "确认移交 1 件" in html
    resp = c.post(
        reverse("handling:handover"),
        {"from_user": cast.handler_gx.pk, "to_user": cast.handler_gx_sme.pk, "note": "调岗"},
        follow=True,
    )
    assert "已将产业处承办人的 1 件在办件移交给中小处承办人（含处室任务 1 个）。" in resp.content.decode()
    # Nothing left to move: the preview says so and offers no confirmation; the service refuses.
    html = c.get(reverse("handling:handover"), {"from_user": cast.handler_gx.pk}).content.decode()
    assert "没有在办件需要移交" in html and "确认移交" not in html
    with pytest.raises(DomainError, match="没有在办件"):
        svc.cases_handover(actor=cast.liaison_gx, from_user=cast.handler_gx, to_user=cast.handler_gx_sme)
