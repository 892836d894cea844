from django.urls import path

from . import views

app_name = "deadlines"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export.xlsx", views.dashboard_export, name="dashboard_export"),
    path("assignments/<int:pk>/", views.assignment_page, name="assignment"),
    path("assignments/<int:pk>/extension/", views.extension_request_view, name="extension_request"),
    path("assignments/<int:pk>/remind/", views.remind_view, name="remind"),
    path("assignments/<int:pk>/supervise/", views.supervise_view, name="supervise"),
    path("extensions/", views.extensions, name="extensions"),
    path("extensions/<int:pk>/decide/", views.extension_decide_view, name="extension_decide"),
    path("key/", views.key_list, name="key_list"),
    path("key/<int:pk>/", views.key_detail, name="key_detail"),
    path("key/<int:pk>/dates/", views.key_dates_view, name="key_dates"),
    path("plans/", views.plans, name="plans"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("policies/", views.policies, name="policies"),
    path("calendar/", views.calendar_years, name="calendar"),
    path("calendar/<int:year>/", views.calendar_year, name="calendar_year"),
]
