"""The REST endpoints under /api/v1/. Each is thin: parse, read the object through the same
`access_*` getter as the page, call the same service, answer JSON. A refusal is the service's own
Chinese message in the API's error shape (banli/api/base.py).

Writes are declared in ACTIONS (one row per service call) and become POST views with an
Idempotency-Key; each names its token action group and the UI route whose roles it shares, so
the permission matrix (banli/api/permissions.py) gives the API exactly the roles of the page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from banli.cases import services as cases
from banli.cases.forms import ProposalFilterForm
from banli.cases.models import Proposal, Reply, Session
from banli.cases.permissions import ROUTES as CASES_ROUTES
from banli.cases.selectors import (
    access_assignment,
    access_proposal,
    access_reply,
    filter_sessions_for,
    filter_units_for,
    proposal_rows,
    proposals_filtered,
    proposals_visible_to,
    user_body,
)
from banli.deadlines import selectors as deadlines_sel
from banli.deadlines import services as deadlines
from banli.deadlines.permissions import ROUTES as DEADLINES_ROUTES
from banli.errors import DomainError, NotFound
from banli.handling import selectors as handling_sel
from banli.handling import services as handling
from banli.handling.models import HandlingPlan
from banli.handling.permissions import ROUTES as HANDLING_ROUTES
from banli.ledger.export import ledger_export
from banli.ledger.permissions import ROUTES as LEDGER_ROUTES
from banli.orgs.models import Org, OrgKind, Role, User
from banli.stats import scope as stats_scope
from banli.stats.permissions import ROUTES as STATS_ROUTES
from banli.stats.selectors import stats_for
from banli.textintel import selectors as textintel
from banli.textintel import services as textintel_services
from banli.textintel.permissions import ROUTES as TEXT_ROUTES

from . import serializers as s
from .base import (
    EDIT_ERRORS,
    ERRORS,
    IDEMPOTENCY_KEY,
    IF_MATCH,
    IF_MATCH_WHEN_EXISTING,
    WRITE_ERRORS,
    ApiView,
    Pagination,
    etag_of,
    idempotent,
    if_match_version,
)
from .models import TokenAction
from .webhooks import webhook_subscribe, webhook_unsubscribe

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _unit(pk) -> Org | None:
    if pk is None:
        return None
    unit = Org.objects.filter(kind=OrgKind.UNIT, pk=pk).first()
    if unit is None:
        raise DomainError("找不到该承办单位。", field="unit")
    return unit


def _proposal_out(p: Proposal, *, detail: bool = False) -> dict:
    p = proposal_rows([p.pk])[0] if not hasattr(p, "status") else p
    return (s.ProposalDetailOut if detail else s.ProposalOut)(p).data


# --- reads ---------------------------------------------------------------------------------------

FILTERS = [
    OpenApiParameter("session", OpenApiTypes.INT, description="届次会议 id"),
    OpenApiParameter("status", OpenApiTypes.STR, enum=[c for c, _ in s.STATUS_CHOICES], description="办理状态"),
    OpenApiParameter("review", OpenApiTypes.STR, enum=["submitted", "accepted", "not_accepted", "merged"]),
    OpenApiParameter("unit", OpenApiTypes.INT, description="承办单位 id"),
    OpenApiParameter("role", OpenApiTypes.STR, enum=["lead", "co", "separate", "sole"], description="办理方式"),
    OpenApiParameter("key", OpenApiTypes.STR, enum=["1", "0"], description="重点"),
    OpenApiParameter("q", OpenApiTypes.STR, description="编号或标题关键词"),
    OpenApiParameter("page", OpenApiTypes.INT),
    OpenApiParameter("page_size", OpenApiTypes.INT),
]


class ProposalList(ApiView):
    """The proposal list with the page's filters (an invalid filter value is ignored, as on the page)."""

    route = "proposals"
    roles = CASES_ROUTES["cases:list"]["GET"]

    @extend_schema(
        operation_id="proposals_list",
        summary="建议提案列表",
        parameters=FILTERS,
        responses={200: s.ProposalPage, **ERRORS},
    )
    def get(self, request):
        user = request.user
        form = ProposalFilterForm(request.GET, sessions=filter_sessions_for(user), units=filter_units_for(user))
        qs = proposals_filtered(user, **form.filters()).values_list("pk", flat=True)
        pager = Pagination()
        ids = list(pager.paginate_queryset(qs, request, self))
        return pager.get_paginated_response(s.ProposalOut(proposal_rows(ids), many=True).data)


class ProposalRegister(ProposalList):
    """POST on the list registers a proposal (the views are one class for the URL)."""

    post_roles = CASES_ROUTES["cases:register"]["POST"]

    def get_permissions(self):
        if self.request.method == "POST":
            self.token_action = TokenAction.REGISTER
        return super().get_permissions()

    @extend_schema(
        operation_id="proposals_register",
        summary="登记建议提案",
        request=s.RegisterIn,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: s.ProposalDetailOut, **WRITE_ERRORS},
    )
    def post(self, request):
        def run(once):
            d = _valid(s.RegisterIn, request)
            body = user_body(request.user) if request.user.has_role(Role.BODY_STAFF) else None
            session = Session.objects.filter(pk=d["session"], body=body).first() if body else None
            if session is None:
                raise DomainError("找不到该届次会议，或不属于您所在的人大/政协。", field="session")
            p = cases.proposal_intake(
                actor=request.user,
                session=session,
                title=d["title"],
                lead_name=d["lead"],
                cosigner_names=d.get("cosigners") or [],
                number=d.get("number") or None,
                content=d.get("content", ""),
                channel=d.get("channel") or "plenary",
                group=d.get("group", ""),
                topic=d.get("topic", ""),
                submitted_on=d.get("submitted_on"),
                once=once,
            )
            p = access_proposal(request.user, p.pk)
            return Response(_proposal_out(p, detail=True), status=201, headers={"ETag": etag_of(p)})

        return idempotent(request, run)


class ProposalDetail(ApiView):
    route = "proposal"
    roles = CASES_ROUTES["cases:detail"]["GET"]
    patch_roles = CASES_ROUTES["cases:edit"]["POST"]

    def get_permissions(self):
        if self.request.method == "PATCH":
            self.token_action = TokenAction.REGISTER
        return super().get_permissions()

    @extend_schema(
        operation_id="proposals_read", summary="建议提案详情", responses={200: s.ProposalDetailOut, **ERRORS}
    )
    def get(self, request, pk):
        p = access_proposal(request.user, pk)
        return Response(_proposal_out(p, detail=True), headers={"ETag": etag_of(p)})

    @extend_schema(
        operation_id="proposals_edit",
        summary="更正登记信息（需 If-Match）",
        request=s.EditIn,
        parameters=[IF_MATCH],
        responses={200: s.ProposalDetailOut, **EDIT_ERRORS},
    )
    def patch(self, request, pk):
        p = access_proposal(request.user, pk)
        d = _valid(s.EditIn, request)
        version = if_match_version(request, p)
        cases.proposal_edit(
            actor=request.user,
            proposal=p,
            version=version,
            lead_name=d["lead"],
            cosigner_names=d.get("cosigners") or [],
            title=d["title"],
            number=d.get("number", ""),
            content=d.get("content", p.content),
            channel=d.get("channel") or p.channel,
            group=d.get("group", ""),
            topic=d.get("topic", p.topic),
            submitted_on=d.get("submitted_on", p.submitted_on),
        )
        p = access_proposal(request.user, pk)
        return Response(_proposal_out(p, detail=True), headers={"ETag": etag_of(p)})


class AssignmentDetail(ApiView):
    route = "assignment"
    roles = CASES_ROUTES["cases:detail"]["GET"]

    @extend_schema(operation_id="assignments_read", summary="交办单位详情", responses={200: s.AssignmentOut, **ERRORS})
    def get(self, request, pk):
        a = access_assignment(request.user, pk)
        return Response(s.AssignmentOut(a).data, headers={"ETag": etag_of(a)})


class ReplyDraft(ApiView):
    """The unit's reply draft: read it (with its ETag) and save it (If-Match)."""

    route = "reply_draft"
    roles = HANDLING_ROUTES["handling:reply"]["GET"]
    token_action = TokenAction.REPLY

    def _draft(self, request, pk):
        a = access_assignment(request.user, pk)
        if not (handling_sel.is_liaison(request.user, a) or handling_sel.is_handler(request.user, a)):
            raise NotFound()
        return a, handling_sel.open_reply(a)

    @extend_schema(operation_id="reply_draft_read", summary="读取答复稿", responses={200: s.ReplyOut, **ERRORS})
    def get(self, request, pk):
        _, draft = self._draft(request, pk)
        if draft is None:
            raise NotFound()
        return Response(s.ReplyOut(draft).data, headers={"ETag": etag_of(draft)})

    @extend_schema(
        operation_id="reply_draft_save",
        summary="保存答复稿（已有稿件时需 If-Match）",
        request=s.ReplyDraftIn,
        parameters=[IF_MATCH_WHEN_EXISTING],
        responses={200: s.ReplyOut, **EDIT_ERRORS},
    )
    def put(self, request, pk):
        a, draft = self._draft(request, pk)
        d = _valid(s.ReplyDraftIn, request)
        version = if_match_version(request, draft) if draft is not None else 0
        r = handling.reply_save_draft(actor=request.user, assignment=a, version=version, **d)
        r = Reply.objects.get(pk=r.pk)
        return Response(s.ReplyOut(r).data, headers={"ETag": etag_of(r)})


def _dept(pk) -> Org | None:
    dept = Org.objects.filter(kind=OrgKind.DEPT, pk=pk).first()
    if dept is None:
        raise DomainError("找不到该处室。", field="lead_dept")
    return dept


def _person(pk, field: str) -> User | None:
    if pk is None:
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise DomainError("找不到该人员。", field=field)
    return user


class Plan(ApiView):
    """The unit's handling plan (办理方案/责任清单): read it with its ETag, save it with If-Match."""

    route = "plan"
    roles = HANDLING_ROUTES["handling:plan"]["GET"]
    put_roles = HANDLING_ROUTES["handling:plan"]["POST"]
    token_action = TokenAction.HANDLE

    def _plan(self, request, pk):
        a = access_assignment(request.user, pk)
        if not handling_sel.is_liaison(request.user, a):
            raise NotFound()
        return a, HandlingPlan.objects.filter(assignment=a).first()

    @extend_schema(operation_id="plan_read", summary="读取办理方案", responses={200: s.PlanOut, **ERRORS})
    def get(self, request, pk):
        _, plan = self._plan(request, pk)
        if plan is None:
            raise NotFound()
        return Response(s.PlanOut(plan).data, headers={"ETag": etag_of(plan)})

    @extend_schema(
        operation_id="plan_save",
        summary="保存办理方案（已有方案时需 If-Match）",
        request=s.PlanIn,
        parameters=[IF_MATCH_WHEN_EXISTING],
        responses={200: s.PlanOut, **EDIT_ERRORS},
    )
    def put(self, request, pk):
        a, plan = self._plan(request, pk)
        d = _valid(s.PlanIn, request)
        version = if_match_version(request, plan) if plan is not None else 0
        plan = handling.plan_save(
            actor=request.user,
            assignment=a,
            version=version,
            lead_dept=_dept(d["lead_dept"]),
            assist_depts=[_dept(x) for x in d.get("assist_depts") or []],
            responsible_leader=_person(d.get("responsible_leader"), "responsible_leader"),
            responsible_person=_person(d.get("responsible_person"), "responsible_person"),
            internal_due=d.get("internal_due"),
            text=d.get("text", ""),
        )
        plan = HandlingPlan.objects.get(pk=plan.pk)
        return Response(s.PlanOut(plan).data, headers={"ETag": etag_of(plan)})


class Stats(ApiView):
    route = "stats"
    roles = STATS_ROUTES["stats:overview"]["GET"]

    @extend_schema(
        operation_id="stats_overview",
        summary="办理统计（SPEC §9）",
        parameters=[
            OpenApiParameter("session", OpenApiTypes.INT, many=True, description="届次会议 id，可多个"),
            OpenApiParameter("org", OpenApiTypes.INT, description="机构 id（在您的范围内）"),
        ],
        responses={200: OpenApiTypes.OBJECT, **ERRORS},
    )
    def get(self, request):
        ids = [x for x in request.GET.getlist("session") if x.isdigit() and len(x) < 18]
        org_id = request.GET.get("org", "")
        org_id = org_id if org_id.isdigit() and len(org_id) < 18 else None
        sessions, org = stats_scope.resolve(request.user, session_ids=ids, org_id=org_id if org_id else None)
        if not sessions:
            first = stats_scope.sessions_for(request.user).first()
            sessions = [first] if first else []
        data = stats_for(sessions=sessions, org=org) if sessions else {}
        return Response(
            {
                "sessions": [x.pk for x in sessions],
                "org": org.pk if org else None,
                "figures": _jsonable(data),
            }
        )


class LedgerExport(ApiView):
    route = "ledger_export"
    roles = LEDGER_ROUTES["ledger:export"]["GET"]

    @extend_schema(
        operation_id="ledger_export",
        summary="导出台账（.xlsx）",
        parameters=[
            OpenApiParameter("session", OpenApiTypes.INT, required=True, description="届次会议 id"),
            OpenApiParameter("org", OpenApiTypes.INT, description="机构 id"),
        ],
        responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY), **ERRORS},
    )
    def get(self, request):
        sid = request.GET.get("session", "")
        session = Session.objects.filter(pk=int(sid)).first() if sid.isdigit() and len(sid) < 18 else None
        if session is None:
            raise NotFound()
        oid = request.GET.get("org", "")
        org = Org.objects.filter(pk=int(oid)).first() if oid.isdigit() and len(oid) < 18 else None
        if oid and org is None:
            raise NotFound()
        data = ledger_export(actor=request.user, session=session, org=org)
        resp = HttpResponse(data, content_type=XLSX)
        resp["Content-Disposition"] = f'attachment; filename="ledger-{session.code}.xlsx"'
        return resp


class SimilarItemOut(serializers.Serializer):
    proposal = serializers.IntegerField(allow_null=True)
    number = serializers.CharField(allow_null=True)
    title = serializers.CharField(allow_null=True)
    score = serializers.FloatField()
    terms = serializers.ListField(child=serializers.CharField())
    same_session = serializers.BooleanField()
    visible = serializers.BooleanField()


class SimilarOut(serializers.Serializer):
    same = SimilarItemOut(many=True)
    past = SimilarItemOut(many=True)


class UnitScoreOut(serializers.Serializer):
    unit = s.OrgRef()
    score = serializers.FloatField()
    evidence = SimilarItemOut(many=True)


class RecommendationOut(serializers.Serializer):
    model_id = serializers.IntegerField(allow_null=True)
    leads = UnitScoreOut(many=True)
    cos = UnitScoreOut(many=True)


def _similar_item(item) -> dict:
    visible = bool(item.visible)
    return {
        "proposal": item.proposal.pk if visible else None,
        "number": item.proposal.number if visible else None,
        "title": item.proposal.title if visible else None,
        "score": round(float(item.score), 4),
        "terms": list(item.terms),
        "same_session": bool(item.same_session),
        "visible": visible,
    }


class Similar(ApiView):
    route = "similar"
    roles = TEXT_ROUTES["textintel:similar_proposal"]["GET"]

    @extend_schema(
        operation_id="proposals_similar",
        summary="相似建议提案（本次会议与往届）",
        responses={200: SimilarOut, **ERRORS},
    )
    def get(self, request, pk):
        p = access_proposal(request.user, pk)
        data = textintel.similar_for_proposal(request.user, p) if textintel.can_see_similar(request.user) else {}
        return Response({k: [_similar_item(i) for i in data.get(k, [])] for k in ("same", "past")})


class Recommend(ApiView):
    route = "recommend"
    roles = TEXT_ROUTES["textintel:recommend"]["GET"]

    @extend_schema(
        operation_id="proposals_recommend",
        summary="承办单位推荐",
        responses={200: RecommendationOut, **ERRORS},
    )
    def get(self, request, pk):
        user = request.user
        if not user.has_role(Role.BODY_STAFF, Role.COORDINATOR):
            raise NotFound()
        p = access_proposal(user, pk)
        rec = textintel.recommendation_view(user, p) or {"model_id": None, "leads": [], "cos": []}
        if rec["leads"]:
            textintel_services.recommendation_log(
                actor=user,
                proposal=p,
                model_id=rec["model_id"],
                leads=[[u.unit.pk, round(u.score, 4)] for u in rec["leads"]],
                cos=[[u.unit.pk, round(u.score, 4)] for u in rec["cos"]],
            )

        def unit(u):
            return {
                "unit": {"id": u.unit.pk, "name": u.unit.name},
                "score": round(float(u.score), 4),
                "evidence": [_similar_item(i) for i in u.evidence],
            }

        return Response(
            {
                "model_id": rec["model_id"],
                "leads": [unit(u) for u in rec["leads"]],
                "cos": [unit(u) for u in rec["cos"]],
            }
        )


# --- actions (POST with an Idempotency-Key) ------------------------------------------------------


@dataclass(frozen=True)
class Action:
    name: str  # URL name inside the api namespace, and the operation id
    path: str  # under /api/v1/, with <int:pk>
    summary: str
    getter: Callable  # (user, pk) -> object, NotFound for missing and foreign
    call: Callable  # (actor, obj, data, once) -> result
    out: type  # output serializer
    token_action: str
    roles: frozenset
    input: type | None = None
    status: int = 200


def _valid(serializer_class, request) -> dict:
    ser = serializer_class(data=request.data)
    ser.is_valid(raise_exception=True)
    return dict(ser.validated_data)


def _proposal_of(p, kw):
    return access_proposal(kw["actor"], p.pk)


def _review(actor, p, d, once):
    merge = None
    if d.get("merge_into"):
        merge = proposals_visible_to(actor).filter(pk=d["merge_into"], session=p.session).first()
        if merge is None:
            raise DomainError("找不到要并入的建议提案（须为同一届次）。", field="merge_into")
    cases.proposal_review(
        actor=actor, proposal=p, decision=d["decision"], reason=d.get("reason", ""), merge_into=merge, once=once
    )
    return access_proposal(actor, p.pk)


def _assign(actor, p, d, once):
    parent = None
    if d.get("parent"):
        parent = access_assignment(actor, d["parent"])
        if parent.proposal_id != p.pk:
            raise NotFound()
    units = [(_unit(x["unit"]), x["role"]) for x in d["units"]]
    made = cases.assignment_create(
        actor=actor, proposal=p, units=units, assigned_on=d.get("assigned_on"), parent=parent, once=once
    )
    return {"ids": [a.pk for a in made]}


def _evaluate(actor, a, d, once):
    pid = d.pop("proposer", None)
    who = handling_sel.eligible_proposers(a.proposal).filter(pk=pid).first() if pid else None
    if pid and who is None:
        raise DomainError("所选代表/委员不是该件的提出人。", field="proposer")
    ev = handling.evaluation_submit(actor=actor, assignment=a, proposer=who, once=once, **d)
    return ev


def _access_adjustment(user, pk):
    return handling_sel.access_adjustment_request(user, pk)


def _fresh_assignment(actor, obj):
    a = obj if hasattr(obj, "unit_id") else obj.assignment
    return access_assignment(actor, a.pk)


R = {**CASES_ROUTES, **HANDLING_ROUTES, **DEADLINES_ROUTES}

ACTIONS = [
    Action(
        "proposal_review",
        "proposals/<int:pk>/review/",
        "立案审查（立案/不予立案/并案）",
        access_proposal,
        _review,
        s.ProposalDetailOut,
        TokenAction.REGISTER,
        R["cases:review"]["POST"],
        s.ReviewIn,
    ),
    Action(
        "proposal_assign",
        "proposals/<int:pk>/assign/",
        "交办（主办/会办/分办/承办）",
        access_proposal,
        _assign,
        s.ListOut,
        TokenAction.ASSIGN,
        R["cases:assign"]["POST"],
        s.AssignIn,
        201,
    ),
    Action(
        "assignment_withdraw",
        "assignments/<int:pk>/withdraw/",
        "撤回交办",
        access_assignment,
        lambda actor, a, d, once: cases.assignment_withdraw(actor=actor, assignment=a, reason=d["reason"], once=once),
        s.AssignmentOut,
        TokenAction.ASSIGN,
        R["cases:withdraw"]["POST"],
        s.ReasonIn,
    ),
    Action(
        "assignment_sign",
        "assignments/<int:pk>/sign/",
        "签收",
        access_assignment,
        lambda actor, a, d, once: handling.assignment_sign(actor=actor, assignment=a, once=once),
        s.AssignmentOut,
        TokenAction.HANDLE,
        R["handling:sign"]["POST"],
    ),
    Action(
        "assignment_adjust",
        "assignments/<int:pk>/adjustment/",
        "申请调整",
        access_assignment,
        lambda actor, a, d, once: handling.adjustment_request(
            actor=actor, assignment=a, reason=d["reason"], suggested_unit=_unit(d.get("suggested_unit")), once=once
        ),
        s.IdOut,
        TokenAction.HANDLE,
        R["handling:adjust"]["POST"],
        s.AdjustIn,
        201,
    ),
    Action(
        "adjustment_decide",
        "adjustments/<int:pk>/decide/",
        "审批调整申请",
        _access_adjustment,
        lambda actor, req, d, once: handling.adjustment_decide(
            actor=actor,
            request=req,
            approve=d["approve"],
            unit=_unit(d.get("unit")),
            note=d.get("note", ""),
            once=once,
        ),
        s.IdOut,
        TokenAction.ASSIGN,
        R["handling:adjust_decide"]["POST"],
        s.DecideIn,
    ),
    Action(
        "assignment_distribute",
        "assignments/<int:pk>/distribute/",
        "按办理方案分办到处室",
        access_assignment,
        lambda actor, a, d, once: {
            "ids": [t.pk for t in handling.plan_distribute(actor=actor, assignment=a, once=once)]
        },
        s.ListOut,
        TokenAction.HANDLE,
        R["handling:distribute"]["POST"],
    ),
    Action(
        "contact_add",
        "assignments/<int:pk>/contacts/",
        "记录沟通联系（办前/办中/办后）",
        access_assignment,
        lambda actor, a, d, once: handling.contact_add(actor=actor, assignment=a, once=once, **d),
        s.IdOut,
        TokenAction.HANDLE,
        R["handling:contact"]["POST"],
        s.ContactIn,
        201,
    ),
    Action(
        "co_opinion",
        "assignments/<int:pk>/co-opinion/",
        "提交会办意见",
        access_assignment,
        lambda actor, a, d, once: handling.co_opinion_submit(actor=actor, assignment=a, text=d["text"], once=once),
        s.IdOut,
        TokenAction.HANDLE,
        R["handling:co_opinion"]["POST"],
        s.TextIn,
        201,
    ),
    Action(
        "reply_submit",
        "replies/<int:pk>/submit/",
        "答复稿提交领导签发",
        access_reply,
        lambda actor, r, d, once: handling.reply_submit(actor=actor, reply=r, once=once),
        s.ReplyOut,
        TokenAction.REPLY,
        R["handling:reply_submit"]["POST"],
    ),
    Action(
        "reply_approve",
        "replies/<int:pk>/approve/",
        "领导签发答复",
        access_reply,
        lambda actor, r, d, once: handling.reply_approve(actor=actor, reply=r, once=once),
        s.ReplyOut,
        TokenAction.REPLY,
        R["handling:reply_approve"]["POST"],
    ),
    Action(
        "reply_return",
        "replies/<int:pk>/return/",
        "退回答复稿修改",
        access_reply,
        lambda actor, r, d, once: handling.reply_return(actor=actor, reply=r, comment=d["comment"], once=once),
        s.ReplyOut,
        TokenAction.REPLY,
        R["handling:reply_return"]["POST"],
        s.ReturnIn,
    ),
    Action(
        "reply_send",
        "replies/<int:pk>/send/",
        "正式答复代表委员",
        access_reply,
        lambda actor, r, d, once: handling.reply_send(
            actor=actor, reply=r, missing_opinion_reason=d.get("missing_opinion_reason", ""), once=once
        ),
        s.ReplyOut,
        TokenAction.REPLY,
        R["handling:reply_send"]["POST"],
        s.SendIn,
    ),
    Action(
        "evaluation",
        "assignments/<int:pk>/evaluation/",
        "评价答复（满意/基本满意/不满意）",
        access_assignment,
        _evaluate,
        s.IdOut,
        TokenAction.EVALUATE,
        R["handling:evaluate"]["POST"],
        s.EvaluationIn,
        201,
    ),
    Action(
        "commitment_progress",
        "commitments/<int:pk>/progress/",
        "记录承诺事项落实进展（B类跟踪落实）",
        lambda user, pk: handling_sel.access_commitment(user, pk),
        lambda actor, c, d, once: handling.commitment_progress_add(
            actor=actor, commitment=c, text=d["text"], done=d.get("done", False), once=once
        ),
        s.IdOut,
        TokenAction.EVALUATE,
        R["handling:progress"]["POST"],
        s.ProgressIn,
        201,
    ),
    Action(
        "extension_request",
        "assignments/<int:pk>/extensions/",
        "申请延期",
        access_assignment,
        lambda actor, a, d, once: deadlines.extension_request(
            actor=actor, assignment=a, reason=d["reason"], requested_due=d["requested_due"], once=once
        ),
        s.IdOut,
        TokenAction.SUPERVISE,
        R["deadlines:extension_request"]["POST"],
        s.ExtensionIn,
        201,
    ),
    Action(
        "extension_decide",
        "extensions/<int:pk>/decide/",
        "审批延期申请",
        lambda user, pk: deadlines_sel.access_extension(user, pk),
        lambda actor, e, d, once: deadlines.extension_decide(
            actor=actor,
            extension=e,
            approve=d["approve"],
            note=d.get("note", ""),
            granted_due=d.get("granted_due"),
            once=once,
        ),
        s.IdOut,
        TokenAction.SUPERVISE,
        R["deadlines:extension_decide"]["POST"],
        s.ExtensionDecideIn,
    ),
    Action(
        "supervision",
        "assignments/<int:pk>/supervision/",
        "记录督办",
        access_assignment,
        lambda actor, a, d, once: deadlines.supervision_record(actor=actor, assignment=a, once=once, **d),
        s.IdOut,
        TokenAction.SUPERVISE,
        R["deadlines:supervise"]["POST"],
        s.SupervisionIn,
        201,
    ),
    Action(
        "reminder",
        "assignments/<int:pk>/reminders/",
        "催办",
        access_assignment,
        lambda actor, a, d, once: {
            "ids": [r.pk for r in deadlines.reminder_send(actor=actor, assignment=a, message=d["message"], once=once)]
        },
        s.ListOut,
        TokenAction.SUPERVISE,
        R["deadlines:remind"]["POST"],
        s.RemindIn,
        201,
    ),
]


def _output(action: Action, actor, result):
    if isinstance(result, dict):
        return result
    if action.out in (s.AssignmentOut,):
        return s.AssignmentOut(_fresh_assignment(actor, result)).data
    if action.out is s.ReplyOut:
        return s.ReplyOut(Reply.objects.get(pk=result.pk)).data
    if action.out is s.ProposalDetailOut:
        return _proposal_out(result, detail=True)
    return action.out(result).data


def action_view(action: Action):
    class View(ApiView):
        route = action.name
        roles = action.roles
        token_action = action.token_action

        @extend_schema(
            operation_id=action.name,
            summary=action.summary,
            request=action.input,
            parameters=[IDEMPOTENCY_KEY],
            responses={action.status: action.out, **WRITE_ERRORS},
        )
        def post(self, request, pk):
            def run(once):
                obj = action.getter(request.user, pk)
                data = _valid(action.input, request) if action.input else {}
                result = action.call(request.user, obj, data, once)
                return Response(_output(action, request.user, result), status=action.status)

            return idempotent(request, run)

    View.__name__ = View.__qualname__ = "".join(w.title() for w in action.name.split("_")) + "View"
    View.__doc__ = action.summary
    return View


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return str(value)


def now_iso() -> str:
    return timezone.now().isoformat()


# --- webhook subscriptions (an integration token's own) -------------------------------------------


def _token_of(request):
    token = getattr(request, "auth", None)
    if not hasattr(token, "allows"):
        raise DomainError("只有接口令牌可以订阅事件（请由安全管理员签发令牌）。")
    return token


class Webhooks(ApiView):
    route = "webhooks"
    roles = frozenset({Role.BODY_STAFF, Role.COORDINATOR, Role.UNIT_LIAISON})
    token_action = TokenAction.WEBHOOK

    @extend_schema(
        operation_id="webhooks_list", summary="本令牌的事件订阅", responses={200: s.WebhookOut(many=True), **ERRORS}
    )
    def get(self, request):
        token = getattr(request, "auth", None)
        subs = token.subscriptions.filter(is_active=True) if hasattr(token, "allows") else []
        return Response([{"id": x.pk, "url": x.url, "is_active": x.is_active} for x in subs])

    @extend_schema(
        operation_id="webhooks_create",
        summary="订阅状态变更事件（返回签名密钥，仅显示一次）",
        request=s.WebhookIn,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: s.WebhookOut, **WRITE_ERRORS},
    )
    def post(self, request):
        def run(once):
            token = _token_of(request)
            d = _valid(s.WebhookIn, request)
            sub = webhook_subscribe(token=token, url=d["url"])
            return Response({"id": sub.pk, "url": sub.url, "is_active": True, "secret": sub.secret}, status=201)

        return idempotent(request, run)


class WebhookDetail(ApiView):
    route = "webhook"
    roles = Webhooks.roles
    token_action = TokenAction.WEBHOOK

    @extend_schema(operation_id="webhooks_delete", summary="取消订阅", responses={204: None, **ERRORS})
    def delete(self, request, pk):
        token = getattr(request, "auth", None)
        if not hasattr(token, "allows"):
            raise NotFound()
        webhook_unsubscribe(token=token, pk=pk)
        return Response(status=204)
