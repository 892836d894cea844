from django.urls import path

from . import views

app_name = "stats"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("cases/", views.cases, name="cases"),
    path("assessment/", views.assessment, name="assessment"),
    path("trend.json", views.trend, name="trend"),
]
