"""Route permissions of the deadlines app (see banli/web/permissions.py for the format).

Object-level checks (whose case, which assigning office) are in the selectors and services.
"""

CASE_ROLES = {"body_staff", "coordinator", "unit_liaison", "unit_leader", "handler", "proposer"}
STAFF = {"body_staff", "coordinator", "unit_liaison", "unit_leader"}
SUPERVISORS = {"body_staff", "coordinator"}

ROUTES = {
    "deadlines:dashboard": {"GET": STAFF},
    "deadlines:dashboard_export": {"GET": STAFF},
    "deadlines:assignment": {"GET": CASE_ROLES - {"proposer"}},
    "deadlines:extension_request": {"POST": {"unit_liaison", "unit_leader"}},
    "deadlines:remind": {"POST": SUPERVISORS},
    "deadlines:supervise": {"POST": SUPERVISORS},
    # A district's liaison decides extensions of the sub-assignments it made.
    "deadlines:extensions": {"GET": {"body_staff", "coordinator", "unit_liaison"}},
    "deadlines:extension_decide": {"POST": {"body_staff", "coordinator", "unit_liaison"}},
    "deadlines:key_list": {"GET": CASE_ROLES - {"proposer"}},
    "deadlines:key_detail": {"GET": CASE_ROLES - {"proposer"}},
    "deadlines:key_dates": {"POST": {"body_staff"}},
    "deadlines:plans": {"GET": SUPERVISORS, "POST": SUPERVISORS},
    "deadlines:plan_detail": {"GET": SUPERVISORS},
    "deadlines:policies": {"GET": {"body_staff", "sysadmin"}, "POST": {"body_staff", "sysadmin"}},
    "deadlines:calendar": {"GET": {"sysadmin", "body_staff", "coordinator"}},
    "deadlines:calendar_year": {"GET": {"sysadmin", "body_staff", "coordinator"}, "POST": {"sysadmin"}},
}
