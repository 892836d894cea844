"""Route permissions of the text intelligence app (see banli/site/permissions.py for the format).

Object scope (which proposals, replies, contacts, sessions) is applied by textintel.selectors.
"""

from banli.orgs.roles import OVERSEERS, STAFF

STAFF_ROLES = STAFF
CLUSTER_ROLES = OVERSEERS

ROUTES = {
    "textintel:search": {"GET": STAFF_ROLES},  # proposers search published replies on the public site
    "textintel:similar_text": {"GET": {"body_staff"}},
    "textintel:similar_proposal": {"GET": STAFF_ROLES},
    "textintel:merge": {"POST": {"body_staff"}},
    "textintel:merge_suggestions": {"GET": {"body_staff"}},
    "textintel:clusters": {"GET": CLUSTER_ROLES},
    "textintel:clusters_export": {"GET": CLUSTER_ROLES},
    "textintel:recommend": {"GET": {"body_staff", "coordinator"}},
    "textintel:accuracy": {"GET": {"body_staff", "coordinator"}, "POST": {"body_staff", "coordinator"}},
    "textintel:dictionary": {"GET": {"body_staff"}, "POST": {"body_staff"}},
    "textintel:dictionary_delete": {"POST": {"body_staff"}},
    "textintel:related_decide": {"POST": {"body_staff"}},
}
