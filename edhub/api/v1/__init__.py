"""The read API v1: territories, schools and sources, documented by the OpenAPI document it serves."""

import json

from django.http import Http404
from django.shortcuts import render
from ninja import NinjaAPI, Swagger
from ninja.errors import ValidationError

from edhub.api.v1 import geometries, indicators, schools, sources, territories, tiles


class LocalSwagger(Swagger):
    """Swagger UI from django-ninja's own files, declared in the settings without installing the app: never from a
    CDN (ninja only renders its local files when it is an installed app)."""

    def render_page(self, request, api, **kwargs):
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {"swagger_settings": json.dumps(self.settings, indent=1), "api": api, "add_csrf": False}
        return render(request, self.template, context)


# Every operation may answer 429 (edhub/utils/ratelimit.py, a middleware in front of the API): said once here.
TOO_MANY_REQUESTS = {
    "description": "Trop de requêtes depuis votre adresse (limite par minute) : réessayer après `Retry-After`.",
    "headers": {
        "Retry-After": {
            "description": "Secondes à attendre avant la prochaine requête.",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


class Api(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        """The document, each optional query parameter described by its values only: a query string has no null
        (an absent parameter is None), so a client or a fuzzer reading `anyOf: [..., null]` would send `level=`;
        and the rate limit's 429 stated on every operation."""
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for parameter in operation.get("parameters", []):
                    parameter["schema"] = without_null(parameter["schema"])
                operation.setdefault("responses", {})["429"] = TOO_MANY_REQUESTS
        return schema


def without_null(schema):
    """`schema` without its `{"type": "null"}` alternative, the remaining one merged with its other keys."""
    alternatives = [option for option in schema.get("anyOf", []) if option != {"type": "null"}]
    if len(alternatives) != 1 or len(schema["anyOf"]) != 2:
        return schema
    rest = {key: value for key, value in schema.items() if key != "anyOf"}
    return {**alternatives[0], **rest}


api = Api(
    title="edhub API",
    docs=LocalSwagger(),
    version="1",
    urls_namespace="api-v1",
    description=(
        "API en lecture seule de l'Education Data Hub : territoires (de la commune à la France), écoles et "
        "établissements, données chargées et leur provenance. Réponses en JSON ; la liste des écoles existe aussi "
        "en CSV (`format=csv`), les valeurs d'un indicateur en CSV, XLSX et GeoJSON (`format=csv|xlsx|geojson`). "
        "Les listes sont paginées (`page`, `page_size`). Un paramètre invalide renvoie 400, "
        "une ressource inconnue 404, un client qui dépasse sa limite de requêtes par minute 429 avec l'en-tête "
        '`Retry-After`, toujours avec un objet JSON `{"detail": …}`.'
    ),
)
api.add_router("/territories", territories.router)
api.add_router("/schools", schools.router)
api.add_router("/sources", sources.router)
api.add_router("/indicators", indicators.router)
api.add_router("/geometries", geometries.router)
api.add_router("/tiles", tiles.router)


# Operations group their query parameters in one schema argument of this name: clients see flat parameters.
GROUPED_PARAMETERS = "filters"


@api.exception_handler(ValidationError)
def validation_error(request, exc):
    """Invalid parameters are the client's error: 400, each error located by its parameter name."""
    errors = []
    for error in exc.errors:
        location = list(error["loc"])
        if location[1:2] == [GROUPED_PARAMETERS]:
            del location[1]
        errors.append({**error, "loc": location})
    return api.create_response(request, {"detail": errors}, status=400)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "Ressource inconnue."}, status=404)
