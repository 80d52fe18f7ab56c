from django.urls import path

from edhub.www.territories import views

app_name = "territories"
urlpatterns = [
    path("", views.index, name="index"),
    path("<str:level>/<str:code>/", views.detail, name="detail"),
]
