"""The import job's status moves only along banli/ledger/lifecycle.py, and only through it."""

import pytest

from banli.errors import DomainError
from banli.ledger.lifecycle import IMPORT_JOB
from banli.ledger.models import JobStatus as S


def test_job_moves_only_forward():
    assert IMPORT_JOB.allows(S.VALIDATED, S.QUEUED) and IMPORT_JOB.allows(S.RUNNING, S.DONE)
    for old, to in [(S.INVALID, S.QUEUED), (S.DONE, S.QUEUED), (S.FAILED, S.RUNNING), (S.VALIDATED, S.RUNNING)]:
        with pytest.raises(DomainError, match="不能确认导入"):
            IMPORT_JOB.check(old, to, action="确认导入")


def test_every_state_the_writer_gives_is_a_path_the_services_take():
    """Each (role, dates, class, verdict) history maps to a path of steps the assignment
    lifecycle allows: the ledger has no step of its own (a co unit closed as 未提交 after its
    lead replied is a step the services take too)."""
    import datetime as dt
    import itertools

    from banli.cases.lifecycle import ASSIGNMENT
    from banli.cases.models import AssignmentState as A
    from banli.ledger.plan import RowAssignment
    from banli.ledger.writing.states import assignment_path, assignment_state, check_path

    day = dt.date(2020, 5, 1)
    seen = set()
    for role, signed, replied, cls, now, verdict, opinion, lead in itertools.product(
        ["lead", "co", "separate", "sole"],
        [None, day],
        [None, day],
        ["A", "B", "C"],
        ["", "A"],
        ["", "satisfied", "unsatisfied"],
        [None, day],
        [None, day],
    ):
        ra = RowAssignment(0, "u", role, day, signed, replied, cls if replied else "", "", [], verdict)
        ra.opinion_on, ra.current_class = opinion, now if cls == "B" else ""
        ra.converted_on = day if ra.current_class else None
        state, closed_on = assignment_state(ra, lead)
        path = assignment_path(ra, lead)
        seen.add(state)
        assert (closed_on is not None) == (state == A.CLOSED)
        assert all(ASSIGNMENT.allows(old, to) for old, to in itertools.pairwise(path)), path
    assert seen == {A.PENDING_SIGN, A.HANDLING, A.OPINION_SENT, A.REPLIED, A.REHANDLING, A.FOLLOW_UP, A.CLOSED}
    with pytest.raises(DomainError, match="不能把交办从“待签收”变为“已答复”"):
        check_path([A.PENDING_SIGN, A.REPLIED])
