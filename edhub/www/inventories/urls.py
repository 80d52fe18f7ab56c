from django.urls import path, re_path

from edhub.www.inventories import views

app_name = "inventories"
urlpatterns = [
    path("", views.index, name="index"),
    path("modele/", views.documentation, name="documentation"),
    re_path(r"^modele\.(?P<extension>xlsx|csv)$", views.template, name="template"),
    path("depots/<int:pk>/", views.upload_detail, name="upload"),
    path("depots/<int:pk>/avancement/", views.progress, name="progress"),
    path("depots/<int:pk>/anomalies.csv", views.problems, name="problems"),
    re_path(r"^depots/(?P<pk>[0-9]+)/(?P<action>publish|cancel|rerun|rollback)/$", views.act, name="act"),
]
