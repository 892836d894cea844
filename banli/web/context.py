"""Navigation shown to the signed-in user, by role."""
from banli.orgs.models import Role


def nav(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    if user.has_role(Role.BODY_STAFF, Role.COORDINATOR, Role.UNIT_LIAISON, Role.UNIT_LEADER, Role.HANDLER, Role.PROPOSER):
        items.append(("cases:list", "建议提案"))
    if user.has_role(Role.BODY_STAFF):
        items.append(("cases:register", "登记"))
        items.append(("ledger:import", "台账导入"))
    if user.has_role(Role.BODY_STAFF, Role.COORDINATOR, Role.UNIT_LEADER, Role.UNIT_LIAISON):
        items.append(("stats:overview", "统计"))
    return {"nav_items": items, "user_roles": [Role(r).label for r in sorted(user.roles)]}
