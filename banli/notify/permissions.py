"""Route permissions of the notify app (see banli/site/permissions.py for the format).

Every signed-in user has an inbox; the selectors only ever return the user's own notifications.
"""

ROUTES = {
    "notify:inbox": {"GET": {"authenticated"}},
    "notify:inbox_open": {"GET": {"authenticated"}},
    "notify:inbox_read_all": {"POST": {"authenticated"}},
    "notify:inbox_preferences": {"POST": {"authenticated"}},
}
