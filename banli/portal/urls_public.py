"""The public site: published replies and session statistics, no login. URLs are stable."""

from django.urls import path

from . import views

app_name = "public"
urlpatterns = [
    path("", views.public_home, name="home"),
    path("replies/", views.public_replies, name="replies"),
    path("replies/<int:pk>/", views.public_reply, name="reply"),
    path("replies/<int:pk>/document/", views.public_reply_document, name="reply_document"),
    path("sessions/<str:code>/", views.public_session, name="session"),
]
