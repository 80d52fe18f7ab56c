from django.urls import path

from edhub.www.dashboard import views

urlpatterns = [path("", views.dashboard, name="dashboard")]
