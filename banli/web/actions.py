"""One way for a view to act.

A view parses its input, then hands the service call to `attempt` (when it re-renders a form on
refusal) or `run_action` (when it redirects either way). A refusal (`DomainError`) becomes a
message for the user — beside the form field it names, or flashed above the page; a repeated
submit of the same form (`AlreadySubmitted`) is reported once and not acted on again; an object
missing or out of scope (`NotFound`) answers 404.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect

from banli.errors import AlreadySubmitted, DomainError, NotFound


@dataclass
class Outcome:
    """What became of an action: `done` (true also for a repeated submit), the service's return
    `value`, and the refusal's `error` message."""

    done: bool
    value: Any = None
    repeated: bool = False
    error: str = ""

    def __bool__(self) -> bool:
        return self.done


def form_error(form, e: DomainError, fields: Mapping[str, str] | None = None) -> None:
    """Show a refusal beside the field it names (renamed through `fields`), or above the form."""
    field = (fields or {}).get(e.field or "", e.field)
    form.add_error(field if field in form.fields else None, e.message)


def attempt(
    request,
    fn: Callable[[], Any],
    *,
    ok: str | Callable[[Any], str] | None = None,
    form=None,
    fields: Mapping[str, str] | None = None,
    flash_error: bool = True,
) -> Outcome:
    """Run `fn()`. On success flash `ok` (a text, or a function of the result). On refusal put the
    message on `form` if given (so the page re-renders with what the user typed), else flash it
    (unless `flash_error` is off: the view shows `Outcome.error` itself)."""
    try:
        value = fn()
    except AlreadySubmitted as e:
        messages.info(request, e.message)
        return Outcome(True, repeated=True)
    except NotFound as e:
        raise Http404(e.message) from e
    except DomainError as e:
        if form is not None:
            form_error(form, e, fields)
        elif flash_error:
            messages.error(request, e.message)
        return Outcome(False, error=e.message)
    if ok:
        messages.success(request, ok(value) if callable(ok) else ok)
    return Outcome(True, value)


def run_action(
    request, fn: Callable[[], Any], *, ok: str | Callable[[Any], str] | None, redirect_to
) -> HttpResponseRedirect:
    """Run `fn()` as `attempt` does, then redirect to `redirect_to` (a URL, or a model with a URL)
    whatever the outcome."""
    attempt(request, fn, ok=ok)
    return redirect(redirect_to)


def once(request) -> str:
    """The submitted form's one-time token, for a service's `once=` parameter."""
    return (request.POST.get("once") or "").strip()[:64]
