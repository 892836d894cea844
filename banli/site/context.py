"""Navigation shown to the signed-in user, by role.

An entry is shown when its route exists and the route's own declaration (`<app>/permissions.py`
ROUTES, GET, as collected by the permission matrix) admits one of the user's roles — so the menu
never offers a page that would be refused.
"""

from django.urls import NoReverseMatch, reverse

from banli.orgs.models import Role
from banli.security.matrix import permission_matrix

# (url name, label, roles to show it to; None = as the route's GET declaration says)
NAV = (
    ("cases:list", "建议提案", (Role.BODY_STAFF, Role.COORDINATOR, Role.UNIT_LIAISON, Role.UNIT_LEADER, Role.HANDLER)),
    ("portal:home", "我的建议提案", (Role.PROPOSER,)),
    ("cases:register", "登记", None),
    ("deadlines:dashboard", "督办", None),
    ("textintel:search", "检索", None),
    ("handling:b_ledger", "B类跟踪", None),
    ("handling:handover", "工作移交", None),
    ("ledger:import", "台账", (Role.BODY_STAFF,)),
    ("stats:overview", "统计", None),
    ("portal:home", "代表委员服务", (Role.PROPOSER,)),
    ("portal:unit_messages", "代表留言", None),
    ("portal:disclosure", "结果公开审核", None),
    ("security:users", "用户管理", None),
    ("security:grants", "角色授权", None),
    ("api:tokens", "接口令牌", None),
    ("security:audit_log", "审计日志", None),
)


def _declared_get_roles(url_name: str) -> set[str]:
    return set(permission_matrix().get(url_name, {}).get("GET", set()))


def nav(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"nav_items": [], "nav_links": []}
    roles = set(user.roles)
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else ""
    links, seen = [], set()
    for url_name, label, wanted in NAV:
        if url_name in seen:
            continue
        allowed = _declared_get_roles(url_name)
        if allowed is not None and "authenticated" not in allowed and not roles & allowed:
            continue
        if wanted is not None and not roles & set(wanted):
            continue
        if allowed is None and wanted is None:
            continue
        try:
            href = reverse(url_name)
        except NoReverseMatch:
            continue
        seen.add(url_name)
        app = url_name.split(":", 1)[0]
        links.append({"name": url_name, "label": label, "href": href, "app": app, "active": current == url_name})
    # Pages without a menu entry of their own (a case page) light up their app's entry.
    if current and not any(link["active"] for link in links):
        for link in links:
            if link["app"] == current.split(":", 1)[0]:
                link["active"] = True
                break
    try:
        reverse("notify:inbox")
        inbox = True
    except NoReverseMatch:
        inbox = False
    return {
        "nav_inbox": inbox,
        "nav_items": [(link["name"], link["label"]) for link in links],
        "nav_links": links,
        "user_roles": [Role(r).label for r in sorted(roles) if r in Role.values],
    }
