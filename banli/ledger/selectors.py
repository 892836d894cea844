"""Reads of ledger import jobs, scoped like the import itself: the body's own staff."""

from __future__ import annotations

from django.db.models import QuerySet

from banli.cases.models import Session
from banli.cases.selectors import user_body
from banli.errors import NotFound
from banli.orgs.models import Role

from .models import ImportJob


def import_sessions_for(user) -> QuerySet[Session]:
    """Sessions `user` may import a ledger into: their own body's."""
    body = user_body(user) if user.has_role(Role.BODY_STAFF) else None
    if body is None:
        return Session.objects.none()
    return Session.objects.filter(body=body).select_related("body")


def jobs_visible_to(user) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(session__in=import_sessions_for(user)).select_related("session", "created_by")


def job_get(user, pk) -> ImportJob:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound()
    job = jobs_visible_to(user).filter(pk=pk).first()
    if job is None:
        raise NotFound()
    return job
