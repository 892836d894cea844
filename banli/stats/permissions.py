"""Route permissions of the statistics dashboards (format: banli/site/permissions.py).
Scope (body / coordinator subtree / unit) is applied by banli.stats.scope in the views."""

from banli.orgs.roles import OFFICES, OVERSEERS

STATS_ROLES = OVERSEERS

ROUTES = {
    "stats:overview": {"GET": STATS_ROLES},
    "stats:cases": {"GET": STATS_ROLES},
    "stats:trend": {"GET": STATS_ROLES},
    "stats:assessment": {"GET": STATS_ROLES, "POST": OFFICES},
}
