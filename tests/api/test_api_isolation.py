"""Object isolation over the open API (like tests/test_isolation.py for the pages): every principal,
as a session and as an integration token of its org, probes every object of the generated graph it
may not see, through every API route with an object id: the answer is the one for a missing id
(404 in the API's JSON shape), never a 2xx, and nothing is written."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from banli.api.tokens import token_issue
from banli.audit.models import AuditEvent
from banli.cases.models import Assignment, Reply
from banli.security.matrix import permission_matrix

from ..test_isolation import MISSING, PRINCIPALS, allowed, build_graph, object_routes, truth

# What the <pk> of each API object route is.
PROPOSAL = {"api:proposal", "api:similar", "api:recommend", "api:proposal_review", "api:proposal_assign"}
REPLY = {"api:reply_submit", "api:reply_approve", "api:reply_return", "api:reply_send"}
# Objects the graph does not generate; their getters are the pages' (tests/test_access_getters.py).
OTHER = {"api:adjustment_decide", "api:commitment_progress", "api:extension_decide", "api:webhook"}


def api_object_routes():
    return {n for n in object_routes() if n.startswith("api:")}


def assignment_routes():
    return api_object_routes() - PROPOSAL - REPLY - OTHER


def test_every_api_object_route_is_classified():
    for name in assignment_routes():
        assert "<int:pk>" in reverse(name, args=[1]).replace("/1/", "/<int:pk>/"), name
    assert {"api:assignment", "api:assignment_sign", "api:reply_draft"} <= assignment_routes()


def probe(client, name, pk, method):
    url = reverse(name, args=[pk])
    if method == "GET":
        return client.get(url)
    return client.generic(
        method, url, json.dumps({}), content_type="application/json", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex
    )


@pytest.mark.django_db
def test_foreign_objects_answer_like_missing_ones_over_the_api(cast):
    graph = build_graph(cast)
    leaks, probes = [], 0
    present = api_object_routes()
    for who in PRINCIPALS:
        u = getattr(cast, who)
        c = Client()
        c.force_login(u)
        hidden = [p for p, _ in graph if not truth(u, p)]
        assignments = list(Assignment.objects.filter(proposal__in=hidden).values_list("pk", flat=True))
        targets = {
            "proposal": (PROPOSAL, [p.pk for p in hidden]),
            "assignment": (assignment_routes(), assignments),
            "reply": (REPLY, list(Reply.objects.filter(assignment__in=assignments).values_list("pk", flat=True))),
        }
        for kind, (names, pks) in targets.items():
            for name in sorted(names & present):
                for method in ("GET", "POST", "PUT", "PATCH"):
                    if method not in permission_matrix().get(name, {}) or not allowed(u, name, method):
                        continue
                    missing = probe(c, name, MISSING, method)
                    for pk in pks:
                        before = AuditEvent.objects.count()
                        r = probe(c, name, pk, method)
                        probes += 1
                        if (
                            r.status_code != missing.status_code
                            or r.json() != missing.json()
                            or 200 <= r.status_code < 300
                            or AuditEvent.objects.count() != before
                        ):
                            leaks.append(f"{who} {method} {name} {kind}#{pk}: {r.status_code} {r.content[:80]}")
    assert probes > 300, probes
    assert not leaks, "\n".join(leaks[:40])


@pytest.mark.django_db
def test_a_units_token_sees_only_its_units_cases(cast):
    graph = build_graph(cast)
    token, secret = token_issue(actor=cast.secadmin, name="工信", org=cast.orgs.gx, actions=["read"])
    c = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    seen = set()
    page = 1
    while True:
        body = c.get(reverse("api:proposals"), {"page": page}).json()
        seen |= {x["id"] for x in body["results"]}
        if not body["next"]:
            break
        page += 1
    expected = {p.pk for p, _ in graph if truth(token.user, p)}
    assert seen == expected and expected
    for p, _ in graph:
        r = c.get(reverse("api:proposal", args=[p.pk]))
        assert r.status_code == (200 if p.pk in expected else 404)
