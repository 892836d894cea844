"""Writes of the stats app: the unit assessment (绩效考核) weights."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction

from banli.audit.services import audit_record
from banli.errors import DomainError
from banli.orgs.models import Org, OrgKind, Role

from . import scope as report_scope
from .models import ASSESSMENT_METRICS, AssessmentWeights


def assessment_owner(actor) -> Org:
    """The org whose weights `actor` uses: their body office or their coordinating office."""
    sc = report_scope.scope_of(actor)
    if sc.body is not None:
        return sc.body
    for root in sc.roots:
        if root.kind == OrgKind.COORDINATOR:
            return root
    coord = sc.roots[0].nearest(OrgKind.COORDINATOR, OrgKind.NPC, OrgKind.CPPCC)
    return coord or sc.roots[0]


def weights_for(owner: Org) -> AssessmentWeights:
    return AssessmentWeights.objects.filter(owner=owner).first() or AssessmentWeights(owner=owner)


def assessment_weights_save(*, actor, weights: dict, overdue_penalty) -> AssessmentWeights:
    """Body staff or a coordinator sets the weights of the unit assessment for their scope."""
    if actor is None or not actor.has_role(Role.BODY_STAFF, Role.COORDINATOR):
        raise DomainError("只有人大/政协工作人员或督查协调人员可以设置考核权重。")
    owner = assessment_owner(actor)
    clean = {}
    for key, label, _ in ASSESSMENT_METRICS:
        raw = weights.get(key, 0)
        try:
            value = int(str(raw).strip() or 0)
        except ValueError:
            raise DomainError(f"“{label}”的权重须为0到100之间的整数。", field=key)
        if not 0 <= value <= 100:
            raise DomainError(f"“{label}”的权重须为0到100之间的整数。", field=key)
        clean[key] = value
    if sum(clean.values()) == 0:
        raise DomainError("至少一项权重须大于0。")
    try:
        penalty = Decimal(str(overdue_penalty).strip() or "0")
    except InvalidOperation:
        raise DomainError("每件逾期扣分须为数字。", field="overdue_penalty")
    if penalty < 0 or penalty > 100:
        raise DomainError("每件逾期扣分须在0到100之间。", field="overdue_penalty")
    with transaction.atomic():
        obj = AssessmentWeights.objects.select_for_update().filter(owner=owner).first()
        old = {"weights": obj.weights, "overdue_penalty": str(obj.overdue_penalty)} if obj else {}
        obj = obj or AssessmentWeights(owner=owner)
        obj.weights, obj.overdue_penalty, obj.updated_by = clean, penalty, actor
        obj.save()
        audit_record(
            actor=actor,
            verb="assessment.weights",
            obj=obj,
            summary=f"设置考核权重：{owner.name}",
            old=old,
            new={"weights": clean, "overdue_penalty": str(penalty)},
        )
    return obj
