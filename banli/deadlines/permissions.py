"""Route permissions of the deadlines app (see banli/site/permissions.py for the format).

Object-level checks (whose case, which assigning office) are in the selectors and services.
"""

from banli.orgs.roles import ASSIGNERS, OFFICES, OVERSEERS, STAFF, UNIT_MANAGERS

ROUTES = {
    "deadlines:dashboard": {"GET": OVERSEERS},
    "deadlines:dashboard_export": {"GET": OVERSEERS},
    "deadlines:assignment": {"GET": STAFF},
    "deadlines:extension_request": {"POST": UNIT_MANAGERS},
    "deadlines:remind": {"POST": OFFICES},
    "deadlines:supervise": {"POST": OFFICES},
    # A district's liaison decides extensions of the sub-assignments it made.
    "deadlines:extensions": {"GET": ASSIGNERS},
    "deadlines:extension_decide": {"POST": ASSIGNERS},
    "deadlines:key_list": {"GET": STAFF},
    "deadlines:key_detail": {"GET": STAFF},
    "deadlines:key_dates": {"POST": {"body_staff"}},
    "deadlines:plans": {"GET": OFFICES, "POST": OFFICES},
    "deadlines:plan_detail": {"GET": OFFICES},
    "deadlines:policies": {"GET": {"body_staff", "sysadmin"}, "POST": {"body_staff", "sysadmin"}},
    "deadlines:calendar": {"GET": {"sysadmin", "body_staff", "coordinator"}},
    "deadlines:calendar_year": {"GET": {"sysadmin", "body_staff", "coordinator"}, "POST": {"sysadmin"}},
}
