"""A NotFound escaping a view answers 404: "does not exist" and "not yours" look the same."""

from __future__ import annotations

from django.http import Http404

from banli.errors import NotFound


class NotFoundMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            raise Http404(exception.message) from exception
        return None
