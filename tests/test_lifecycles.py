"""No code writes a status field except through its lifecycle (banli/lifecycle.py).

Walks the source of `banli/` and fails on `x.state = …` (also inside a tuple target), on
`.update(state=…)` / `.update_or_create(state=…)` and on `.create(state=…)`: services move an
object with `LC.move(obj, to, action=…)`, bulk paths `LC.check(old, to, action=…)` each object
first, and creation passes `**LC.start()`.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "banli"

# Every status field a lifecycle governs (Proposal.review_state; the state of Assignment, Reply,
# AdjustmentRequest, FollowUp, Commitment, Extension, Publication; the ledger import job's status).
STATUS_FIELDS = {"state", "status", "review_state"}

WRITE_CALLS = {"update", "create", "get_or_create", "update_or_create", "bulk_update"}

# Models whose `state` column is a copy for searching, not a lifecycle (textintel's SearchDoc).
NOT_GOVERNED = {"SearchDoc"}

ALLOWED = {
    # The guard itself.
    "banli/lifecycle.py",
    # ledger: its bulk writer moves to LC.check in the ledger's own lifecycle
    "banli/ledger/",
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
"""
    assert [line for line, _ in status_writes(src)] == [2, 3, 4, 5, 6, 7, 8, 9]


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
