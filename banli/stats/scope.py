"""Which sessions and orgs a user may see statistics, summaries and archives of (SPEC §2).

body_staff → the sessions of their body, any org (or the whole body: org None);
coordinator → its own subtree; unit_leader / unit_liaison → their unit and what is under it.
Everything else (handlers, proposers, admins) has no statistics scope. A session or org outside
the scope raises NotFound, the same as one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from banli.cases.models import Session
from banli.cases.selectors import sessions_visible_to, user_body, user_unit
from banli.errors import NotFound
from banli.orgs.models import Org, OrgKind, Role
from banli.orgs.roles import OVERSEERS, UNIT_MANAGERS

STATS_ROLES = OVERSEERS
PICKABLE_KINDS = (OrgKind.COORDINATOR, OrgKind.UNIT)


@dataclass(frozen=True)
class Scope:
    body: Org | None  # set for body staff: every org, the session list of the body
    roots: tuple[Org, ...]  # subtrees the user may pick orgs from (coordinator / unit)

    @property
    def whole_body(self) -> bool:
        return self.body is not None


def scope_of(user) -> Scope:
    if not getattr(user, "is_authenticated", False) or not user.has_role(*STATS_ROLES):
        raise NotFound()
    body = user_body(user) if user.has_role(Role.BODY_STAFF) else None
    roots: list[Org] = []
    if user.has_role(Role.COORDINATOR) and user.org_id:
        roots.append(user.org)
    if user.has_role(*UNIT_MANAGERS):
        unit = user_unit(user)
        if unit is not None:
            roots.append(unit)
    if body is None and not roots:
        raise NotFound()
    return Scope(body=body, roots=tuple(roots))


def sessions_for(user) -> QuerySet[Session]:
    """Body staff: their body's sessions. Coordinators and units: every session (a session's
    name is not confidential, and their figures only ever count their own subtree)."""
    scope = scope_of(user)
    qs = Session.objects.all()
    if scope.body is not None and not scope.roots:
        qs = qs.filter(Q(body=scope.body) | Q(pk__in=sessions_visible_to(user).values("pk")))
    return qs.select_related("body").order_by("-year", "code")


def orgs_for(user) -> QuerySet[Org]:
    """Orgs the user may pick (coordinators and units), in tree order."""
    scope = scope_of(user)
    qs = Org.objects.filter(kind__in=PICKABLE_KINDS)
    if scope.body is None:
        q = Q(pk__in=[])
        for root in scope.roots:
            q |= Q(path__startswith=root.path)
        qs = qs.filter(q)
    return qs.order_by("path")


def default_org(user) -> Org | None:
    """None (the whole body) for body staff; otherwise the user's own coordinator office or unit."""
    scope = scope_of(user)
    if scope.body is not None:
        return None
    return scope.roots[0]


def resolve(user, *, session_ids=(), org_id=None) -> tuple[list[Session], Org | None]:
    """The sessions and org asked for, checked against the user's scope (NotFound otherwise)."""
    scope = scope_of(user)
    allowed = sessions_for(user)
    sessions: list[Session] = []
    if session_ids:
        try:
            ids = [int(i) for i in session_ids]
        except (TypeError, ValueError):
            raise NotFound()
        sessions = list(allowed.filter(pk__in=ids))
        if len(sessions) != len(set(ids)):
            raise NotFound()
    org = None
    if org_id not in (None, ""):
        try:
            org = orgs_for(user).get(pk=int(org_id))
        except (Org.DoesNotExist, TypeError, ValueError):
            raise NotFound()
    elif scope.body is None:
        org = default_org(user)
    return sessions, org


def check(user, *, sessions, org) -> None:
    """Raise NotFound unless every session and the org are inside the user's scope."""
    resolve(user, session_ids=[s.pk for s in sessions], org_id=org.pk if org is not None else None)
    if org is None and scope_of(user).body is None:
        raise NotFound()
