"""What an actor may see and do. Everything fails closed: no membership, nothing visible."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from registry.orgs.models import Agency

from .models import Membership, User
from .roles import ROLE_PERMS, STAFF_ROLES, Perm


def _memberships(actor: object) -> list[Membership]:
    if not isinstance(actor, User) or not actor.is_authenticated or not actor.is_active:
        return []
    cached: list[Membership] | None = getattr(actor, "_membership_cache", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=actor).select_related("agency"))
        actor._membership_cache = cached  # type: ignore[attr-defined]
    return cached


def actor_perms(actor: object) -> frozenset[Perm]:
    perms: set[Perm] = set()
    for m in _memberships(actor):
        perms |= ROLE_PERMS.get(m.role, frozenset())
    return frozenset(perms)


def actor_has_perm(actor: object, perm: Perm, agency: Agency | None = None) -> bool:
    """True when one of the actor's roles grants perm at an agency whose subtree holds `agency`."""
    for m in _memberships(actor):
        if perm in ROLE_PERMS.get(m.role, frozenset()) and (
            agency is None or agency.path.startswith(m.agency.path)
        ):
            return True
    return False


def actor_is_staff(actor: object) -> bool:
    return any(m.role in STAFF_ROLES for m in _memberships(actor))


def visible_agencies(actor: object, perm: Perm = Perm.VIEW_PEOPLE) -> QuerySet[Agency]:
    roots = [m.agency.path for m in _memberships(actor) if perm in ROLE_PERMS.get(m.role, frozenset())]
    if not roots:
        return Agency.objects.none()
    cond = Q()
    for path in roots:
        cond |= Q(path__startswith=path)
    return Agency.objects.filter(cond)


def actor_roots(actor: object, perm: Perm = Perm.VIEW_PEOPLE) -> list[Agency]:
    """The top agencies of the actor's subtrees (for filters and headings)."""
    roots = [m.agency for m in _memberships(actor) if perm in ROLE_PERMS.get(m.role, frozenset())]
    return [a for a in roots if not any(a is not b and a.path.startswith(b.path) for b in roots)]
