from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from banli.errors import NotFound

from .selectors import proposal_get, proposals_visible_to, with_status


@login_required
def proposal_list(request):
    qs = with_status(proposals_visible_to(request.user)).select_related("session", "lead").order_by("-session__year", "number")[:50]
    return render(request, "cases/list.html", {"proposals": qs})


@login_required
def proposal_detail(request, pk):
    try:
        p = proposal_get(request.user, pk)
    except NotFound:
        raise Http404
    return render(request, "cases/detail.html", {"p": p})


@login_required
def proposal_register_view(request):
    raise Http404
