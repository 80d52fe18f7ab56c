from django.urls import path

from edhub.www.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.journal, name="journal"),
    path("export.csv", views.export, name="export"),
]
