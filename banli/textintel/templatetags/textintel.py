from django import template

register = template.Library()


@register.filter
def similar_allowed(user) -> bool:
    """Whether the similar-proposals panel is shown to this user (staff roles, not proposers)."""
    from banli.textintel.selectors import can_see_similar

    return bool(user) and can_see_similar(user)


@register.filter
def recommend_allowed(user) -> bool:
    from banli.orgs.roles import OFFICES

    return bool(user) and user.is_authenticated and user.has_role(*OFFICES)


@register.filter
def pct(value) -> str:
    """A rate in [0, 1] as a percentage with two decimals; “—” for no denominator (SPEC §9)."""
    from banli.formatting import pct as shared_pct

    return shared_pct(value)


@register.filter
def is_body_staff(user) -> bool:
    from banli.orgs.models import Role

    return bool(user) and user.is_authenticated and user.has_role(Role.BODY_STAFF)


@register.filter
def clusters_allowed(user) -> bool:
    from banli.orgs.roles import OVERSEERS

    return bool(user) and user.is_authenticated and user.has_role(*OVERSEERS)
