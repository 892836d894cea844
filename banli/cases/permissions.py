"""Route permissions of the cases app (see banli/site/permissions.py for the format).

Object scope (which proposal, which assignment) is applied by the selectors and services on top.
"""

from banli.orgs.roles import ASSIGNERS, CASE_READERS

CASE_ROLES = CASE_READERS
# Who may 交办: body staff, the coordinating office within its subtree, a district's liaison one level down.
ASSIGNING_ROLES = ASSIGNERS

ROUTES = {
    "cases:list": {"GET": CASE_ROLES},
    "cases:detail": {"GET": CASE_ROLES},
    "cases:register": {"GET": {"body_staff"}, "POST": {"body_staff"}},
    "cases:edit": {"GET": {"body_staff"}, "POST": {"body_staff"}},
    "cases:review": {"POST": {"body_staff"}},
    "cases:set_key": {"POST": {"body_staff"}},
    "cases:assign": {"POST": ASSIGNING_ROLES},
    "cases:withdraw": {"POST": ASSIGNING_ROLES},
    "cases:attachment_add": {"POST": {"body_staff"}},
    "cases:attachment": {"GET": CASE_ROLES},
    # The unit picker of 交办, 申请调整 and its decision (names of units are not confidential).
    "cases:unit_search": {"GET": ASSIGNING_ROLES},
}
