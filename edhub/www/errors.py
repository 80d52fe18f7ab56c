import logging


def server_error(request):
    """The DSFR 500 page, rendered with the site's context processors (they make no database query)."""
    # Imported here: the settings' LOGGING loads this module's filter at every start-up, where the template engine
    # is not needed (every `edhub` command would pay for it).
    from django.http import HttpResponseServerError
    from django.template import loader
    from django.views import defaults

    try:
        return HttpResponseServerError(loader.render_to_string("500.html", request=request))
    except Exception:
        return defaults.server_error(request)


class NoTracebackForClientErrors(logging.Filter):
    """Keep the one-line warning of a 4xx answer (« Forbidden (Permission denied): /ami/1/comite/ ») without the
    traceback Django attaches to it: a refusal is not a fault of the code. 5xx answers keep theirs."""

    def filter(self, record):
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = record.exc_text = None
        return True
