"""Route permissions of the statistics dashboards (format: banli/web/permissions.py).
Scope (body / coordinator subtree / unit) is applied by banli.stats.scope in the views."""

STATS_ROLES = {"body_staff", "coordinator", "unit_leader", "unit_liaison"}

ROUTES = {
    "stats:overview": {"GET": STATS_ROLES},
    "stats:cases": {"GET": STATS_ROLES},
    "stats:trend": {"GET": STATS_ROLES},
    "stats:assessment": {"GET": STATS_ROLES, "POST": {"body_staff", "coordinator"}},
}
