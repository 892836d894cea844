"""Ledger pages: upload → validation report → confirm → background import with progress; export."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from banli.cases.models import Session
from banli.errors import DomainError, NotFound
from banli.orgs.models import Role

from .forms import LedgerUploadForm
from .selectors import import_sessions_for, job_get, jobs_visible_to
from .services import (
    COUNT_LABELS,
    export_scope,
    import_job_confirm,
    import_job_create,
    job_live_progress,
    ledger_export,
)

ERRORS_SHOWN = 1000


def body_staff_required(view):
    """Refuse anyone but body staff before any work (the route declarations say the same)."""
    from functools import wraps

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.has_role(Role.BODY_STAFF):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _job(user, pk):
    try:
        return job_get(user, pk)
    except NotFound:
        raise Http404


@body_staff_required
def ledger_import_view(request):
    sessions = import_sessions_for(request.user)
    form = LedgerUploadForm(request.POST or None, request.FILES or None, sessions=sessions)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_create(
                actor=request.user,
                session=form.cleaned_data["session"],
                upload=form.cleaned_data["file"],
                create_orgs=form.cleaned_data["create_orgs"],
            )
        except NotFound:
            raise Http404
        except DomainError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
        else:
            return redirect(job)
    jobs = Paginator(jobs_visible_to(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "ledger/import.html", {"form": form, "jobs": jobs, "sessions": sessions})


def _counts(d: dict) -> list[tuple[str, int]]:
    return [(label, d.get(key, 0)) for key, label in COUNT_LABELS.items()]


@body_staff_required
def job_detail(request, pk):
    job = _job(request.user, pk)
    percent, phase = job_live_progress(job)
    return render(
        request,
        "ledger/job.html",
        {
            "job": job,
            "percent": percent,
            "phase": phase,
            "planned": _counts(job.planned),
            "done": _counts(job.counts),
            "errors": job.errors[:ERRORS_SHOWN],
            "errors_hidden": max(0, len(job.errors) - ERRORS_SHOWN),
        },
    )


@body_staff_required
@require_POST
def job_confirm(request, pk):
    job = _job(request.user, pk)
    try:
        import_job_confirm(actor=request.user, job=job)
    except NotFound:
        raise Http404
    except DomainError as e:
        messages.error(request, e.message)
    return redirect(job)


@body_staff_required
def job_progress(request, pk):
    job = _job(request.user, pk)
    if (job.is_finished or job.is_stale) and request.htmx:
        return HttpResponseClientRefresh()  # the page then shows the result
    percent, phase = job_live_progress(job)
    return render(request, "ledger/_progress.html", {"job": job, "percent": percent, "phase": phase})


@login_required
def ledger_export_view(request):
    raw = request.GET.get("session", "")
    session = Session.objects.select_related("body").filter(pk=int(raw)).first() if raw.isdigit() else None
    if session is None:
        raise Http404
    try:
        export_scope(request.user, session)
        data = ledger_export(actor=request.user, session=session)
    except NotFound:
        raise Http404
    stamp = timezone.localdate().strftime("%Y%m%d")
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"{session.name}台账{stamp}.xlsx"
    response["Content-Disposition"] = (
        f"attachment; filename=\"ledger-{session.code}-{stamp}.xlsx\"; filename*=UTF-8''{quote(name)}"
    )
    return response
