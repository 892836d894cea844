"""Driver for tests/test_crash_recovery.py, run in a subprocess: `python -m tests.crash_driver ACTION [ARG]`
against the database in DATABASE_URL. Prints JSON. Not a test module (no test_ prefix)."""

import json
import os
import sys
from collections import Counter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "banli.settings")
import django

django.setup()

from django.conf import settings  # noqa: E402

settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # the cast's 20 users, quickly

from banli.audit.models import AuditEvent  # noqa: E402
from banli.audit.services import audit_verify  # noqa: E402
from banli.cases.models import Assignment, Proposal, Reply, ReplyState, Session  # noqa: E402
from banli.deadlines.models import Reminder  # noqa: E402
from banli.handling import services as handling  # noqa: E402
from banli.notify.models import Notification  # noqa: E402
from banli.orgs.models import User  # noqa: E402


def world():
    from tests import factories as f
    from tests.cast import build_cast

    cast = build_cast()
    approved = [f.approved(cast, f.assigned(cast, f.accepted(cast, title=f"关于第{i}件事的建议"))) for i in range(3)]
    pending = [f.assigned(cast, f.accepted(cast, title=f"关于待签收第{i}件的建议")) for i in range(3)]
    sent = [f.sent(cast, f.assigned(cast, f.accepted(cast, title=f"关于已答复第{i}件的建议"))) for i in range(3)]
    eval_due = max(Assignment.objects.get(pk=r.assignment_id).eval_due for r in sent)
    return {
        "approved": [r.pk for r in approved],
        "sign_due": str(min(a.sign_due for a in pending)),
        "after_eval": str(eval_due.fromordinal(eval_due.toordinal() + 1)),
    }


def ledger_world(directory):
    from tests.seed_ledgers import build_seed002

    path, session = build_seed002(directory)
    return {"path": str(path), "session": session.code}


def send(ids):
    """Send every approved reply of the list (a clerk's batch); already sent ones are left alone."""
    liaison = User.objects.get(username="liaison_gx")
    done = 0
    for pk in json.loads(ids):
        r = Reply.objects.get(pk=pk)
        if r.state == ReplyState.APPROVED:
            handling.reply_send(actor=liaison, reply=r)
            done += 1
    return {"sent": done}


def check():
    ok, message = audit_verify()
    notif = Counter(Notification.objects.exclude(dedupe_key="").values_list("user_id", "dedupe_key"))
    per_object = Counter(
        AuditEvent.objects.filter(verb__in=("reply.send", "evaluation.none")).values_list("verb", "assignment_id")
    )
    reminders = Counter(Reminder.objects.values_list("assignment_id", "due_kind", "due_date", "kind", "recipient_id"))
    session = Session.objects.filter(code="SZZX7-1").first()
    numbers = (
        Counter(Proposal.objects.filter(session=session).values_list("number", flat=True)) if session else Counter()
    )
    return {
        "audit_ok": ok,
        "audit": message,
        "replies": {str(r.pk): r.state for r in Reply.objects.order_by("pk")},
        "reply_send_notifications": Notification.objects.filter(verb="reply.send").count(),
        "duplicate_notifications": sum(1 for n in notif.values() if n > 1),
        "duplicate_audit": sum(1 for n in per_object.values() if n > 1),
        "reply_send_events": sum(1 for (v, _), n in per_object.items() if v == "reply.send"),
        "evaluation_none_events": sum(1 for (v, _), n in per_object.items() if v == "evaluation.none"),
        "reminders": sum(reminders.values()),
        "duplicate_reminders": sum(1 for n in reminders.values() if n > 1),
        "ledger_proposals": sum(numbers.values()),
        "duplicate_numbers": sum(1 for n in numbers.values() if n > 1),
    }


if __name__ == "__main__":
    action, *args = sys.argv[1:]
    print(json.dumps({"world": world, "ledger_world": ledger_world, "send": send, "check": check}[action](*args)))
