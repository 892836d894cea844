"""Writes of text intelligence: the user dictionary, merging a duplicate, training and logging recommendations."""

from __future__ import annotations

import time

from django.db import transaction
from django.utils import timezone

from banli.audit.services import audit_record
from banli.cases.models import Assignment, AssignmentRole, AssignmentState, Proposal, ReviewState
from banli.cases.selectors import user_body
from banli.cases.services import proposal_review
from banli.errors import DomainError
from banli.orgs.models import Role

from .index import reindex_containing
from .lifecycle import RELATED_TERM
from .models import DictTerm, DocKind, Recommendation, RecommenderModel, RelatedTerm, RelatedTermStatus, SearchDoc
from .text import _CJK, normalize, segmenter


def _require_body_staff(actor, message: str = "只有人大/政协工作人员可以维护自定义词典。") -> None:
    if not (actor is not None and actor.has_role(Role.BODY_STAFF) and user_body(actor) is not None):
        raise DomainError(message)


def dictterm_add(*, actor, word: str, note: str = "") -> DictTerm:
    """Add a local term (e.g. 工业上楼) so segmentation keeps it whole; reindexes texts containing it."""
    _require_body_staff(actor)
    word = (word or "").strip()
    if not word:
        raise DomainError("请填写词语。", field="word")
    if len(word) < 2 or len(word) > 30 or any(c.isspace() for c in word):
        raise DomainError("词语应为 2 至 30 个字，且不含空格。", field="word")
    if not _CJK.search(word):
        raise DomainError("词语应包含汉字。", field="word")
    if DictTerm.objects.filter(word=word).exists() or DictTerm.objects.filter(word=normalize(word)).exists():
        raise DomainError(f"“{word}”已在词典中。", field="word")
    with transaction.atomic():
        t = DictTerm.objects.create(word=word, note=(note or "").strip()[:100], created_by=actor)
        audit_record(
            actor=actor,
            verb="dictterm.add",
            obj=t,
            summary=f"自定义词典添加“{word}”",
            new={"word": word, "note": t.note},
        )
        transaction.on_commit(lambda: _after_dict_change(word), robust=True)
    return t


def dictterm_delete(*, actor, term: DictTerm) -> None:
    _require_body_staff(actor)
    with transaction.atomic():
        word = term.word
        audit_record(
            actor=actor,
            verb="dictterm.delete",
            obj=term,
            summary=f"自定义词典删除“{word}”",
            old={"word": word, "note": term.note},
        )
        DictTerm.objects.filter(pk=term.pk).delete()
        transaction.on_commit(lambda: _after_dict_change(word), robust=True)


def _after_dict_change(word: str) -> None:
    segmenter.invalidate()
    reindex_containing(word)


# --- related terms -----------------------------------------------------------------------------------


def related_terms_learn() -> dict:
    """Learn related word pairs from every proposal, reply and contact (and the units that handled
    them), and store them as suggestions. Pairs staff confirmed or rejected keep their decision
    (their evidence is refreshed); suggestions the archive no longer supports are removed."""
    leads: dict[int, int] = {}
    for pid, unit, role in (
        Assignment.objects.filter(parent__isnull=True)
        .exclude(state=AssignmentState.WITHDRAWN)
        .order_by("proposal_id", "id")
        .values_list("proposal_id", "unit_id", "role")
    ):
        if role in (AssignmentRole.LEAD, AssignmentRole.SOLE) or pid not in leads:
            leads[pid] = unit
    assignment_unit = dict(Assignment.objects.values_list("pk", "unit_id"))
    texts, units = [], []
    for kind, pid, aid, tokens in SearchDoc.objects.values_list("kind", "proposal_id", "assignment_id", "tokens"):
        texts.append(tokens)
        units.append(leads.get(pid) if kind == DocKind.PROPOSAL else assignment_unit.get(aid))
    from . import related  # numpy/scipy: not loaded by every process start (banli help)

    learned = related.learn(texts, units)
    with transaction.atomic():
        existing = {(r.word_a, r.word_b): r for r in RelatedTerm.objects.all()}
        new, changed = [], []
        for x in learned:
            evidence = {"together": x.together, "npmi": x.npmi, "context": x.context, "units": x.units}
            row = existing.pop((x.a, x.b), None) or existing.pop((x.b, x.a), None)
            if row is None:
                new.append(RelatedTerm(word_a=x.a, word_b=x.b, score=x.score, evidence=evidence))
            elif row.score != x.score or row.evidence != evidence:
                row.score, row.evidence = x.score, evidence
                changed.append(row)
        RelatedTerm.objects.bulk_create(new)
        RelatedTerm.objects.bulk_update(changed, ["score", "evidence", "updated_at"], batch_size=500)
        stale = [r.pk for r in existing.values() if r.status == RelatedTermStatus.SUGGESTED]
        RelatedTerm.objects.filter(pk__in=stale).delete()
        out = {"documents": len(texts), "learned": len(learned), "new": len(new), "removed": len(stale)}
        audit_record(
            actor=None,
            verb="related.learn",
            object_type="textintel.relatedterm",
            summary=f"从 {len(texts)} 篇文本学习相关词（新增 {len(new)} 对，移除 {len(stale)} 对）",
            new=out,
        )
    return out


RELATED_DECISIONS = {"confirm": RelatedTermStatus.CONFIRMED, "reject": RelatedTermStatus.REJECTED}


def related_term_decide(*, actor, term: RelatedTerm, decision: str) -> RelatedTerm:
    """Confirm (the pair then bridges wording in similar-proposal search and merge suggestions) or
    reject a learned pair; either can be changed again later."""
    _require_body_staff(actor, "只有人大/政协工作人员可以确认或否决相关词。")
    status = RELATED_DECISIONS.get(decision)
    if status is None:
        raise DomainError("请选择确认或否决。")
    with transaction.atomic(durable=True):
        row = RelatedTerm.objects.select_for_update().filter(pk=term.pk).first()
        if row is None:
            raise DomainError("该相关词已不存在，请刷新页面。")
        if row.status != status:
            old, new = RELATED_TERM.move(
                row, status, action="确认" if status == RelatedTermStatus.CONFIRMED else "否决"
            )
            row.decided_by, row.decided_at = actor, timezone.now()
            row.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
            audit_record(
                actor=actor,
                verb=f"related.{decision}",
                obj=row,
                summary=f"相关词“{row.word_a}～{row.word_b}”{row.get_status_display()}",
                old={"status": old},
                new={"status": new},
            )
    return row


def proposal_merge_duplicate(*, actor, proposal: Proposal, into: Proposal, score: float | None = None) -> Proposal:
    """Merge (并案) a near-duplicate into another proposal of its session, through the review action."""
    reason = f"与第{into.number}号内容相同或相似，并案办理"
    if score is not None:
        reason += f"（相似度 {round(score * 100)}%）"
    return proposal_review(actor=actor, proposal=proposal, decision=ReviewState.MERGED, merge_into=into, reason=reason)


def recommender_train(*, actor=None) -> RecommenderModel:
    """Retrain the unit recommender from every past assignment and store it (actor None: the CLI)."""
    if actor is not None and not actor.has_role(Role.BODY_STAFF, Role.COORDINATOR):
        raise DomainError("只有人大/政协工作人员或督查协调人员可以重新训练交办推荐模型。")
    from . import recommender  # scikit-learn: not loaded by every process start (banli help)

    t0 = time.perf_counter()
    samples = recommender.samples_from_db()
    if len(samples) < 2 or len({s.lead for s in samples}) < 2:
        raise DomainError("已交办的建议提案太少（至少需要交办给两个不同单位的件），暂不能训练交办推荐模型。")
    history = _history()
    model = recommender.train(samples)
    blob = recommender.dumps(model)
    seconds = time.perf_counter() - t0
    with transaction.atomic():
        row = RecommenderModel.objects.create(
            blob=blob,
            n_samples=len(samples),
            n_units=len({s.lead for s in samples}),
            seconds=round(seconds, 3),
            metrics={"history": history},
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_record(
            actor=actor,
            verb="recommender.train",
            obj=row,
            summary=f"训练交办推荐模型（{len(samples)} 件）",
            new={"samples": len(samples), "units": row.n_units, "seconds": row.seconds, "bytes": len(blob)},
        )
    recommender.loaded.clear()
    return row


def _history() -> list[int]:
    """A fingerprint of the assignment history the model learns from: how many, and the newest."""
    qs = Assignment.objects.filter(parent__isnull=True).exclude(state=AssignmentState.WITHDRAWN)
    return [qs.count(), max(qs.order_by("-pk").values_list("pk", flat=True)[:1], default=0)]


def recommender_refresh(*, daily: bool = False) -> RecommenderModel | None:
    """Train the unit recommender again if the assignment history changed since the last model.

    Run after a ledger import and by the periodic scan (`daily`: at most once a day, and at once
    while there is no model yet), never on a request: until the first model exists the panel says
    it is being prepared. Returns the new model, or None (nothing changed, or too little history)."""
    latest = RecommenderModel.objects.defer("blob").order_by("-id").first()
    if latest is not None:
        if daily and timezone.localdate(latest.created_at) >= timezone.localdate():
            return None
        if (latest.metrics or {}).get("history") == _history():
            return None
    try:
        return recommender_train(actor=None)
    except DomainError:
        return None


def recommendation_log(
    *, actor, proposal: Proposal, model_id: int | None, leads: list, cos: list
) -> Recommendation | None:
    """Record what was shown, once per proposal and result (repeat views reuse the open record)."""
    if model_id is None or not leads:
        return None
    last = Recommendation.objects.filter(proposal=proposal, decided_at__isnull=True).order_by("-id").first()
    if last and last.model_id == model_id and last.leads == leads:
        return last
    return Recommendation.objects.create(proposal=proposal, model_id=model_id, shown_to=actor, leads=leads, cos=cos)


def recommendation_decide(*, proposal_id: int) -> Recommendation | None:
    """After an assignment: compare the chosen lead unit with the last recommendation shown."""
    rec = Recommendation.objects.filter(proposal_id=proposal_id, decided_at__isnull=True).order_by("-id").first()
    if rec is None:
        return None
    rows = list(
        Assignment.objects.filter(proposal_id=proposal_id, parent__isnull=True)
        .exclude(state=AssignmentState.WITHDRAWN)
        .order_by("id")
        .values_list("unit_id", "role")
    )
    chosen = next((u for u, r in rows if r in (AssignmentRole.LEAD, AssignmentRole.SOLE)), None)
    if chosen is None:
        chosen = next((u for u, r in rows if r == AssignmentRole.SEPARATE), None)
    if chosen is None:
        return None  # only co units so far: wait for the lead
    ranked = [u for u, _ in rec.leads]
    rec.chosen_lead_id = chosen
    rec.followed = bool(ranked) and ranked[0] == chosen
    rec.in_top3 = chosen in ranked[:3]
    rec.decided_at = timezone.now()
    rec.save(update_fields=["chosen_lead", "followed", "in_top3", "decided_at"])
    return rec


def _on_assignment_save(sender, instance, created=False, raw=False, **kwargs):
    if created and not raw and instance.parent_id is None:
        pid = instance.proposal_id
        transaction.on_commit(lambda: recommendation_decide(proposal_id=pid), robust=True)


def connect() -> None:
    from django.db.models.signals import post_save

    post_save.connect(_on_assignment_save, sender=Assignment, dispatch_uid="textintel_assignment_followed")
