"""Database triggers that keep the audit log append-only below the application (SQLite and PostgreSQL).

What they refuse, whoever sends the SQL:
* UPDATE of an audit event; DELETE of an event above the purge boundary (the highest
  `security_auditpurge.up_to_seq`) — the retention purge records its boundary first, then deletes
  below it, which is the one sanctioned way rows leave the table;
* UPDATE of a purge record's boundary, anchor or counts, and DELETE of a purge record (so the
  boundary cannot be moved back after the fact; a purge record forged by INSERT is caught by
  `audit_verify`, which wants a matching `audit.purge` event in the chain);
* moving the chain head backwards or deleting it; on PostgreSQL also TRUNCATE of these tables.

`banli flush` (the whole database wiped on purpose, and what the test runner does between
transactional tests) lifts the triggers for its own statement and puts them back (`lifted`).
Someone with the database owner's rights can still drop a trigger: that is what the anchor outside
the database (`banli audit anchor`) is for.
"""

from __future__ import annotations

from contextlib import contextmanager

MESSAGE = "audit log is append-only"

SQLITE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS banli_audit_event_no_update BEFORE UPDATE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: UPDATE of audit_auditevent refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS banli_audit_event_no_delete BEFORE DELETE ON audit_auditevent
    WHEN OLD.seq > COALESCE((SELECT MAX(up_to_seq) FROM security_auditpurge), 0)
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: DELETE above the purge boundary refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS banli_audit_purge_no_update BEFORE UPDATE ON security_auditpurge
    WHEN NEW.up_to_seq IS NOT OLD.up_to_seq OR NEW.anchor_hash IS NOT OLD.anchor_hash
      OR NEW.purged_count IS NOT OLD.purged_count OR NEW.cutoff IS NOT OLD.cutoff OR NEW."at" IS NOT OLD."at"
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: UPDATE of a purge record refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS banli_audit_purge_no_delete BEFORE DELETE ON security_auditpurge
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: DELETE of a purge record refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS banli_audit_head_no_rewind BEFORE UPDATE ON audit_auditchainhead
    WHEN NEW.seq < OLD.seq OR (NEW.seq = OLD.seq AND NEW.hash IS NOT OLD.hash)
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: the chain head cannot move back'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS banli_audit_head_no_delete BEFORE DELETE ON audit_auditchainhead
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: DELETE of the chain head refused'); END""",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "banli_audit_event_no_update",
        "banli_audit_event_no_delete",
        "banli_audit_purge_no_update",
        "banli_audit_purge_no_delete",
        "banli_audit_head_no_rewind",
        "banli_audit_head_no_delete",
    )
]

# restrict_violation (23001) reaches Django as IntegrityError, like SQLite's RAISE(ABORT).
_PG_REFUSE = f"RAISE EXCEPTION '{MESSAGE}: % of % refused', TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';"


def _pg_function(name: str, allow: str) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n{allow}\n  {_PG_REFUSE}\nEND $$"
    )


# (table, guard function, what the guard lets through)
PG_GUARDS = [
    (
        "audit_auditevent",
        "banli_audit_event_guard",
        "  IF TG_OP = 'DELETE' AND OLD.seq <= COALESCE((SELECT MAX(up_to_seq) FROM security_auditpurge), 0) THEN\n"
        "    RETURN OLD;\n  END IF;",
    ),
    (
        "security_auditpurge",
        "banli_audit_purge_guard",
        "  IF TG_OP = 'UPDATE' AND NEW.up_to_seq = OLD.up_to_seq AND NEW.anchor_hash = OLD.anchor_hash\n"
        '     AND NEW.purged_count = OLD.purged_count AND NEW.cutoff = OLD.cutoff AND NEW."at" = OLD."at" THEN\n'
        "    RETURN NEW;\n  END IF;",
    ),
    (
        "audit_auditchainhead",
        "banli_audit_head_guard",
        "  IF TG_OP = 'UPDATE' AND (NEW.seq > OLD.seq OR (NEW.seq = OLD.seq AND NEW.hash = OLD.hash)) THEN\n"
        "    RETURN NEW;\n  END IF;",
    ),
]
PG_TABLES = tuple(t for t, _, _ in PG_GUARDS)
PG_CREATE = [_pg_function("banli_audit_refuse", "")] + [
    stmt
    for t, fn, allow in PG_GUARDS
    for stmt in (
        _pg_function(fn, allow),
        f"CREATE TRIGGER banli_audit_guard BEFORE UPDATE OR DELETE ON {t} FOR EACH ROW EXECUTE FUNCTION {fn}()",
        f"CREATE TRIGGER banli_audit_no_truncate BEFORE TRUNCATE ON {t} "
        "FOR EACH STATEMENT EXECUTE FUNCTION banli_audit_refuse()",
    )
]
PG_DROP = [
    stmt
    for t, fn, _ in PG_GUARDS
    for stmt in (
        f"DROP TRIGGER IF EXISTS banli_audit_guard ON {t}",
        f"DROP TRIGGER IF EXISTS banli_audit_no_truncate ON {t}",
        f"DROP FUNCTION IF EXISTS {fn}()",
    )
] + ["DROP FUNCTION IF EXISTS banli_audit_refuse()"]


def _statements(vendor: str, *, create: bool) -> list[str]:
    if vendor == "sqlite":
        return SQLITE_CREATE if create else SQLITE_DROP
    if vendor == "postgresql":
        return PG_CREATE if create else PG_DROP
    return []  # other databases: the ORM guard (AuditQuerySet) and the external anchor only


def install(connection) -> None:
    with connection.cursor() as cur:
        for sql in _statements(connection.vendor, create=False) + _statements(connection.vendor, create=True):
            cur.execute(sql)


def remove(connection) -> None:
    with connection.cursor() as cur:
        for sql in _statements(connection.vendor, create=False):
            cur.execute(sql)


def installed(connection) -> bool:
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'banli_audit_%'")
            return cur.fetchone()[0] == len(SQLITE_CREATE)
        if connection.vendor == "postgresql":
            cur.execute("SELECT COUNT(*) FROM pg_trigger WHERE tgname LIKE 'banli_audit_%' AND NOT tgisinternal")
            return cur.fetchone()[0] == 2 * len(PG_TABLES)
    return False


@contextmanager
def lifted(connection):
    """Run a deliberate wipe of every table (flush) without the triggers, then put them back."""
    present = installed(connection)
    if present:
        remove(connection)
    try:
        yield
    finally:
        if present:
            install(connection)
