"""Every habilitation gets its membership: same user and role, in the organisation its role is exercised in (see
OrganisationQuerySet.for_role), since the day it was granted. An habilitation that names no organisation
(a territorial role without a territory of its level) stops the migration with its id: none is dropped."""

from django.db import migrations


def habilitations_to_memberships(apps, schema_editor=None):
    Habilitation = apps.get_model("accounts", "Habilitation")
    Organisation = apps.get_model("accounts", "Organisation")
    Membership = apps.get_model("accounts", "Membership")
    for habilitation in Habilitation.objects.select_related("territory").order_by("pk"):
        try:
            organisation = Organisation.objects.for_role(habilitation.role, habilitation.territory)
        except ValueError as error:
            raise RuntimeError(f"Habilitation n° {habilitation.pk} : {error}") from None
        Membership.objects.get_or_create(
            user_id=habilitation.user_id,
            organisation=organisation,
            defaults={"role": habilitation.role, "since": habilitation.granted_at},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_organisation_membership"),
    ]

    operations = [
        migrations.RunPython(habilitations_to_memberships, migrations.RunPython.noop),
    ]
