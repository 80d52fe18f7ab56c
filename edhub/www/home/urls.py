from django.urls import path

from edhub.www.home import views

urlpatterns = [path("", views.home, name="home")]
