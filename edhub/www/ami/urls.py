from django.urls import path, re_path

from edhub.www.ami import views

app_name = "ami"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/eligibles/", views.eligibles, name="eligibles"),
    re_path(r"^(?P<pk>[0-9]+)/eligibles\.(?P<extension>csv|xlsx)$", views.eligibles_export, name="eligibles-export"),
]
