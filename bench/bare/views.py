"""URLs and views of the bare baseline (see settings.py)."""

from django.db import connection, transaction
from django.http import HttpResponse
from django.template import engines
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

PAGE = engines["django"].from_string(
    "<!doctype html><html lang=zh><title>列表</title><table>"
    "{% for id, number, title in rows %}<tr><td>{{ number }}</td><td><a href='/p/{{ id }}/'>{{ title }}</a></td></tr>"
    "{% endfor %}</table></html>"
)


def listing(request):
    with connection.cursor() as c:
        c.execute("SELECT id, number, title FROM cases_proposal ORDER BY number LIMIT 50")
        rows = c.fetchall()
    return HttpResponse(PAGE.render({"rows": rows}))


@csrf_exempt
def write(request):
    with transaction.atomic(), connection.cursor() as c:
        c.execute("UPDATE bare_counter SET n = n + 1 WHERE id = 1")
        c.execute("INSERT INTO bare_log (note) VALUES (%s)", ["签收"])
    return HttpResponse("ok")


urlpatterns = [path("list/", listing), path("write/", write)]
