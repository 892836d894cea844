"""The case page: scope per role, what each role is offered, history, attachments."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from banli.audit.models import AuditEvent
from banli.cases.models import Attachment
from banli.cases.selectors import proposal_history
from banli.cases.services import (
    MAX_ATTACHMENT_BYTES,
    assignment_create,
    assignment_withdraw,
    attachment_add,
    proposal_set_key,
)
from banli.errors import DomainError

from .factories import case_set


@pytest.fixture
def cases(cast):
    return case_set(cast)


def url(p):
    return f"/cases/{p.pk}/"


SEES_MAIN = {
    "staff_npc",
    "coordinator",
    "liaison_gx",
    "leader_gx",
    "liaison_sw",
    "leader_sw",
    "deputy_user",
    "cosigner_user",
}
NOT_MAIN = {
    "staff_cppcc",
    "handler_gx",
    "handler_gx_sme",
    "handler_sw",
    "liaison_lh",
    "liaison_lh_fgj",
    "liaison_court",
    "outsider",
    "member_user",
}


@pytest.mark.parametrize("user", sorted(SEES_MAIN))
def test_case_page_shows_the_case_to_those_in_scope(cast, cases, login, user):
    resp = login(getattr(cast, user)).get(url(cases.main), follow=True)
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "关于加快数字经济发展的建议" in body and "市工业和信息化局" in body and "市商务局" in body


@pytest.mark.parametrize("user", sorted(NOT_MAIN))
def test_case_page_is_404_outside_scope(cast, cases, login, user):
    resp = login(getattr(cast, user)).get(url(cases.main))
    assert resp.status_code == 404
    assert "关于加快数字经济发展的建议" not in resp.content.decode()


@pytest.mark.parametrize("user", ["sysadmin", "secadmin", "auditor"])
def test_admins_cannot_open_a_case(cast, cases, login, user):
    resp = login(getattr(cast, user)).get(url(cases.main))
    assert resp.status_code == 404
    assert "关于加快数字经济发展的建议" not in resp.content.decode()


def test_missing_case_is_the_same_404(cast, cases, login):
    assert login(cast.staff_npc).get("/cases/999999/").status_code == 404


def test_district_and_its_sub_unit_see_the_district_case(cast, cases, login):
    for user in (cast.liaison_lh, cast.liaison_lh_fgj):
        assert login(user).get(url(cases.district)).status_code == 200
    # the proposer follows it on the portal
    resp = login(cast.outsider).get(url(cases.district))
    assert resp.status_code == 302 and resp["Location"] == f"/portal/p/{cases.district.pk}/"


def test_header_shows_registration_data_and_status(cast, cases, login):
    body = login(cast.staff_npc).get(url(cases.main)).content.decode()
    for text in (
        "第20230001号建议",
        "市七届人大四次会议",
        "王代表",
        "李代表",
        "经济发展",
        "2023年2月21日",
        "办理中",
        "立案",
    ):
        assert text in body


# --- what each role is offered ---------------------------------------------------------------


def test_body_staff_gets_review_form_for_a_submitted_case(cast, cases, login):
    body = login(cast.staff_npc).get(url(cases.fresh)).content.decode()
    assert f'action="/cases/{cases.fresh.pk}/review/"' in body
    assert f'action="/cases/{cases.fresh.pk}/key/"' in body
    assert f'action="/cases/{cases.fresh.pk}/assign/"' not in body  # not accepted yet


def test_body_staff_can_assign_and_withdraw_unsigned(cast, cases, login):
    body = login(cast.staff_npc).get(url(cases.main)).content.decode()
    assert f'action="/cases/{cases.main.pk}/assign/"' in body
    assert f'action="/cases/assignments/{cases.main_lead.pk}/withdraw/"' in body
    assert f'action="/cases/{cases.main.pk}/review/"' not in body  # assigned: no more review


@pytest.mark.parametrize("user", ["liaison_gx", "leader_gx", "deputy_user", "cosigner_user"])
def test_others_get_no_office_buttons(cast, cases, login, user):
    body = login(getattr(cast, user)).get(url(cases.main)).content.decode()
    for action in ("/review/", "/key/", "/assign/", "/withdraw/", "/attachments/"):
        assert f'{action}"' not in body


def test_coordinator_may_assign_within_the_government(cast, cases, login):
    resp = login(cast.coordinator).get(url(cases.main))
    form = resp.context["assign_form"]
    assert form is not None
    names = {u.name for u in form.fields["lead"].queryset}
    assert "市商务局" in names and "市中级人民法院" not in names


def test_district_liaison_is_offered_sub_assignment_one_level_down(cast, cases, login):
    resp = login(cast.liaison_lh).get(url(cases.district))
    top = next(a for a in resp.context["assignments"] if a.pk == cases.district_top.pk)
    assert top.sub_form is not None
    assert {u.name for u in top.sub_form.fields["lead"].queryset} == {"龙华区发展和改革局", "龙华区工业和信息化局"}
    assert resp.context["assign_form"] is None


# --- history -----------------------------------------------------------------------------------


def test_staff_see_full_history_with_changes(cast, cases, login):
    proposal_set_key(actor=cast.staff_npc, proposal=cases.main, is_key=True, leader="张副市长")
    body = login(cast.staff_npc).get(url(cases.main)).content.decode()
    assert "登记 20230001" in body and "交办市工业和信息化局（主办）" in body and "设为重点" in body
    assert "领衔督办领导" in body and "张副市长" in body


def test_proposer_sees_only_milestones(cast, cases, login):
    proposal_set_key(actor=cast.staff_npc, proposal=cases.main, is_key=True, leader="张副市长")
    (extra,) = assignment_create(actor=cast.staff_npc, proposal=cases.main, units=[(cast.orgs.court, "co")])
    assignment_withdraw(actor=cast.staff_npc, assignment=extra, reason="误选单位")
    verbs = {e.verb for e in proposal_history(cast.deputy_user, cases.main)}
    assert {"proposal.register", "proposal.review", "assignment.create"} <= verbs
    assert not verbs & {"proposal.set_key", "assignment.withdraw"}
    # The proposer reads the case on the portal: no internal reasons, no staff names.
    body = login(cast.deputy_user).get(url(cases.main), follow=True).content.decode()
    assert "误选单位" not in body and "人大工委干事" not in body


def test_history_rows_never_cross_cases(cast, cases, login):
    resp = login(cast.staff_npc).get(url(cases.main))
    assert {e.proposal_id for e in resp.context["history"]} == {cases.main.pk}


# --- attachments -------------------------------------------------------------------------------


@pytest.fixture
def att(cast, cases):
    return attachment_add(
        actor=cast.staff_npc,
        proposal=cases.main,
        file=SimpleUploadedFile("原件.pdf", b"%PDF-1.4 hello", content_type="application/pdf"),
    )


def test_attachment_download_in_scope(cast, cases, att, login):
    resp = login(cast.deputy_user).get(f"/cases/attachments/{att.pk}/")
    assert resp.status_code == 200
    assert resp["Content-Disposition"].startswith("attachment;")
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert b"".join(resp.streaming_content) == b"%PDF-1.4 hello"
    ev = AuditEvent.objects.filter(verb="attachment.download").get()
    assert ev.actor_id == cast.deputy_user.pk and ev.proposal_id == cases.main.pk


@pytest.mark.parametrize("user", ["outsider", "staff_cppcc", "liaison_court", "handler_gx", "member_user"])
def test_attachment_download_outside_scope_is_404_and_not_audited(cast, cases, att, login, user):
    resp = login(getattr(cast, user)).get(f"/cases/attachments/{att.pk}/")
    assert resp.status_code == 404
    assert not AuditEvent.objects.filter(verb="attachment.download").exists()


@pytest.mark.parametrize("user", ["sysadmin", "auditor"])
def test_admins_cannot_download(cast, cases, att, login, user):
    assert login(getattr(cast, user)).get(f"/cases/attachments/{att.pk}/").status_code == 404


def test_missing_attachment_is_the_same_404(cast, cases, login):
    assert login(cast.staff_npc).get("/cases/attachments/424242/").status_code == 404


def test_case_page_lists_attachments_with_download_links(cast, cases, att, login):
    body = login(cast.staff_npc).get(url(cases.main)).content.decode()
    assert f'href="/cases/attachments/{att.pk}/"' in body and "原件.pdf" in body


def test_attachment_over_20_mb_is_refused_and_nothing_written(cast, cases):
    big = SimpleUploadedFile("big.zip", b"0" * (MAX_ATTACHMENT_BYTES + 1))
    with pytest.raises(DomainError, match="超过 20 MB"):
        attachment_add(actor=cast.staff_npc, proposal=cases.main, file=big)
    assert Attachment.objects.count() == 0


def test_only_body_staff_add_proposal_attachments(cast, cases):
    for user in (cast.liaison_gx, cast.deputy_user):
        with pytest.raises(DomainError):
            attachment_add(actor=user, proposal=cases.main, file=SimpleUploadedFile("a.txt", b"x"))
    for user in (cast.staff_cppcc, cast.outsider):
        with pytest.raises(DomainError):  # NotFound is a DomainError
            attachment_add(actor=user, proposal=cases.main, file=SimpleUploadedFile("a.txt", b"x"))
    assert Attachment.objects.count() == 0


def test_upload_through_case_page(cast, cases, login):
    c = login(cast.staff_npc)
    resp = c.post(
        f"/cases/{cases.main.pk}/attachments/",
        {"files": [SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n"), SimpleUploadedFile("b.pdf", b"%PDF")]},
    )
    assert resp.status_code == 302
    assert sorted(Attachment.objects.values_list("name", flat=True)) == ["a.png", "b.pdf"]
    assert AuditEvent.objects.filter(verb="attachment.add", proposal_id=cases.main.pk).count() == 2


def test_upload_refused_for_unit_liaison(cast, cases, login):
    resp = login(cast.liaison_gx).post(
        f"/cases/{cases.main.pk}/attachments/", {"files": [SimpleUploadedFile("a.txt", b"x")]}
    )
    assert resp.status_code == 404
    assert Attachment.objects.count() == 0


def test_double_submitted_upload_stores_once(cast, cases, login):
    c = login(cast.staff_npc)
    for _ in range(2):
        resp = c.post(
            f"/cases/{cases.main.pk}/attachments/", {"once": "up-1", "files": [SimpleUploadedFile("a.pdf", b"%PDF")]}
        )
        assert resp.status_code == 302
    assert Attachment.objects.count() == 1


def test_closed_case_offers_no_assignment_and_assigned_case_folds_it(cast, cases, login):
    c = login(cast.staff_npc)
    assert c.get(url(cases.closed)).context["assign_form"] is None
    resp = c.get(url(cases.main))
    assert resp.context["assign_form"] is not None and resp.context["assign_folded"] is True


def test_units_see_their_own_internal_history_not_another_units(cast, cases, login):
    """A co unit does not read the lead unit's internal steps; the lead unit and the offices do."""
    from banli.audit.services import audit_record

    audit_record(
        actor=cast.liaison_gx,
        verb="plan.save",
        obj=cases.main_lead,
        proposal_id=cases.main.pk,
        assignment_id=cases.main_lead.pk,
        summary="制定办理方案：产业发展处牵头",
    )

    def seen(user):
        return (
            "制定办理方案：产业发展处牵头"
            in login(user).get(url(cases.main)).content.decode().split('id="h-history"', 1)[1]
        )

    assert seen(cast.liaison_gx) and seen(cast.leader_gx) and seen(cast.staff_npc) and seen(cast.coordinator)
    assert not seen(cast.liaison_sw)
    assert login(cast.deputy_user).get(url(cases.main)).status_code == 302  # to the portal
