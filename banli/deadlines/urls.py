from django.urls import path

from . import views

app_name = "deadlines"
urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/", views.inbox_open, name="inbox_open"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox_read_all"),
    path("inbox/preferences/", views.inbox_preferences, name="inbox_preferences"),
]
