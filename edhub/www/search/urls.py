from django.urls import path

from edhub.www.search import views

app_name = "search"
urlpatterns = [path("", views.results, name="results")]
