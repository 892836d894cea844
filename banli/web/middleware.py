"""A NotFound escaping a view answers 404: "does not exist" and "not yours" look the same."""

from __future__ import annotations

from django.core.exceptions import BadRequest
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


# Query parameters that name a row or a year. Views read them with `isdigit()` and pass them to
# the database or to datetime: "²" is a digit to Python but not to int(), a 20-digit number
# overflows SQLite's and PostgreSQL's 64-bit integers, and year 0 is not a date. Such a request
# is refused here as a bad request (400) instead of each view answering 500.
ID_PARAMS = frozenset(
    {"session", "org", "unit", "page", "proposal", "into", "dept", "checks", "user", "job", "id", "pk", "plan"}
)
YEAR_PARAMS = frozenset({"year", "from_year", "to_year"})
MAX_ID = 2**63 - 1


def _bad_number(name: str, value: str) -> bool:
    v = value.strip()
    number = v[1:] if v.startswith("-") else v
    if not number or not number.isdigit():
        return False  # not a number at all: the view treats it as absent or invalid
    if not number.isascii() or v.startswith("-"):
        return True
    n = int(number)
    return not (1 <= n <= 9999) if name in YEAR_PARAMS else n > MAX_ID


class QueryNumberMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name in ID_PARAMS.union(YEAR_PARAMS).intersection(request.GET):
            if any(_bad_number(name, v) for v in request.GET.getlist(name)):
                raise BadRequest(f"参数 {name} 无效。")
        return self.get_response(request)
