from django.urls import path

from . import views

app_name = "textintel"
urlpatterns = [
    path("search/", views.search_view, name="search"),
    path("similar/", views.similar_text_view, name="similar_text"),
    path("similar/<int:pk>/", views.similar_proposal_view, name="similar_proposal"),
    path("merge/", views.merge_view, name="merge"),
    path("merge-suggestions/", views.merge_suggestions_view, name="merge_suggestions"),
    path("clusters/", views.clusters_view, name="clusters"),
    path("clusters/export/", views.clusters_export_view, name="clusters_export"),
    path("recommend/<int:pk>/", views.recommend_view, name="recommend"),
    path("recommender/", views.accuracy_view, name="accuracy"),
    path("dictionary/", views.dictionary_view, name="dictionary"),
    path("dictionary/<int:pk>/delete/", views.dictionary_delete_view, name="dictionary_delete"),
    path("dictionary/related/<int:pk>/<str:decision>/", views.related_decide_view, name="related_decide"),
]
