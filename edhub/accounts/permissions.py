"""Who may do what: the one place that answers « may this user, in the membership in use, do this action on this
object? ».

Every action is a rule of django-rules (`rules.test_rule(action, user, obj)`, and `{% test_rule %}` in templates),
made of checks in order; the first check that fails gives the refusal, in French, saying what the account lacks.
Views refuse with `require` (PermissionDenied: the 403 page shows the reason), pages show a link only when `may`
lets the user through, the API asks the same, and the querysets of what a user may see (`visible_*`) follow the
same rules, so that an object reached by its id (IDOR) is refused like one reached by a link.

The membership in use is the one the user chose in the header (edhub/accounts/middleware.py). Rights follow it: an
administrator of an organisation administers it while acting in it. A superuser is a national administrator.

Objects are read through their attributes only (a call's territory, a dossier's commune and state, an upload's
territory): this module imports no module app, the modules import it. Whether a call accepts a commune today is the
call's own rule (Campaign.apply_refusal), not a right.

tests/accounts/test_permissions.py walks the whole matrix: every role × every action × own / other / no territory.
"""

import rules
from django.core.exceptions import PermissionDenied

from edhub.accounts.models import Role
from edhub.accounts.scope import can_write, membership_of

# -- What the membership in use is ----------------------------------------------------------------------------------


def account(user):
    """The membership in use, in words (« Commune — Commune — Créteil »), for the refusals."""
    membership = membership_of(user)
    return membership.label() if membership is not None else "membre d'aucune organisation"


@rules.predicate
def is_member(user):
    return membership_of(user) is not None


@rules.predicate
def is_national(user):
    membership = membership_of(user)
    return bool(user and user.is_superuser) or (membership is not None and membership.role == Role.NATIONAL)


@rules.predicate
def writes(user):
    return is_national(user) or can_write(membership_of(user))


@rules.predicate
def is_commune(user):
    membership = membership_of(user)
    return membership is not None and membership.role == Role.COMMUNE


@rules.predicate
def is_instructor(user):
    membership = membership_of(user)
    return is_national(user) or (membership is not None and membership.role == Role.ACADEMIE)


def _territory_id(user):
    membership = membership_of(user)
    return membership.territory_id if membership is not None else None


# -- Inventories ----------------------------------------------------------------------------------------------------


@rules.predicate
def sees_upload(user, upload):
    """An upload is seen by the members of its territory's organisations (all of them by a national administrator)."""
    if is_national(user):
        return True
    territory = _territory_id(user)
    return territory is not None and upload.territory_id == territory


def visible_uploads(user, uploads):
    """The uploads of `uploads` (a queryset) that the user may see (a member of no organisation: none)."""
    if not is_member(user):
        return uploads.none()
    if is_national(user):
        return uploads
    territory = _territory_id(user)
    return uploads.filter(territory=territory) if territory is not None else uploads.none()


# -- Connectivity call ------------------------------------------------------------------------------------------------


@rules.predicate
def of_dossier_commune(user, application):
    return is_commune(user) and _territory_id(user) == application.commune_id


@rules.predicate
def instructs_dossier(user, application):
    """A national administrator instructs every dossier, an académie those of its communes."""
    if is_national(user):
        return True
    return is_instructor(user) and application.commune.academie_id == _territory_id(user)


@rules.predicate
def sees_dossier(user, application):
    return of_dossier_commune(user, application) or instructs_dossier(user, application)


@rules.predicate
def dossier_open_to_commune(user, application):
    return application.state in application.COMMUNE_MOVES


@rules.predicate
def dossier_accepted(user, application):
    return application.state == application.State.ACCEPTED


def visible_dossiers(user, applications):
    """The dossiers of `applications` (a queryset) that the user may see: a commune its own, an académie those of its
    communes, a national administrator all of them."""
    if is_national(user):
        return applications
    territory = _territory_id(user)
    if is_commune(user):
        return applications.filter(commune=territory)
    if is_instructor(user):
        return applications.filter(commune__academie=territory)
    return applications.none()


def allowed_moves(user, application):
    """The states the user may move the dossier to: its commune deposits it, its instructors decide."""
    if of_dossier_commune(user, application):
        return application.COMMUNE_MOVES.get(application.state, ())
    if instructs_dossier(user, application):
        return application.INSTRUCTOR_MOVES.get(application.state, ())
    return ()


def _call_academie(campaign):
    """The académie of a call on an académie or on one of its départements (None for a wider call)."""
    from edhub.territories.models import Level

    territory = campaign.territory
    if territory.level == Level.ACADEMIE:
        return territory
    return territory.academie if territory.level == Level.DEPARTEMENT else None


@rules.predicate
def instructs_call(user, campaign):
    """A national administrator instructs every call, an académie the calls its communes may apply to."""
    if is_national(user):
        return True
    if not is_instructor(user):
        return False
    from edhub.territories.models import Territory

    return Territory.objects.filter(campaign.territory.inside(), academie=_territory_id(user)).exists()


@rules.predicate
def sits_on_committee(user, campaign):
    """A national administrator, or (read-only) the académie of a call on that académie or one of its départements."""
    if is_national(user):
        return True
    academie = _call_academie(campaign)
    return academie is not None and is_instructor(user) and _territory_id(user) == academie.pk


@rules.predicate
def call_accepts_commune(user, campaign):
    return not campaign.apply_refusal(membership_of(user).territory)


def _committee_message(user, campaign):
    academie = _call_academie(campaign)
    sitting = "l'administration nationale"
    if academie is not None:
        sitting += f" et à l'académie de {academie.name}"
    return (
        f"Le comité de sélection de cet appel ({campaign.territory.name}) est réservé à {sitting} (votre compte : "
        f"{account(user)})."
    )


def _instruct_message(user, campaign):
    if not is_instructor(user):
        return (
            "Les candidatures sont instruites et notées par l'administration nationale et par les académies (DANE) "
            f"pour leurs communes (votre compte : {account(user)})."
        )
    academie = membership_of(user).organisation.territory
    return (
        f"L'appel couvre {campaign.territory.name} : aucune commune de l'académie de {academie.name} ne peut y "
        "candidater, votre académie n'en instruit aucun dossier."
    )


# -- Organisations ----------------------------------------------------------------------------------------------------


@rules.predicate
def administers(user, organisation):
    """The membership in use is an administrator's of this organisation (or the user is a national administrator)."""
    if is_national(user):
        return True
    membership = membership_of(user)
    return membership is not None and membership.is_admin and membership.organisation_id == organisation.pk


@rules.predicate
def administers_member(user, membership):
    return administers(user, membership.organisation)


# -- The policy -------------------------------------------------------------------------------------------------------

NO_MEMBERSHIP = (
    "Votre compte n'est membre d'aucune organisation : demandez à un administrateur de votre organisation de vous "
    "inviter (page « Mon compte »)."
)

READ_ONLY = "Votre compte est en lecture seule : il ne peut rien déposer ni publier."
OTHER_TERRITORY_UPLOAD = "Ce dépôt est celui d'un autre territoire que le vôtre."
# Publishing an upload, or rolling it back: a writer of its territory.
WRITE_UPLOAD = [(is_member, NO_MEMBERSHIP), (sees_upload, OTHER_TERRITORY_UPLOAD), (writes, READ_ONLY)]

# action: [(check, refusal when the check fails)], in order. A refusal is a text, or a function (user, obj) → text.
POLICY = {
    # Acting for an organisation at all
    "accounts.act": [(is_member, NO_MEMBERSHIP)],
    # Local inventories
    "inventories.see": [(is_member, NO_MEMBERSHIP)],
    "inventories.upload": [(is_member, NO_MEMBERSHIP), (writes, READ_ONLY)],
    "inventories.see_upload": [(is_member, NO_MEMBERSHIP), (sees_upload, OTHER_TERRITORY_UPLOAD)],
    "inventories.confirm": WRITE_UPLOAD,
    "inventories.rollback": WRITE_UPLOAD,
    # Connectivity call
    "ami.manage": [
        (
            is_national,
            lambda user, obj: (
                f"La gestion des appels est réservée aux administrateurs nationaux (votre compte : {account(user)})."
            ),
        )
    ],
    "ami.apply": [
        (is_commune, "Une candidature est déposée par un agent habilité d'une commune, pour sa commune."),
        (call_accepts_commune, lambda user, campaign: campaign.apply_refusal(membership_of(user).territory)),
    ],
    "ami.see_dossier": [(sees_dossier, "Ce dossier est celui d'une autre commune que la vôtre.")],
    "ami.edit": [
        (of_dossier_commune, "Seule la commune modifie son dossier."),
        (
            dossier_open_to_commune,
            lambda user, application: (
                f"Ce dossier est « {application.get_state_display()} » : la commune ne peut plus le modifier."
            ),
        ),
    ],
    "ami.deposit": [
        (of_dossier_commune, "Seule la commune dépose son dossier."),
        (
            dossier_open_to_commune,
            lambda user, application: f"Ce dossier est « {application.get_state_display()} » : il est déjà déposé.",
        ),
    ],
    "ami.instruct": [(instructs_call, _instruct_message)],
    "ami.instruct_dossier": [
        (
            instructs_dossier,
            "Ce dossier est instruit par l'administration nationale et par l'académie de sa commune.",
        )
    ],
    "ami.score": [
        (
            instructs_dossier,
            "Ce dossier est noté par l'administration nationale et par l'académie de sa commune.",
        )
    ],
    "ami.committee": [(sits_on_committee, _committee_message)],
    "ami.arrest": [(is_national, "Seul un administrateur national arrête la sélection.")],
    "ami.publish": [(is_national, "Seul un administrateur national publie les résultats.")],
    "ami.see_followup": [
        (
            is_commune | is_instructor,
            "Le suivi des lauréats est réservé aux instructeurs et aux communes lauréates.",
        )
    ],
    "ami.follow_up": [
        (dossier_accepted, "Seuls les dossiers retenus ont un suivi des travaux."),
        (
            sees_dossier,
            "Le suivi d'un dossier retenu est mis à jour par sa commune, son académie et l'administration nationale.",
        ),
    ],
    # Organisations
    "accounts.see_members": [
        (administers, "Les membres d'une organisation sont visibles de ses administrateurs."),
    ],
    "accounts.invite": [
        (administers, "Seul un administrateur de l'organisation invite de nouveaux membres."),
    ],
    "accounts.manage_member": [
        (administers_member, "Seul un administrateur de l'organisation retire un membre ou change ses droits."),
    ],
    "accounts.answer_join_request": [
        (administers, "Seul un administrateur de l'organisation répond aux demandes pour la rejoindre."),
    ],
    "accounts.see_log": [
        (administers, "Le journal d'une organisation est consulté par ses administrateurs."),
    ],
}


def _holds(check, user, obj):
    if isinstance(check, rules.Predicate):
        return check.test(user, obj)
    return check(user, obj)


def refusal(user, action, obj=None):
    """Why the user, in the membership in use, may not do `action` on `obj` ("" when it may)."""
    for check, message in POLICY[action]:
        if not _holds(check, user, obj):
            return message(user, obj) if callable(message) else message
    return ""


def may(user, action, obj=None):
    return not refusal(user, action, obj)


def require(user, action, obj=None):
    """Refuse (403 with the reason) unless the user may."""
    reason = refusal(user, action, obj)
    if reason:
        raise PermissionDenied(reason)


# The same answers through django-rules: `rules.test_rule(action, user, obj)`, `{% test_rule action user obj %}`.
def _rule(action):
    def answer(user, obj):
        return may(user, action, obj)

    return rules.predicate(answer, name=action)


for _action in POLICY:
    rules.add_rule(_action, _rule(_action))
