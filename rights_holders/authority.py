"""Who acts for a rights holder, and as which organisation (DOMAIN.md, "Who acts, and who sees what").

A brand's own staff act as the brand's organisation. An agent firm acts for a
brand only while it holds a valid letter of authorisation for it. A user who
belongs to several organisations names the one acting on every filing: it is
checked here and never guessed (a guess once filed a suspended firm's notice
under a second organisation, which had no letter at all).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from portal.i18n import text_later
from portal.models import LetterOfAuthorisation, Organisation, OrganisationKind
from portal.scoping import organisation_ids_of, organisation_kinds_of
from rights_holders.models import RightsHolder


@dataclass(frozen=True)
class ActingRole:
    """One way a user may act: ``organisation`` acting for ``rights_holder`` (``letter`` is None for own staff)."""

    organisation: Organisation
    rights_holder: RightsHolder
    letter: LetterOfAuthorisation | None = None

    @property
    def key(self):
        """A stable form value for this role (chosen from a list the server built, never parsed)."""
        return f"{self.organisation.pk}:{self.rights_holder.pk}"

    @property
    def label(self):
        if self.letter is None:
            return f"{self.rights_holder.legal_name} (as its own staff)"
        return (
            f"{self.rights_holder.legal_name} (as agent {self.organisation.name}, "
            f"letter of authorisation valid until {self.letter.valid_until:%Y-%m-%d})"
        )


def acting_authority(organisation_ids, *, when=None, letters=True):
    """The one rule of who acts for a rights holder: its own organisation, or an agent firm holding a
    letter of authorisation valid ``when`` (now by default).

    Two querysets, for ``organisation_ids``: the rights holders they are, and the valid letters they
    hold as agent firms. Scoping (``rights_holders.scoping``) and the acting roles below both read it.
    ``letters=False``: the caller knows none of the organisations is an agent firm (no letter could be
    found), and the letters' queryset is not built (None): every brand owner's page asks.
    """
    holders = RightsHolder.objects.filter(organisation_id__in=organisation_ids)
    if not letters:
        return holders, None
    valid = LetterOfAuthorisation.objects.valid_at(when).filter(
        agent_id__in=organisation_ids, agent__kind=OrganisationKind.AGENT
    )
    return holders, valid


def vetting_authority(organisation_ids):
    """The rights holders that partners among ``organisation_ids`` vet: a partner files notices for them as
    itself (``takedowns.notices.notice_submit`` with ``partner``), without a letter of authorisation.

    Filing is all it gives: a vetting partner does not act for the brand (it registers no rights and sees
    no proof documents), so it is not in ``acting_authority``; what it may read for filing is the brand's
    verified IP assets (``IPAsset.objects.visible_to``).
    """
    return RightsHolder.objects.filter(
        vetting_partners__organisation_id__in=organisation_ids,
        vetting_partners__organisation__kind=OrganisationKind.PARTNER,
    )


def acting_roles_of(user, *, rights_holder=None, when=None):
    """Every (organisation, rights holder) the user may act as, brand staff first, then agents by name.

    At most three queries whatever the number of organisations (the user's organisations with
    their kinds, the brands among them, the letters of the agent firms among them: none when the
    user is in no agent firm, as none could be found); ``rights_holder`` narrows to one brand.
    """
    kinds = organisation_kinds_of(user)
    if not kinds:
        return []
    in_an_agent_firm = OrganisationKind.AGENT in kinds.values()
    holders, letters = acting_authority(frozenset(kinds), when=when, letters=in_an_agent_firm)
    holders = holders.select_related("organisation")
    if rights_holder is not None:
        holders = holders.filter(pk=rights_holder.pk)
    roles = [ActingRole(h.organisation, h) for h in holders.order_by("legal_name")]
    if letters is None:
        return roles
    letters = letters.select_related("agent", "rights_holder").order_by(
        "agent__name", "rights_holder__legal_name", "-valid_until", "pk"
    )
    if rights_holder is not None:
        letters = letters.filter(rights_holder_id=rights_holder.pk)
    seen = {role.key for role in roles}
    for letter in letters:
        role = ActingRole(letter.agent, letter.rights_holder, letter)
        if role.key not in seen:  # two letters for the same pair: the longest-running one is shown
            seen.add(role.key)
            roles.append(role)
    return roles


def acting_role_check(*, user, rights_holder, organisation, when=None):
    """The role if ``organisation`` may act for ``rights_holder`` through ``user``; PermissionDenied if not.

    The user must belong to the organisation, and the organisation must be the brand's own or an
    agent firm holding a letter of authorisation valid ``when`` (now by default).
    """
    if organisation is None:
        raise PermissionDenied(_("Say which of your organisations acts for the rights holder."))
    if organisation.pk not in organisation_ids_of(user):
        raise PermissionDenied(text_later(_("You do not belong to %(organisation)s."), organisation=organisation.name))
    if organisation.pk == rights_holder.organisation_id:
        # The brand's own staff: belonging to its organisation is the whole check (no letter to read).
        return ActingRole(organisation, rights_holder)
    for role in acting_roles_of(user, rights_holder=rights_holder, when=when):
        if role.organisation.pk == organisation.pk:
            return role
    raise PermissionDenied(
        text_later(
            _(
                "%(organisation)s holds no valid letter of authorisation for %(brand)s; "
                "it cannot act for this rights holder."
            ),
            organisation=organisation.name,
            brand=rights_holder.legal_name,
        )
    )
