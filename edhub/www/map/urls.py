from django.urls import path

from edhub.www.map import views

app_name = "map"
urlpatterns = [path("", views.index, name="index")]
