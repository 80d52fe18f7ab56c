"""The national map of the observatory: the page carries the controls and an empty table, the script fills both
from the API (contours from /api/v1/geometries, values by code), with the whole state in the query string."""

from django.shortcuts import render
from django.urls import reverse

from edhub.schools.models import Kind
from edhub.territories.models import Level

# The levels the map drills through, from France down to the commune; "ecole" shows the schools of a commune.
MAP_LEVELS = [
    (Level.REGION_ACADEMIQUE, "Régions académiques"),
    (Level.ACADEMIE, "Académies"),
    (Level.DEPARTEMENT, "Départements"),
    (Level.COMMUNE, "Communes"),
]
CLASSIFICATIONS = [("quantiles", "Quantiles (effectifs égaux)"), ("jenks", "Seuils naturels (Jenks)")]


def index(request):
    context = {
        "active_nav": "map",
        "levels": MAP_LEVELS,
        "classifications": CLASSIFICATIONS,
        "kinds": dict(Kind.choices),
        "breadcrumb_data": {"root_dir": reverse("home"), "links": [], "current": "Carte"},
    }
    return render(request, "map/index.html", context)
