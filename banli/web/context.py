"""Navigation shown to the signed-in user, by role."""
from django.urls import NoReverseMatch, reverse

from banli.orgs.models import Role

CASE_ROLES = (Role.BODY_STAFF, Role.COORDINATOR, Role.UNIT_LIAISON, Role.UNIT_LEADER, Role.HANDLER)

# (url name, label, roles that see it). Entries whose route does not exist (yet) are skipped.
NAV = (
    ("cases:list", "建议提案", CASE_ROLES),
    ("cases:list", "我的建议提案", (Role.PROPOSER,)),
    ("cases:register", "登记", (Role.BODY_STAFF,)),
    ("ledger:import", "台账导入", (Role.BODY_STAFF,)),
    ("stats:overview", "统计", (Role.BODY_STAFF, Role.COORDINATOR, Role.UNIT_LEADER, Role.UNIT_LIAISON)),
)


def nav(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"nav_items": [], "nav_links": []}
    links, seen = [], set()
    for url_name, label, roles in NAV:
        if url_name in seen or not user.has_role(*roles):
            continue
        try:
            href = reverse(url_name)
        except NoReverseMatch:
            continue
        seen.add(url_name)
        links.append({"name": url_name, "label": label, "href": href})
    return {
        "nav_items": [(link["name"], link["label"]) for link in links],
        "nav_links": links,
        "user_roles": [Role(r).label for r in sorted(user.roles)],
    }
