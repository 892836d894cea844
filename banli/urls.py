from django.urls import include, path

urlpatterns = [
    path("", include("banli.web.urls")),
    path("cases/", include("banli.cases.urls")),
    path("ledger/", include("banli.ledger.urls")),
    path("stats/", include("banli.stats.urls")),
]
