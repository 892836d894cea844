from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.submit, name="submit"),
    path("todo/<slug:key>/", views.todo, name="todo"),
    path("p/<int:pk>/", views.proposal, name="proposal"),
    path("a/<int:pk>/evaluate/", views.evaluate, name="evaluate"),
    path("a/<int:pk>/message/", views.message_send, name="message_send"),
    path("replies/<int:pk>/letter/", views.reply_letter, name="reply_letter"),
    path("files/<int:pk>/", views.attachment, name="attachment"),
    path("messages/", views.unit_messages, name="unit_messages"),
    path("messages/<int:pk>/answer/", views.message_answer, name="message_answer"),
    path("disclosure/", views.disclosure_list, name="disclosure"),
    path("disclosure/<int:pk>/", views.disclosure_detail, name="disclosure_detail"),
    path("disclosure/<int:pk>/propose/", views.disclosure_propose, name="disclosure_propose"),
    path("disclosure/<int:pk>/decide/", views.disclosure_decide, name="disclosure_decide"),
    path("disclosure/<int:pk>/withdraw/", views.disclosure_withdraw, name="disclosure_withdraw"),
]
