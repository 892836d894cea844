app_name = "textintel"
urlpatterns: list = []
