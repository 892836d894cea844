"""`banli remind` over a session's life: which reminders go to whom, once each; concurrency."""

import datetime as dt
import threading
from collections import Counter

import pytest
from django.core.management import call_command

from banli.calendar import workdays as cal
from banli.cases.models import AssignmentRole as R
from banli.cases.models import ReviewState
from banli.cases.services import assignment_create, proposal_register, proposal_review
from banli.deadlines.models import Reminder, Supervision, SupervisionCheck
from banli.deadlines.services import default_phase_dates, remind_scan, supervision_plan_create
from banli.notify.models import Notification

from . import factories as f

D = dt.date


@pytest.fixture(autouse=True)
def _fresh_cache():
    cal.clear_cache()
    yield
    cal.clear_cache()


def make_case(cast, title):
    p = proposal_register(
        actor=cast.staff_npc, session=cast.npc_session, title=title, lead=cast.deputy, submitted_on=D(2023, 2, 20)
    )
    return proposal_review(actor=cast.staff_npc, proposal=p, decision=ReviewState.ACCEPTED)


def sent_on(day):
    return {
        (r.recipient.username, r.kind, r.due_kind)
        for r in Reminder.objects.filter(sent_on=day).select_related("recipient")
    }


@pytest.fixture
def session_cases(cast):
    o = cast.orgs
    on = D(2024, 3, 1)
    lead, co = assignment_create(
        actor=cast.staff_npc,
        proposal=make_case(cast, "数字经济"),
        units=[(o.gx, R.LEAD), (o.sw, R.CO)],
        assigned_on=on,
    )
    (court,) = assignment_create(
        actor=cast.staff_npc, proposal=make_case(cast, "诉讼服务"), units=[(o.court, R.SOLE)], assigned_on=on
    )
    return lead, co, court


def test_reminders_over_a_session_go_to_the_right_people_once(cast, session_cases):
    lead, co, court = session_cases
    assert lead.sign_due == D(2024, 3, 8)
    # 03-04: the sign due date is 4 working days away — nothing yet.
    assert remind_scan(today=D(2024, 3, 4))["sent"] == 0
    # 03-05: 3 working days before → the three liaisons hear about signing.
    remind_scan(today=D(2024, 3, 5))
    assert sent_on(D(2024, 3, 5)) == {
        ("liaison_gx", "before", "sign"),
        ("liaison_sw", "before", "sign"),
        ("liaison_court", "before", "sign"),
    }
    # Running again the same day, or the next day, sends nothing twice.
    assert remind_scan(today=D(2024, 3, 5))["sent"] == 0
    assert remind_scan(today=D(2024, 3, 6))["sent"] == 0
    # 工信 signs on 03-07; on 03-08 only the two unsigned units are told it is due today.
    f.signed(cast, lead, day=D(2024, 3, 7))
    remind_scan(today=D(2024, 3, 8))
    assert sent_on(D(2024, 3, 8)) == {("liaison_sw", "on_day", "sign"), ("liaison_court", "on_day", "sign")}
    # 03-11: overdue → liaison and leader; the assigning office (人大 staff) gets one digest.
    remind_scan(today=D(2024, 3, 11))
    assert sent_on(D(2024, 3, 11)) == {
        ("liaison_sw", "overdue", "sign"),
        ("leader_sw", "overdue", "sign"),
        ("liaison_court", "overdue", "sign"),
    }
    remind_scan(today=D(2024, 3, 11))
    (digest,) = Notification.objects.filter(user=cast.staff_npc, verb="remind.overdue_digest")
    assert "新增逾期 2 件" in digest.text and digest.url == "/deadlines/?status=red"
    assert remind_scan(today=D(2024, 3, 12))["sent"] == 0
    f.signed(cast, co, day=D(2024, 3, 12))
    f.signed(cast, court, day=D(2024, 3, 12))
    # The co-opinion is due 2024-04-01 (03-31 is a Sunday): before-reminder on 03-27 to 商务局.
    remind_scan(today=D(2024, 3, 27))
    assert sent_on(D(2024, 3, 27)) == {("liaison_sw", "before", "opinion")}
    f.opinion_sent(cast, co, day=D(2024, 4, 1))
    # Reply due 2024-06-03 for lead and court: 05-29 is 3 working days before.
    remind_scan(today=D(2024, 5, 29))
    assert sent_on(D(2024, 5, 29)) == {("liaison_gx", "before", "reply"), ("liaison_court", "before", "reply")}
    assert f.sent(cast, lead, day=D(2024, 5, 30)).assignment.eval_due == D(2024, 7, 1)
    remind_scan(today=D(2024, 6, 4))
    assert sent_on(D(2024, 6, 4)) == {("liaison_court", "overdue", "reply")}
    assert Notification.objects.filter(user=cast.staff_npc, verb="remind.overdue_digest").count() == 2
    # The deputy is reminded to evaluate the reply before the evaluation window closes.
    remind_scan(today=D(2024, 6, 26))
    assert sent_on(D(2024, 6, 26)) == {("deputy", "before", "evaluation")}
    # Everything once: one inbox message per reminder, none duplicated.
    keys = Counter(Notification.objects.filter(verb__startswith="remind.").values_list("user_id", "dedupe_key"))
    assert keys and max(keys.values()) == 1
    per_case = Notification.objects.filter(verb__startswith="remind.").exclude(verb="remind.overdue_digest")
    assert per_case.count() == Reminder.objects.exclude(kind="manual").count()


def test_long_overdue_cases_do_not_flood_the_inbox(cast, session_cases):
    # A first scan months later (e.g. after importing an old ledger) sends nothing for stale dates.
    assert remind_scan(today=D(2024, 9, 30))["sent"] == 0
    assert remind_scan(today=D(2024, 4, 8))["sent"] > 0  # 03-08 sign date: 31 days ago, still reminded


def test_an_extension_moves_the_reminders(cast, session_cases):
    _lead, _co, court = session_cases
    court = f.extended(cast, f.signed(cast, court, day=D(2024, 3, 4)), D(2024, 7, 31), day=D(2024, 5, 20))
    assert (court.reply_due_original, court.reply_due) == (D(2024, 6, 3), D(2024, 7, 31))
    remind_scan(today=D(2024, 6, 4))
    assert not any(u == "liaison_court" for u, _, _ in sent_on(D(2024, 6, 4)))


def test_remind_command_with_today(cast, session_cases, capsys):
    call_command("remind", today="2024-03-05")
    out = capsys.readouterr().out
    assert "提醒 3 条" in out
    call_command("remind", today="2024-03-05")
    assert "提醒 0 条" in capsys.readouterr().out


def test_worker_once_runs_the_scan(cast, session_cases, capsys, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setattr("banli.site.periodic.remind_task", lambda today=None: remind_scan(today=D(2024, 3, 5)))
    call_command("worker", once=True)
    assert "提醒 3 条" in capsys.readouterr().out


def test_phased_plan_creates_checks_and_supervises_lagging_cases_once(cast, session_cases):
    lead, co, court = session_cases
    phases = default_phase_dates(D(2024, 3, 1), body=cast.orgs.npc)
    assert [p[0] for p in phases] == ["签收与方案", "办理与沟通", "答复与反馈"]
    plan = supervision_plan_create(
        actor=cast.staff_npc, session=cast.npc_session, name="2024年分阶段督办", phases=phases
    )
    checks = list(SupervisionCheck.objects.filter(phase__plan=plan).order_by("scheduled_on"))
    assert len(checks) == 6 and all(cal.is_workday(c.scheduled_on) for c in checks)
    first = checks[0]
    f.signed(cast, lead, day=D(2024, 3, 7))
    remind_scan(today=first.scheduled_on)
    remind_scan(today=first.scheduled_on)
    lagging = Supervision.objects.filter(plan_check=first)
    assert {s.assignment for s in lagging} == {co, court}
    first.refresh_from_db()
    assert (first.checked, first.lagging) == (3, 2)
    assert Notification.objects.filter(user=cast.staff_npc, verb="supervise.plan_summary").count() == 1
    # The coordinator may not plan for the 人大's session beyond its own units; a unit may not plan at all.
    from banli.errors import DomainError

    with pytest.raises(DomainError):
        supervision_plan_create(actor=cast.liaison_gx, session=cast.npc_session, name="x", phases=phases)


def _on_sqlite() -> bool:
    from django.conf import settings

    return "sqlite" in settings.DATABASES["default"]["ENGINE"]


# Skipped before any database set-up on SQLite (which serialises writers anyway), so the flush a
# transactional test ends with never runs there; on PostgreSQL the rows other apps' data
# migrations seeded are restored afterwards (serialized_rollback).
@pytest.mark.skipif(_on_sqlite(), reason="SQLite serialises writers; the race is exercised on PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_scans_never_double_send(cast):
    o = cast.orgs
    for i in range(6):
        p = make_case(cast, f"并发测试{i}")
        assignment_create(
            actor=cast.staff_npc, proposal=p, units=[(o.gx, R.LEAD), (o.sw, R.CO)], assigned_on=D(2024, 3, 1)
        )
    errors, results = [], []
    barrier = threading.Barrier(4)

    def run():
        from django.db import connections

        try:
            barrier.wait()
            results.append(remind_scan(today=D(2024, 3, 11))["sent"])
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    rows = Reminder.objects.filter(sent_on=D(2024, 3, 11))
    keys = Counter(rows.values_list("assignment_id", "due_kind", "due_date", "kind", "recipient_id"))
    assert keys and max(keys.values()) == 1
    assert sum(results) == rows.count()
    notes = Counter(Notification.objects.values_list("user_id", "dedupe_key"))
    assert max(notes.values()) == 1


def test_tasks_run_inline_without_redis_and_on_rq_with_it(monkeypatch):
    from banli.deadlines import tasks
    from banli.notify.tasks import enqueue

    monkeypatch.delenv("REDIS_URL", raising=False)
    assert enqueue(lambda x: x * 2, 21) == 42
    queued = []

    class FakeQueue:
        def __init__(self, name, connection):
            queued.append((name, connection))

        def enqueue(self, func, *args, **kwargs):
            queued.append((func, args))
            return "job"

    import redis
    import rq

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setattr(rq, "Queue", FakeQueue)
    monkeypatch.setattr(redis.Redis, "from_url", classmethod(lambda cls, url: f"conn:{url}"))
    assert enqueue(tasks.remind_task, "2024-03-05") == "job"
    assert queued == [("banli", "conn:redis://127.0.0.1:6379/0"), (tasks.remind_task, ("2024-03-05",))]
