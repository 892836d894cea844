from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.proposal_list, name="list"),
    path("new/", views.proposal_register_view, name="register"),
    path("units/", views.unit_search_view, name="unit_search"),
    path("<int:pk>/", views.proposal_detail, name="detail"),
    path("<int:pk>/edit/", views.proposal_edit_view, name="edit"),
    path("<int:pk>/review/", views.proposal_review_view, name="review"),
    path("<int:pk>/key/", views.proposal_key_view, name="set_key"),
    path("<int:pk>/assign/", views.proposal_assign_view, name="assign"),
    path("<int:pk>/attachments/", views.attachment_upload_view, name="attachment_add"),
    path("assignments/<int:pk>/withdraw/", views.assignment_withdraw_view, name="withdraw"),
    path("attachments/<int:pk>/", views.attachment_view, name="attachment"),
]
