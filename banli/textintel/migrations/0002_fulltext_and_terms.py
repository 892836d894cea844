"""Full-text index over SearchDoc.tokens, per database vendor, and the built-in local terms.

SQLite: an external-content FTS5 table kept in step by triggers (the tokens are pre-segmented
and space-separated, so the unicode61 tokenizer sees one Chinese word per token).
PostgreSQL: a generated tsvector column ('simple' configuration, no stemming) with a GIN index.
"""

from django.db import migrations

SQLITE_UP = [
    "CREATE VIRTUAL TABLE textintel_searchdoc_fts USING fts5(tokens, content='textintel_searchdoc', content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER textintel_searchdoc_ai AFTER INSERT ON textintel_searchdoc BEGIN "
    "INSERT INTO textintel_searchdoc_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "CREATE TRIGGER textintel_searchdoc_ad AFTER DELETE ON textintel_searchdoc BEGIN "
    "INSERT INTO textintel_searchdoc_fts(textintel_searchdoc_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); END",
    "CREATE TRIGGER textintel_searchdoc_au AFTER UPDATE OF tokens ON textintel_searchdoc BEGIN "
    "INSERT INTO textintel_searchdoc_fts(textintel_searchdoc_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); "
    "INSERT INTO textintel_searchdoc_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS textintel_searchdoc_au",
    "DROP TRIGGER IF EXISTS textintel_searchdoc_ad",
    "DROP TRIGGER IF EXISTS textintel_searchdoc_ai",
    "DROP TABLE IF EXISTS textintel_searchdoc_fts",
]
PG_UP = [
    "ALTER TABLE textintel_searchdoc ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, tokens)) STORED",
    "CREATE INDEX textintel_searchdoc_tsv ON textintel_searchdoc USING GIN (tsv)",
]
PG_DOWN = [
    "DROP INDEX IF EXISTS textintel_searchdoc_tsv",
    "ALTER TABLE textintel_searchdoc DROP COLUMN IF EXISTS tsv",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


def seed_terms(apps, schema_editor):
    from banli.textintel.text import BUILTIN_TERMS

    DictTerm = apps.get_model("textintel", "DictTerm")
    DictTerm.objects.bulk_create([DictTerm(word=w, note="内置") for w in BUILTIN_TERMS], ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("textintel", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": PG_UP}), _run({"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN})
        ),
        migrations.RunPython(seed_terms, migrations.RunPython.noop),
    ]
