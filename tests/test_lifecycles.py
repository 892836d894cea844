"""No code writes a status field except through its lifecycle (banli/lifecycle.py).

Walks the source of `banli/` and fails on `x.state = …` (also inside a tuple target), on
`.update(state=…)` / `.update_or_create(state=…)`, on `.create(state=…)` and `Reply(state=…)`: services move an
object with `LC.move(obj, to, action=…)`, bulk paths `LC.check(old, to, action=…)` each object
first, and creation passes `**LC.start()`.
"""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest

from banli.audit.models import AuditEvent
from banli.cases.lifecycle import ASSIGNMENT, REPLY, REVIEW
from banli.cases.models import Assignment, AssignmentRole, AssignmentState, Reply, ReplyState, ReviewState
from banli.cases.services import assignment_create, assignment_withdraw, proposal_register, proposal_review
from banli.deadlines.lifecycle import EXTENSION
from banli.errors import DomainError
from banli.handling import services as handling
from banli.handling.lifecycle import ADJUSTMENT, COMMITMENT, FOLLOW_UP
from banli.handling.models import AdjustmentRequest, AdjustmentState
from banli.lifecycle import Lifecycle
from banli.portal.lifecycle import PUBLICATION

ROOT = Path(__file__).resolve().parent.parent / "banli"

# Every status field a lifecycle governs (Proposal.review_state; the state of Assignment, Reply,
# AdjustmentRequest, FollowUp, Commitment, Extension, Publication; the ledger import job's status).
STATUS_FIELDS = {"state", "status", "review_state"}

WRITE_CALLS = {"update", "create", "get_or_create", "update_or_create", "bulk_update"}

# Models whose `state` column is a copy for searching, not a lifecycle (textintel's SearchDoc).
NOT_GOVERNED = {"SearchDoc"}

# Models whose status a lifecycle governs: `Reply(state=…)` is a write too.
GOVERNED = {
    "Proposal",
    "Assignment",
    "Reply",
    "AdjustmentRequest",
    "FollowUp",
    "Commitment",
    "Extension",
    "Publication",
}

ALLOWED = {
    # The guard itself.
    "banli/lifecycle.py",
    # The ledger's bulk writer builds records in the state their recorded history reached; each
    # state is checked step by step against the lifecycles there (check_path), then batched.
    "banli/ledger/writing/",
}


def _allowed(rel: str) -> bool:
    return any(rel == a or (a.endswith("/") and rel.startswith(a)) for a in ALLOWED)


def _targets(node):
    if isinstance(node, (ast.Tuple, ast.List)):
        for elt in node.elts:
            yield from _targets(elt)
    elif isinstance(node, ast.Starred):
        yield from _targets(node.value)
    else:
        yield node


def _root(node) -> str:
    """The name a call chain starts from: `SearchDoc` for `SearchDoc.objects.filter(…).update`."""
    while True:
        if isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return node.id if isinstance(node, ast.Name) else ""


def status_writes(source: str) -> list[tuple[int, str]]:
    """(line, what) for every write of a status field in `source` that bypasses a lifecycle."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                for leaf in _targets(t):
                    if isinstance(leaf, ast.Attribute) and leaf.attr in STATUS_FIELDS:
                        found.append((node.lineno, f"assigns .{leaf.attr}"))
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) >= 2:
                name = node.args[1]
                if isinstance(name, ast.Constant) and name.value in STATUS_FIELDS:
                    found.append((node.lineno, f"setattr(…, {name.value!r})"))
            if isinstance(func, ast.Name) and func.id in GOVERNED:
                for kw in node.keywords:
                    if kw.arg in STATUS_FIELDS:
                        found.append((node.lineno, f"{func.id}({kw.arg}=…)"))
            if isinstance(func, ast.Attribute) and func.attr in WRITE_CALLS and _root(func) not in NOT_GOVERNED:
                for kw in node.keywords:
                    if kw.arg in STATUS_FIELDS:
                        found.append((node.lineno, f".{func.attr}({kw.arg}=…)"))
                    if kw.arg == "defaults" and isinstance(kw.value, ast.Dict):
                        for k in kw.value.keys:
                            if isinstance(k, ast.Constant) and k.value in STATUS_FIELDS:
                                found.append((node.lineno, f".{func.attr}(defaults={{{k.value!r}: …}})"))
                if func.attr == "bulk_update":
                    for arg in node.args[1:]:
                        if isinstance(arg, (ast.List, ast.Tuple)) and any(
                            isinstance(e, ast.Constant) and e.value in STATUS_FIELDS for e in arg.elts
                        ):
                            found.append((node.lineno, ".bulk_update(…, [status field])"))
    return found


def test_no_status_field_is_written_outside_its_lifecycle():
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).as_posix()
        if "/migrations/" in rel or _allowed(rel):
            continue
        offenders += [f"{rel}:{line}: {what}" for line, what in status_writes(path.read_text(encoding="utf-8"))]
    assert offenders == [], "status fields written outside banli/lifecycle.py:\n" + "\n".join(offenders)


def test_the_walker_finds_every_kind_of_write():
    src = """
a.state = "closed"
r.state, r.sent_on = S.SENT, on
p.review_state += ""
setattr(job, "status", "done")
Assignment.objects.filter(pk=1).update(state="closed")
Reply.objects.create(assignment=a, state="sent")
Publication.objects.update_or_create(reply=r, defaults={"state": "published"})
Commitment.objects.bulk_update(items, ["state"])
r = Reply(assignment=a, state="sent")
"""
    assert [line for line, _ in status_writes(src)] == [2, 3, 4, 5, 6, 7, 8, 9, 10]


def test_the_walker_leaves_reads_filters_and_lifecycle_calls_alone():
    src = """
old = a.state
qs = Assignment.objects.filter(state="handling").exclude(state="withdrawn")
ASSIGNMENT.move(a, "handling", action="签收")
Reply.objects.create(assignment=a, **REPLY.start())
audit(old={"state": old}, new={"state": a.state})
doc = SearchDoc(state=r.state)
SearchDoc.objects.bulk_update(changed, ["tokens", "state"])
"""
    assert status_writes(src) == []


# --- each lifecycle: every allowed move passes, every other one is refused and writes nothing ----------


LIFECYCLES = [REVIEW, ASSIGNMENT, REPLY, ADJUSTMENT, FOLLOW_UP, COMMITMENT, EXTENSION, PUBLICATION]
IDS = [lc.name for lc in LIFECYCLES]


def _pairs(lc: Lifecycle, allowed: bool):
    return [(lc, old, to) for old in lc.choices.values for to in lc.choices.values if lc.allows(old, to) == allowed]


ALLOWED_MOVES = [p for lc in LIFECYCLES for p in _pairs(lc, True)]
REFUSED_MOVES = [p for lc in LIFECYCLES for p in _pairs(lc, False)]


@pytest.mark.parametrize("lc", LIFECYCLES, ids=IDS)
def test_every_state_is_in_the_map_and_reachable(lc):
    assert set(lc.transitions) == set(lc.choices.values), "a state without a row in TRANSITIONS"
    seen, todo = set(), [lc.initial, *lc.entries]
    while todo:
        s = todo.pop()
        if s not in seen:
            seen.add(s)
            todo += list(lc.transitions[s])
    assert seen == set(lc.choices.values), f"unreachable: {set(lc.choices.values) - seen}"


@pytest.mark.parametrize("lc, old, to", ALLOWED_MOVES, ids=[f"{lc.name}:{o}->{t}" for lc, o, t in ALLOWED_MOVES])
def test_an_allowed_move_sets_the_field_and_returns_old_and_new(lc, old, to):
    obj = SimpleNamespace(**{lc.field: old})
    assert lc.move(obj, to, action="操作") == (old, to)
    assert getattr(obj, lc.field) == to


@pytest.mark.parametrize("lc, old, to", REFUSED_MOVES, ids=[f"{lc.name}:{o}->{t}" for lc, o, t in REFUSED_MOVES])
def test_a_refused_move_writes_nothing_and_names_the_current_state(lc, old, to):
    obj = SimpleNamespace(**{lc.field: old})
    with pytest.raises(DomainError) as e:
        lc.move(obj, to, action="操作")
    assert getattr(obj, lc.field) == old
    assert f"为“{lc.choices(old).label}”，不能操作" in str(e.value)


def test_start_gives_the_initial_state_or_a_declared_entry_only():
    assert ASSIGNMENT.start() == {"state": AssignmentState.PENDING_SIGN}
    assert REVIEW.start() == {"review_state": ReviewState.SUBMITTED}
    assert REPLY.start(ReplyState.SENT) == {"state": ReplyState.SENT}
    with pytest.raises(ValueError):
        ASSIGNMENT.start(AssignmentState.CLOSED)


def test_a_map_naming_an_unknown_state_is_refused_at_import():
    with pytest.raises(ValueError):
        Lifecycle(
            name="x",
            field="state",
            choices=AssignmentState,
            initial="pending_sign",
            transitions={"pending_sign": {"x"}},
        )


# --- the services go through the guards ----------------------------------------------------------------


@pytest.fixture
def assigned(cast):
    p = proposal_register(actor=cast.staff_npc, session=cast.npc_session, title="关于社区养老的建议", lead=cast.deputy)
    p = proposal_review(actor=cast.staff_npc, proposal=p, decision=ReviewState.ACCEPTED)
    (a,) = assignment_create(actor=cast.staff_npc, proposal=p, units=[(cast.orgs.gx, AssignmentRole.SOLE)])
    return p, a


def _written():
    return (
        AuditEvent.objects.count(),
        tuple(Assignment.objects.order_by("pk").values_list("state", "version")),
        tuple(Reply.objects.order_by("pk").values_list("state", "version")),
        tuple(AdjustmentRequest.objects.order_by("pk").values_list("state", flat=True)),
    )


def test_a_new_assignment_starts_pending_sign_and_its_audit_event_says_so(cast, assigned):
    _, a = assigned
    assert a.state == AssignmentState.PENDING_SIGN
    ev = AuditEvent.objects.get(verb="assignment.create", assignment_id=a.pk)
    assert ev.new["state"] == AssignmentState.PENDING_SIGN


def test_withdrawal_goes_through_the_assignment_guard(cast, assigned):
    _, a = assigned
    handling.assignment_sign(actor=cast.liaison_gx, assignment=a)
    before = _written()
    with pytest.raises(DomainError) as e:
        assignment_withdraw(actor=cast.staff_npc, assignment=a, reason="交错了")
    assert "当前为“办理中”" in str(e.value) and "单位已签收，不能撤回" in str(e.value)
    assert _written() == before


def test_withdrawal_records_old_and_new_state(cast, assigned):
    _, a = assigned
    a = assignment_withdraw(actor=cast.staff_npc, assignment=a, reason="交错了")
    assert a.state == AssignmentState.WITHDRAWN
    ev = AuditEvent.objects.get(verb="assignment.withdraw", assignment_id=a.pk)
    assert (ev.old["state"], ev.new["state"]) == (AssignmentState.PENDING_SIGN, AssignmentState.WITHDRAWN)
    before = _written()
    with pytest.raises(DomainError, match="当前为“已撤回”"):
        assignment_withdraw(actor=cast.staff_npc, assignment=a, reason="再撤一次")
    assert _written() == before


def test_reassignment_after_an_approved_adjustment_uses_the_one_constructor(cast, assigned):
    _, a = assigned
    req = handling.adjustment_request(actor=cast.liaison_gx, assignment=a, reason="职责不符")
    req = handling.adjustment_decide(actor=cast.staff_npc, request=req, approve=True, unit=cast.orgs.sw)
    assert req.state == AdjustmentState.APPROVED
    new = req.new_assignment
    assert (new.unit, new.state, new.role) == (cast.orgs.sw, AssignmentState.PENDING_SIGN, AssignmentRole.SOLE)
    assert new.sign_due is not None and new.reply_due is not None
    ev = AuditEvent.objects.get(verb="adjustment.approve", assignment_id=a.pk)
    assert ev.old["request_state"] == AdjustmentState.PENDING and ev.new["request_state"] == AdjustmentState.APPROVED
    assert AuditEvent.objects.get(verb="assignment.create", assignment_id=new.pk).new["state"] == "pending_sign"
    before = _written()
    with pytest.raises(DomainError, match="该调整申请当前为“已同意（已改交）”"):
        handling.adjustment_decide(actor=cast.staff_npc, request=req, approve=False, note="不同意")
    assert _written() == before


def test_a_draft_cannot_be_signed_off_and_nothing_is_written(cast, assigned):
    _, a = assigned
    handling.assignment_sign(actor=cast.liaison_gx, assignment=a)
    r = handling.reply_save_draft(actor=cast.liaison_gx, assignment=a, version=0, result_class="A", text="答复")
    before = _written()
    with pytest.raises(DomainError, match="答复稿当前为“草稿”，不能签发"):
        handling.reply_approve(actor=cast.leader_gx, reply=r)
    with pytest.raises(DomainError, match="答复稿当前为“草稿”，不能正式答复"):
        handling.reply_send(actor=cast.liaison_gx, reply=r)
    assert _written() == before


def test_review_refuses_a_move_back_and_names_the_current_state(cast, assigned):
    p, _ = assigned
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError, match="当前为“立案”，不能改为“待审查”"):
        proposal_review(actor=cast.staff_npc, proposal=p, decision=ReviewState.SUBMITTED)
    p.refresh_from_db()
    assert p.review_state == ReviewState.ACCEPTED and AuditEvent.objects.count() == events
