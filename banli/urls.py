from django.urls import include, path

urlpatterns = [
    path("", include("banli.site.urls")),
    path("cases/", include("banli.cases.urls")),
    path("ledger/", include("banli.ledger.urls")),
    path("stats/", include("banli.stats.urls")),
    path("handling/", include("banli.handling.urls")),
    path("deadlines/inbox/", include("banli.notify.urls")),
    path("deadlines/", include("banli.deadlines.urls")),
    path("text/", include("banli.textintel.urls")),
    path("security/", include("banli.security.urls")),
    path("reports/", include("banli.reports.urls")),
    path("portal/", include("banli.portal.urls")),
    path("public/", include("banli.portal.urls_public")),
    path("api/", include("banli.api.urls")),
]
