"""Object isolation (SPEC §2; 等保2.0 §8.1.4.2 access control; ASVS V4.2.1 IDOR).

A generated ownership graph — several units with departments, several proposers, proposals with
lead/co/sole assignments and attachments — and every principal probing every object it must not
see through detail, action, download, list, search and export routes: never reachable, and the
response is the same as for an id that does not exist. Routes are discovered from the URL resolver
and the permission matrix; a route with an object id that this test does not know how to probe
fails `test_every_object_route_is_classified`.
"""

from __future__ import annotations

import io
import random
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from banli.audit.models import AuditEvent
from banli.cases.models import Assignment, DeptTask, Proposal, ReviewState
from banli.cases.services import (
    assignment_create,
    attachment_add,
    proposal_register,
    proposal_review,
    proposer_get_or_create,
)
from banli.orgs.models import OrgKind
from banli.security.matrix import permission_matrix

from . import factories as f
from .test_permission_matrix import routes

MISSING = 987654

# Routes whose <pk> is a proposal, an assignment, or an attachment.
PROPOSAL_ROUTES = {
    "cases:detail",
    "cases:edit",
    "cases:review",
    "cases:set_key",
    "cases:assign",
    "cases:attachment_add",
    "textintel:similar_proposal",
    "textintel:recommend",
    "portal:proposal",
    "deadlines:key_detail",
    "deadlines:key_dates",
}
ASSIGNMENT_ROUTES = {
    "cases:withdraw",
    "handling:sign",
    "handling:adjust",
    "handling:plan",
    "handling:distribute",
    "handling:contact",
    "handling:co_opinion",
    "handling:points",
    "handling:reply",
    "handling:evaluate",
    "deadlines:assignment",
    "deadlines:extension_request",
    "deadlines:remind",
    "deadlines:supervise",
    "portal:evaluate",
    "portal:message_send",
}
ATTACHMENT_ROUTES = {"cases:attachment", "handling:attachment", "portal:attachment"}
# Routes on objects this graph does not generate (their apps' own tests cover their scope), or on
# objects that are not case data.
OTHER_OBJECT_ROUTES = {
    "ledger:job",
    "ledger:job_run",
    "ledger:job_progress",
    "handling:adjust_decide",
    "handling:reply_submit",
    "handling:reply_approve",
    "handling:reply_return",
    "handling:reply_send",
    "handling:reply_correct",
    "handling:progress",
    "handling:explain",
    "handling:convert",
    "notify:inbox_open",
    "deadlines:extension_decide",
    "deadlines:plan_detail",
    "deadlines:calendar_year",
    "textintel:dictionary_delete",
    "textintel:related_decide",
    "reports:reply_letter",
    # the letter as PDF/OFD and the number's reissue: tests/test_letter_pages.py (outsiders get 404)
    "reports:reply_letter_pdf",
    "reports:reply_letter_ofd",
    "handling:letter_number_reissue",
    "portal:reply_letter",
    "portal:message_answer",
    "portal:disclosure_detail",
    "portal:disclosure_propose",
    "portal:disclosure_decide",
    "portal:disclosure_withdraw",
    "public:reply",
    "portal:todo",  # a list name, like web:todo
    "web:todo",  # a 我的待办 list name, not an object id: each list is the user's own scope (tests/test_todo.py)
    "public:reply_document",
    "public:session",
    "security:user_reset_password",
    "security:user_set_active",
    "security:grant",
    "security:2fa_reset",
}

PRINCIPALS = (
    "staff_npc",
    "staff_cppcc",
    "coordinator",
    "liaison_gx",
    "leader_gx",
    "handler_gx",
    "handler_gx_sme",
    "liaison_sw",
    "liaison_lh",
    "liaison_lh_fgj",
    "liaison_court",
    "deputy_user",
    "cosigner_user",
    "outsider",
    "member_user",
    "sysadmin",
    "auditor",
)

PDF = b"%PDF-1.7\n%%EOF\n"


def object_routes():
    return {name for name, conv in routes() if conv}


def test_every_object_route_is_classified():
    # The open API's object routes are probed over JSON, with the same graph, in tests/api/test_api_isolation.py.
    api = {name for name in object_routes() if name.startswith("api:")}
    known = PROPOSAL_ROUTES | ASSIGNMENT_ROUTES | ATTACHMENT_ROUTES | OTHER_OBJECT_ROUTES | api
    unknown = sorted(object_routes() - known)
    assert not unknown, f"routes with an object id that the isolation test does not probe: {unknown}"


# --- the ownership graph ------------------------------------------------------------------------


def unit_of(org):
    """The nearest enclosing org of kind unit, by walking up the materialised path."""
    from banli.orgs.models import Org

    path = org.path
    while path:
        o = Org.objects.get(path=path)
        if o.kind == OrgKind.UNIT:
            return o
        path = path[: -Org.steplen]
    return None


def build_graph(cast):
    rng = random.Random(20241125)
    o = cast.orgs
    npc_people = [
        cast.deputy,
        cast.cosigner,
        cast.outsider_proposer,
        proposer_get_or_create(body=o.npc, name="孙代表"),
    ]
    cppcc_people = [cast.member, proposer_get_or_create(body=o.cppcc, name="周委员")]
    units = [o.gx, o.sw, o.lh, o.lh_fgj, o.court]
    shapes = [("sole",), ("lead", "co"), ("separate", "separate"), ("lead", "co", "co"), ()]
    graph = []
    for i in range(8):
        npc = i % 4 != 3
        session, staff, people = (
            (cast.npc_session, cast.staff_npc, npc_people)
            if npc
            else (cast.cppcc_session, cast.staff_cppcc, cppcc_people)
        )
        lead = people[i % len(people)]
        cosigners = [p for p in people if p != lead and rng.random() < 0.4]
        tag = f"隔离标记{i:02d}号"
        p = proposal_register(
            actor=staff,
            session=session,
            title=f"关于优化营商环境的建议（{tag}）",
            lead=lead,
            cosigners=cosigners,
            content=f"营商环境 {tag}",
        )
        proposal_review(actor=staff, proposal=p, decision=ReviewState.ACCEPTED)
        shape = shapes[i % len(shapes)]
        chosen = rng.sample(units, len(shape))
        if shape:
            assignment_create(actor=staff, proposal=p, units=list(zip(chosen, shape)))
        attachment_add(
            actor=staff, proposal=p, file=SimpleUploadedFile(f"材料{i}.pdf", PDF, content_type="application/pdf")
        )
        graph.append((p, tag))
    # One case is distributed to a department, so its handler sees it (and only it).
    a = Assignment.objects.filter(unit=o.gx).first()
    assert a is not None, "the seed must give 市工业和信息化局 at least one case"
    f.planned(cast, a)
    assert DeptTask.objects.filter(assignment=a, handler=cast.handler_gx).exists()
    return graph


def truth(user, p: Proposal) -> bool:
    """Whether `user` may see `p`, computed from the graph (not from the selectors under test)."""
    roles = user.roles
    active = [a for a in p.assignments.all() if a.state != "withdrawn"]
    if "body_staff" in roles and user.org_id == p.session.body_id:
        return True
    if "coordinator" in roles and any(a.unit.path.startswith(user.org.path) for a in active):
        return True
    unit = unit_of(user.org) if user.org_id else None
    if roles & {"unit_liaison", "unit_leader"} and unit and any(a.unit.path.startswith(unit.path) for a in active):
        return True
    if (
        "handler" in roles
        and unit
        and any(a.unit.path.startswith(unit.path) and a.tasks.filter(dept=user.org).exists() for a in active)
    ):
        return True
    return bool("proposer" in roles and (p.lead.user_id == user.pk or p.cosigners.filter(user=user).exists()))


@pytest.fixture
def graph(cast):
    return build_graph(cast)


def allowed(user, name, method):
    roles = permission_matrix().get(name, {}).get(method, frozenset())
    return "authenticated" in roles or bool(roles & user.roles)


@pytest.mark.django_db
def test_graph_gives_everyone_something_to_miss(cast, graph):
    for who in PRINCIPALS:
        u = getattr(cast, who)
        hidden = [p for p, _ in graph if not truth(u, p)]
        assert hidden, f"{who} sees every proposal of the graph; the test would prove nothing"


@pytest.mark.django_db
def test_case_roles_see_their_own_cases(cast, graph, login):
    """The positive control: visible cases open (so the 404s below mean something)."""
    seen = 0
    for who in PRINCIPALS:
        u = getattr(cast, who)
        c = login(u)
        for p, tag in graph:
            if truth(u, p):
                r = c.get(reverse("cases:detail", args=[p.pk]), follow=True)  # a proposer lands on the portal
                assert r.status_code == 200 and tag in r.content.decode(), (who, p.number)
                seen += 1
    assert seen >= len(PRINCIPALS)


def probe(client, name, pk, method):
    url = reverse(name, args=[pk])
    return client.get(url) if method == "GET" else client.post(url, {})


@pytest.mark.django_db
def test_foreign_objects_answer_like_missing_ones(cast, graph):
    """Every principal × every object it may not see × every object route its role may use."""
    leaks, probes = [], 0
    by_kind = {"proposal": PROPOSAL_ROUTES, "assignment": ASSIGNMENT_ROUTES, "attachment": ATTACHMENT_ROUTES}
    present = object_routes()
    for who in PRINCIPALS:
        u = getattr(cast, who)
        c = Client()
        c.force_login(u)
        hidden = [p for p, _ in graph if not truth(u, p)]
        targets = {
            "proposal": [p.pk for p in hidden],
            "assignment": list(Assignment.objects.filter(proposal__in=hidden).values_list("pk", flat=True)),
            "attachment": [a.pk for p in hidden for a in p.attachments.all()],
        }
        for kind, names in by_kind.items():
            for name in sorted(names & present):
                for method in ("GET", "POST"):
                    if method not in permission_matrix().get(name, {}) or not allowed(u, name, method):
                        continue  # refused by the matrix whatever the object (test_permission_matrix)
                    baseline = probe(c, name, MISSING, method).status_code
                    for pk in targets[kind]:
                        before = AuditEvent.objects.count()
                        r = probe(c, name, pk, method)
                        probes += 1
                        if r.status_code != baseline or r.status_code == 200 or AuditEvent.objects.count() != before:
                            leaks.append(
                                f"{who} {method} {name} {kind}#{pk}: {r.status_code} (missing id: {baseline})"
                            )
    assert probes > 500, probes
    assert not leaks, "\n".join(leaks[:40])


@pytest.mark.django_db
def test_lists_search_and_exports_hold_no_foreign_case(cast, graph):
    leaks, exported = [], 0
    for who in PRINCIPALS:
        u = getattr(cast, who)
        c = Client()
        c.force_login(u)
        hidden_tags = [tag for p, tag in graph if not truth(u, p)]
        pages = [
            reverse("cases:list"),
            reverse("textintel:search") + "?q=营商环境",
            reverse("deadlines:dashboard"),
            reverse("portal:home"),
        ]
        for url in pages:
            r = c.get(url)
            if r.status_code == 200:
                body = r.content.decode()
                leaks += [f"{who} {url}: {t}" for t in hidden_tags if t in body]
        for session in (cast.npc_session, cast.cppcc_session):
            r = c.get(reverse("ledger:export") + f"?session={session.pk}")
            if r.status_code == 200:
                exported += 1
                assert AuditEvent.objects.filter(verb="ledger.export", actor=u, object_id=str(session.pk)).exists(), (
                    "exports are audited"
                )
                from openpyxl import load_workbook

                ws = load_workbook(io.BytesIO(r.content), read_only=True).worksheets[0]
                text = " ".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None)
                leaks += [f"{who} ledger export {session.code}: {t}" for t in hidden_tags if t in text]
    assert exported >= 3  # body staff of each body and the coordinator do export
    assert not leaks, "\n".join(leaks[:40])


@pytest.mark.django_db
def test_admin_roles_reach_no_case_object(cast, graph):
    for who in ("sysadmin", "secadmin", "auditor"):
        c = Client()
        c.force_login(getattr(cast, who))
        for p, _ in graph:
            assert c.get(reverse("cases:detail", args=[p.pk])).status_code == 404
            for att in p.attachments.all():
                assert c.get(reverse("cases:attachment", args=[att.pk])).status_code == 404


@pytest.mark.django_db
def test_anonymous_reaches_no_case_object(cast, graph):
    c = Client()
    for p, _ in graph:
        for name in sorted(PROPOSAL_ROUTES & object_routes()):
            url = reverse(name, args=[p.pk])
            r = c.get(url)
            # Sent to sign in, exactly as for an id that does not exist: nothing about the object leaks.
            assert r.status_code == 302, (name, r.status_code)
            assert r["Location"] == reverse("web:login") + "?" + urlencode({"next": url}), (name, r["Location"])
            missing = c.get(reverse(name, args=[MISSING]))
            assert missing.status_code == 302 and missing["Location"].startswith(reverse("web:login") + "?next="), name


@pytest.mark.django_db
def test_downloads_are_attachments_with_nosniff_and_audited(cast, graph, login):
    p, _ = graph[0]
    att = p.attachments.first()
    c = login(cast.staff_npc if p.session == cast.npc_session else cast.staff_cppcc)
    r = c.get(reverse("cases:attachment", args=[att.pk]))
    assert r.status_code == 200
    assert r["Content-Disposition"].startswith("attachment")
    assert r["X-Content-Type-Options"] == "nosniff"
    assert AuditEvent.objects.filter(verb="attachment.download", object_id=str(att.pk)).exists()
