from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.proposal_list, name="list"),
    path("new/", views.proposal_register_view, name="register"),
    path("<int:pk>/", views.proposal_detail, name="detail"),
]
