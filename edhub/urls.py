from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from edhub.api import views as api_views
from edhub.api.v1 import api

urlpatterns = [
    path("", include("edhub.www.home.urls")),
    path("recherche/", include("edhub.www.search.urls")),
    path("territoires/", include("edhub.www.territories.urls")),
    path("ecoles/", include("edhub.www.schools.urls")),
    path("carte/", include("edhub.www.map.urls")),
    path("inventaires/", include("edhub.www.inventories.urls")),
    path("ami/", include("edhub.www.ami.urls")),
    path("compte/", include("edhub.www.accounts.urls")),
    path("tableau-de-bord/", include("edhub.www.dashboard.urls")),
    path("journal/", include("edhub.www.audit.urls")),
    path("", include("edhub.www.organisations.urls")),  # /organisations/… and /invitations/…
    path("comparer/", include("edhub.www.compare.urls")),
    path("api/v1/", api_views.index, name="api-index"),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/.*$", api_views.not_found),
    path("admin/", admin.site.urls),
    *([path("oidc/", include("mozilla_django_oidc.urls"))] if settings.PROCONNECT else []),
]

handler500 = "edhub.www.errors.server_error"
