from django.http import HttpResponseServerError
from django.template import loader
from django.views import defaults


def server_error(request):
    """The DSFR 500 page, rendered with the site's context processors (they make no database query)."""
    try:
        return HttpResponseServerError(loader.render_to_string("500.html", request=request))
    except Exception:
        return defaults.server_error(request)
