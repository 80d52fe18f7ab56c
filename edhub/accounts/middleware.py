"""The membership in use: which of their organisations a user acts for, chosen in the header.

Read from the session at every request and checked against the memberships the user holds now: a member removed
while logged in acts no more for that organisation from their next request on (they are told, and act for their
next membership, or for none). Without a choice, a user acts in their oldest membership."""

from django.contrib import messages

SESSION_KEY = "edhub_membership"


def memberships_of(user):
    return list(user.memberships.select_related("organisation__territory").order_by("since", "pk"))


class MembershipMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership, request.memberships = None, []
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            held = memberships_of(user)
            chosen = request.session.get(SESSION_KEY)
            membership = next((m for m in held if m.pk == chosen), None)
            if chosen is not None and membership is None:
                # The membership chosen earlier is gone (removed by an admin, or left from another session).
                del request.session[SESSION_KEY]
                messages.warning(
                    request,
                    "Vous n'êtes plus membre de l'organisation pour laquelle vous agissiez : "
                    + (
                        f"vous agissez désormais pour {held[0].label()}."
                        if held
                        else "vous n'agissez plus pour aucune."
                    ),
                )
            membership = membership or (held[0] if held else None)
            request.membership, request.memberships = membership, held
            user.acting_membership = membership
        return self.get_response(request)


def use(request, membership):
    """Act for `membership` from now on (one the user holds: checked by the caller)."""
    request.session[SESSION_KEY] = membership.pk
    request.membership = membership
    request.user.acting_membership = membership
