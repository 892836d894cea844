from django import template

from banli.formatting import pct as shared_pct
from banli.orgs.models import Role
from banli.orgs.roles import OFFICES, OVERSEERS
from banli.textintel.selectors import can_see_similar

register = template.Library()


@register.filter
def similar_allowed(user) -> bool:
    """Whether the similar-proposals panel is shown to this user (staff roles, not proposers)."""
    return bool(user) and can_see_similar(user)


@register.filter
def recommend_allowed(user) -> bool:
    return bool(user) and user.is_authenticated and user.has_role(*OFFICES)


@register.filter
def pct(value) -> str:
    """A rate in [0, 1] as a percentage with two decimals; “—” for no denominator (SPEC §9)."""
    return shared_pct(value)


@register.filter
def is_body_staff(user) -> bool:
    return bool(user) and user.is_authenticated and user.has_role(Role.BODY_STAFF)


@register.filter
def clusters_allowed(user) -> bool:
    return bool(user) and user.is_authenticated and user.has_role(*OVERSEERS)
