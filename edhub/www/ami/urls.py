"""URLs of the connectivity call. Each page family keeps its views and its `urlpatterns` in its own module:
the calls and their eligible communes (views), campaign management (campaigns), dossiers (applications),
scoring (scoring), the committee and the published results (committee), the follow-up of laureates (followup)."""

from django.urls import path, re_path

from edhub.www.ami import applications, campaigns, committee, followup, scoring, views

app_name = "ami"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/eligibles/", views.eligibles, name="eligibles"),
    re_path(r"^(?P<pk>[0-9]+)/eligibles\.(?P<extension>csv|xlsx)$", views.eligibles_export, name="eligibles-export"),
    *campaigns.urlpatterns,
    *applications.urlpatterns,
    *scoring.urlpatterns,
    *committee.urlpatterns,
    *followup.urlpatterns,
]
