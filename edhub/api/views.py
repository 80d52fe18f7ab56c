from django.http import JsonResponse
from django.urls import reverse


def index(request):
    """The root of the API v1: where its documentation lives."""
    return JsonResponse(
        {
            "title": "edhub API",
            "version": "1",
            "documentation": reverse("api-v1:openapi-view"),
            "openapi": reverse("api-v1:openapi-json"),
        }
    )


def not_found(request, path=""):
    """Any other path under /api/v1/: a JSON 404, never the HTML page."""
    return JsonResponse({"detail": f"Ressource inconnue : {request.path}"}, status=404)
