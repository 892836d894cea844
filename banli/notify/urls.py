from django.urls import path

from . import views

app_name = "notify"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.inbox_open, name="inbox_open"),
    path("read-all/", views.inbox_read_all, name="inbox_read_all"),
    path("preferences/", views.inbox_preferences, name="inbox_preferences"),
]
