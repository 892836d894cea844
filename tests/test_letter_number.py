"""发文字号 are given at 签发 from the unit's sequence for the year: no gaps, no duplicates, also when
leaders sign at the same moment (the threaded test runs on PostgreSQL, where the counter row lock
is what serialises them; SQLite's in-memory test database is not shared between threads)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from banli.cases.models import AssignmentRole as R
from banli.cases.models import ReplyState
from banli.errors import DomainError
from banli.handling import selectors as sel
from banli.handling import services as handling
from banli.handling.models import LetterCounter, LetterNumber

from . import factories as f


def _in_review(cast, n: int) -> list:
    out = []
    for i in range(n):
        p = f.accepted(cast, title=f"关于改善第{i + 1}片区营商环境的建议", number=f"2023{i + 1:04d}")
        a = f.assigned(cast, p, units=[(cast.orgs.gx, R.SOLE)])
        out.append(f.submitted(cast, a))
    return out


def _on_sqlite() -> bool:
    from django.conf import settings

    return "sqlite" in settings.DATABASES["default"]["ENGINE"]


def test_next_number_is_shown_before_and_given_at_sign_off(cast):
    (r,) = _in_review(cast, 1)
    year = handling.today().year
    assert sel.letter_number_next(cast.orgs.gx, year) == f"工业函〔{year}〕1号"
    assert sel.live_letter_number(r) is None
    r = handling.reply_approve(actor=cast.leader_gx, reply=r)
    assert str(sel.live_letter_number(r)) == f"工业函〔{year}〕1号"
    assert sel.letter_number_next(cast.orgs.gx, year) == f"工业函〔{year}〕2号"


def test_refused_sign_off_takes_no_number(cast):
    (r,) = _in_review(cast, 1)
    with pytest.raises(DomainError):
        handling.reply_approve(actor=cast.leader_sw, reply=r)
    assert LetterNumber.objects.count() == 0
    assert not LetterCounter.objects.filter(last__gt=0).exists()


def test_sequential_sign_offs_count_up_without_gaps(cast):
    replies = _in_review(cast, 3)
    for r in replies:
        handling.reply_approve(actor=cast.leader_gx, reply=r)
    assert sorted(LetterNumber.objects.values_list("seq", flat=True)) == [1, 2, 3]


@pytest.mark.skipif(_on_sqlite(), reason="needs a database shared between threads (PostgreSQL)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_sign_offs_on_postgresql_get_consecutive_distinct_numbers(cast):
    replies = _in_review(cast, 4)
    barrier = threading.Barrier(len(replies))
    errors = []

    def approve(r):
        try:
            barrier.wait(timeout=20)
            handling.reply_approve(actor=cast.leader_gx, reply=r)
        except Exception as e:
            errors.append(repr(e))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(r,)) for r in replies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(LetterNumber.objects.values_list("seq", flat=True)) == [1, 2, 3, 4]
    assert LetterNumber.objects.values("reply").distinct().count() == 4
    assert all(r.state == ReplyState.APPROVED for r in [type(r).objects.get(pk=r.pk) for r in replies])
