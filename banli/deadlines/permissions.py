"""Route permissions of the deadlines app (see banli/web/permissions.py for the format)."""
ROUTES = {
    "deadlines:inbox": {"GET": {"authenticated"}},
    "deadlines:inbox_open": {"GET": {"authenticated"}},
    "deadlines:inbox_read_all": {"POST": {"authenticated"}},
    "deadlines:inbox_preferences": {"POST": {"authenticated"}},
}
