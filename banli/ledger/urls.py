from django.urls import path

from . import views

app_name = "ledger"

urlpatterns = [
    path("import/", views.ledger_import_view, name="import"),
    path("import/<int:pk>/", views.job_detail, name="job"),
    path("import/<int:pk>/run/", views.job_confirm, name="job_run"),
    path("import/<int:pk>/progress/", views.job_progress, name="job_progress"),
    path("export/", views.ledger_export_view, name="export"),
]
