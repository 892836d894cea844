"""Deny by default (等保2.0 §8.1.4.2; ASVS V4.1.3, V4.1.5): every route of the URL resolver is in
the declared matrix (role × route × method), and every cell of the matrix is enforced."""

import uuid

import pytest
from django.http import Http404, HttpResponse
from django.test import Client
from django.urls import get_resolver, reverse
from django.urls.converters import IntConverter, PathConverter, SlugConverter, StringConverter, UUIDConverter
from django.urls.resolvers import URLResolver

from banli.orgs.models import Role
from banli.orgs.services import user_create
from banli.security import matrix
from banli.security.middleware import PermissionMatrixMiddleware

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
REACHED = 299  # status of the stand-in view: the request got past the matrix


def walk(patterns=None, ns=(), converters=None):
    """(view name or None, converters) for every route the resolver knows."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    converters = converters or {}
    for p in patterns:
        conv = {**converters, **p.pattern.converters}
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, ns + ((p.namespace,) if p.namespace else ()), conv)
        else:
            yield (":".join(ns + (p.name,)) if p.name else None, conv, str(p.pattern))


def sample_kwargs(conv):
    out = {}
    for name, c in conv.items():
        if isinstance(c, IntConverter):
            out[name] = 999999
        elif isinstance(c, UUIDConverter):
            out[name] = uuid.uuid4()
        elif isinstance(c, PathConverter):
            out[name] = "x/y"
        elif isinstance(c, (SlugConverter, StringConverter)):
            out[name] = "x1"
        else:
            out[name] = "1"
    return out


def routes():
    return [(name, conv) for name, conv, _ in walk() if name]


def test_every_route_is_declared_in_the_matrix():
    declared = matrix.permission_matrix()
    unnamed = [pattern for name, _, pattern in walk() if name is None]
    undeclared = sorted({name for name, _ in routes() if name not in declared})
    assert not unnamed, f"routes without a name cannot be declared: {unnamed}"
    assert not undeclared, "routes missing from every permissions.py (refused for everyone):\n" + "\n".join(undeclared)


def test_every_declaration_names_a_real_route():
    known = {name for name, _ in routes()}
    stale = sorted(set(matrix.permission_matrix()) - known)
    assert not stale, f"declared but not routed: {stale}"


def test_declarations_use_known_roles_and_methods():
    valid = set(Role.values) | {"anonymous", "authenticated"}
    for name, cell in matrix.permission_matrix().items():
        assert cell, f"{name} declares no method"
        for method, roles in cell.items():
            assert method in METHODS and roles and roles <= valid, (name, method, roles)


@pytest.fixture
def principals(cast):
    noroles = user_create(username="noroles", org=cast.orgs.npc, roles=[], password=cast.password, validate=False)
    people = {
        "anonymous": None,
        "authenticated": noroles,
        Role.BODY_STAFF: cast.staff_npc,
        Role.COORDINATOR: cast.coordinator,
        Role.UNIT_LIAISON: cast.liaison_gx,
        Role.UNIT_LEADER: cast.leader_gx,
        Role.HANDLER: cast.handler_gx,
        Role.PROPOSER: cast.deputy_user,
        Role.SYSADMIN: cast.sysadmin,
        Role.SECADMIN: cast.secadmin,
        Role.AUDITOR: cast.auditor,
    }
    clients = {}
    for key, user in people.items():
        c = Client()
        if user is not None:
            c.force_login(user)
        clients[key] = (c, user)
    return clients


@pytest.fixture
def stand_in_views(monkeypatch):
    """Requests the matrix lets through are answered by a stand-in instead of the real view."""
    original = PermissionMatrixMiddleware.process_view

    def process_view(self, request, view_func, view_args, view_kwargs):
        refused = original(self, request, view_func, view_args, view_kwargs)
        return refused if refused is not None else HttpResponse(status=REACHED)

    monkeypatch.setattr(PermissionMatrixMiddleware, "process_view", process_view)


def expected(cell, method, key, user):
    roles = cell.get(method, frozenset())
    if "anonymous" in roles:
        return True
    if user is None:
        return False
    return "authenticated" in roles or bool(roles & user.roles)


def refusal(conv) -> int:
    """A role refused a route about one object gets 404 (the object is outside its scope); a page, 403."""
    return 404 if conv else 403


@pytest.mark.django_db
def test_every_cell_is_enforced(principals, monkeypatch):
    """Role × route × method, through the middleware's own decision on a resolved request."""
    import banli.security.middleware as mw_module

    # The refusal page itself is checked end to end below; here only the decision matters.
    monkeypatch.setattr(mw_module, "render", lambda request, template, context, status: HttpResponse(status=status))
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory
    from django.urls import resolve

    declared = matrix.permission_matrix()
    mw = PermissionMatrixMiddleware(lambda request: HttpResponse())
    rf = RequestFactory()
    wrong, checked = [], 0
    for name, conv in routes():
        cell = declared.get(name)
        if cell is None:
            continue  # reported by test_every_route_is_declared_in_the_matrix
        url = reverse(name, kwargs=sample_kwargs(conv))
        match = resolve(url)
        for method in METHODS:
            for key, (_, user) in principals.items():
                request = getattr(rf, method.lower())(url)
                request.user = user or AnonymousUser()
                request.session = SessionStore()
                request.resolver_match = match
                try:
                    r = mw.process_view(request, match.func, match.args, match.kwargs)
                except Http404:
                    r = HttpResponse(status=404)
                allowed = expected(cell, method, key, user)
                if allowed:
                    ok = r is None
                elif user is None:
                    ok = r is not None and r.status_code == 302 and r["Location"].startswith(reverse("web:login"))
                else:
                    ok = r is not None and r.status_code == refusal(conv)
                checked += 1
                if not ok:
                    wrong.append(f"{method} {name} as {key}: expected {'reach' if allowed else 'refuse'}")
    assert checked >= len(declared) * len(METHODS) * len(principals)
    assert not wrong, "\n".join(wrong[:50])


@pytest.mark.django_db
def test_the_matrix_is_enforced_end_to_end(principals, stand_in_views):
    """Through the whole middleware stack: for every route, each declared method is reached by a
    role that holds it and refused to one that does not; an undeclared method is refused."""
    declared = matrix.permission_matrix()
    wrong = []
    for name, conv in routes():
        cell = declared.get(name)
        if cell is None:
            continue
        url = reverse(name, kwargs=sample_kwargs(conv))
        for method in METHODS:
            allowed = [k for k, (_, u) in principals.items() if expected(cell, method, k, u)]
            refused = [k for k in principals if k not in allowed]
            probes = (
                ([allowed[-1]] if allowed else [])
                + ([k for k in refused if k != "anonymous"][:1])
                + (["anonymous"] if "anonymous" in refused else [])
            )
            for key in probes:
                client, user = principals[key]
                r = getattr(client, method.lower())(url)
                if key in allowed:
                    ok = r.status_code == REACHED
                elif user is None:
                    ok = r.status_code == 302 and r["Location"].startswith(reverse("web:login"))
                else:
                    ok = r.status_code == refusal(conv)
                if not ok:
                    wrong.append(f"{method} {name} as {key}: got {r.status_code}")
    assert not wrong, "\n".join(wrong[:50])


@pytest.mark.django_db
def test_head_follows_get(principals, stand_in_views):
    c, _ = principals[Role.UNIT_LIAISON]
    assert c.head(reverse("cases:list")).status_code == REACHED
    c, _ = principals[Role.AUDITOR]
    assert c.head(reverse("cases:list")).status_code == 403


@pytest.mark.django_db
def test_an_undeclared_route_is_refused_to_everyone(principals, monkeypatch):
    cell = dict(matrix.permission_matrix())
    cell.pop("cases:list")
    monkeypatch.setattr(matrix, "permission_matrix", lambda: cell)
    c, _ = principals[Role.BODY_STAFF]
    assert c.get(reverse("cases:list")).status_code == 403
    anon, _ = principals["anonymous"]
    assert anon.get(reverse("cases:list"))["Location"].startswith(reverse("web:login"))


@pytest.mark.django_db
def test_unknown_paths_are_404_not_403(principals):
    for key in ("anonymous", Role.BODY_STAFF):
        c, _ = principals[key]
        assert c.get("/no/such/page/").status_code == 404


@pytest.mark.django_db
def test_the_denied_page_is_in_chinese(principals):
    c, _ = principals[Role.PROPOSER]
    r = c.get(reverse("security:audit_log"))
    assert r.status_code == 403 and "无权访问" in r.content.decode()
