from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("summary/", views.summary, name="summary"),
    path("summary.docx", views.summary_docx, name="summary_docx"),
    path("replies/<int:pk>/letter.docx", views.reply_letter, name="reply_letter"),
    path("replies/<int:pk>/letter.pdf", views.reply_letter_pdf, name="reply_letter_pdf"),
    path("replies/<int:pk>/letter.ofd", views.reply_letter_ofd, name="reply_letter_ofd"),
    path("responsibility.xlsx", views.responsibility, name="responsibility"),
    path("b-ledger.xlsx", views.b_ledger, name="b_ledger"),
    path("ledger.xlsx", views.ledger, name="ledger"),
    path("archive.zip", views.archive, name="archive"),
    path("doc-settings/", views.doc_settings, name="doc_settings"),
]
