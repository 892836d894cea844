from django.http import Http404
from django.urls import path

app_name = "ledger"


def _todo(request):
    raise Http404


urlpatterns = [path("import/", _todo, name="import")]
