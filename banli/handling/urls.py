from django.urls import path

from . import views

app_name = "handling"
urlpatterns = [
    path("a/<int:pk>/sign/", views.sign, name="sign"),
    path("a/<int:pk>/adjust/", views.adjust, name="adjust"),
    path("adjustment/<int:pk>/decide/", views.adjust_decide, name="adjust_decide"),
    path("a/<int:pk>/plan/", views.plan, name="plan"),
    path("a/<int:pk>/distribute/", views.distribute, name="distribute"),
    path("a/<int:pk>/contact/", views.contact, name="contact"),
    path("a/<int:pk>/opinion/", views.co_opinion, name="co_opinion"),
    path("a/<int:pk>/points/", views.points, name="points"),
    path("a/<int:pk>/reply/", views.reply_edit, name="reply"),
    path("a/<int:pk>/evaluate/", views.evaluate, name="evaluate"),
    path("reply/<int:pk>/submit/", views.reply_submit, name="reply_submit"),
    path("reply/<int:pk>/approve/", views.reply_approve, name="reply_approve"),
    path("reply/<int:pk>/return/", views.reply_return, name="reply_return"),
    path("reply/<int:pk>/send/", views.reply_send, name="reply_send"),
    path("reply/<int:pk>/correct/", views.reply_correct, name="reply_correct"),
    path("reply/<int:pk>/renumber/", views.letter_number_reissue, name="letter_number_reissue"),
    path("commitment/<int:pk>/progress/", views.progress, name="progress"),
    path("commitment/<int:pk>/explain/", views.explain, name="explain"),
    path("followup/<int:pk>/convert/", views.convert, name="convert"),
    path("b-ledger/", views.b_ledger, name="b_ledger"),
    path("handover/", views.handover, name="handover"),
    path("policy/", views.policy, name="policy"),
    path("attachment/<int:pk>/", views.attachment, name="attachment"),
]
