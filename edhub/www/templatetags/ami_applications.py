"""What a campaign page offers the current user about dossiers (see edhub.www.ami.applications)."""

from django import template

from edhub.www.ami.applications import campaign_access

register = template.Library()


@register.simple_tag(takes_context=True)
def application_access(context, campaign):
    """{% application_access campaign as access %}: access.application (the commune's dossier), access.can_apply,
    access.refusal (why the call receives no dossier today), access.instructor."""
    return campaign_access(context["request"].user, campaign)
