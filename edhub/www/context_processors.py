from django.conf import settings


def branding(request):
    """Service identity and the brand switch: the State brand block is shown only when STATE_BRAND is true."""
    return {
        "SITE_CONFIG": {
            "site_title": "edhub",
            "site_tagline": "Education Data Hub — le numérique éducatif, territoire par territoire",
            "STATE_BRAND": settings.EDHUB_STATE_BRAND,
            "OPERATOR": settings.EDHUB_OPERATOR,
        }
    }


def membership(request):
    """The membership in use and those the user holds, for the header (read from MembershipMiddleware's request
    attributes: no query here; absent on the pages answered before the middleware ran)."""
    return {
        "membership_in_use": getattr(request, "membership", None),
        "memberships_held": getattr(request, "memberships", []),
    }
