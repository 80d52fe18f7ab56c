from django.urls import path

from edhub.www.compare import views

app_name = "compare"
urlpatterns = [
    path("", views.index, name="index"),
    path("suggestions/", views.suggestions, name="suggestions"),
]
