"""Full-text search over character bigrams (SearchDoc.grams) instead of segmented words.

Search-mode segmentation depends on the characters around a word (联系人：产业金融处张三 is cut
产业 金融 处张 三), so a word in the text could be missed. The index now holds every run of
Chinese characters as overlapping bigrams and the query is matched as phrases of bigrams: a word
is found wherever it is written. Replaces the FTS5 table (SQLite) and the tsvector column
(PostgreSQL) of migration 0002, and fills `grams` for the existing documents.
"""

from django.db import migrations, models

SQLITE_UP = [
    "DROP TRIGGER IF EXISTS textintel_searchdoc_au",
    "DROP TRIGGER IF EXISTS textintel_searchdoc_ad",
    "DROP TRIGGER IF EXISTS textintel_searchdoc_ai",
    "DROP TABLE IF EXISTS textintel_searchdoc_fts",
    "CREATE VIRTUAL TABLE textintel_searchdoc_fts USING fts5(grams, content='textintel_searchdoc', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER textintel_searchdoc_ai AFTER INSERT ON textintel_searchdoc BEGIN "
    "INSERT INTO textintel_searchdoc_fts(rowid, grams) VALUES (new.id, new.grams); END",
    "CREATE TRIGGER textintel_searchdoc_ad AFTER DELETE ON textintel_searchdoc BEGIN "
    "INSERT INTO textintel_searchdoc_fts(textintel_searchdoc_fts, rowid, grams) "
    "VALUES ('delete', old.id, old.grams); END",
    "CREATE TRIGGER textintel_searchdoc_au AFTER UPDATE OF grams ON textintel_searchdoc BEGIN "
    "INSERT INTO textintel_searchdoc_fts(textintel_searchdoc_fts, rowid, grams) "
    "VALUES ('delete', old.id, old.grams); "
    "INSERT INTO textintel_searchdoc_fts(rowid, grams) VALUES (new.id, new.grams); END",
    "INSERT INTO textintel_searchdoc_fts(textintel_searchdoc_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS textintel_searchdoc_au",
    "DROP TRIGGER IF EXISTS textintel_searchdoc_ad",
    "DROP TRIGGER IF EXISTS textintel_searchdoc_ai",
    "DROP TABLE IF EXISTS textintel_searchdoc_fts",
    "CREATE VIRTUAL TABLE textintel_searchdoc_fts USING fts5(tokens, content='textintel_searchdoc', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER textintel_searchdoc_ai AFTER INSERT ON textintel_searchdoc BEGIN "
    "INSERT INTO textintel_searchdoc_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "CREATE TRIGGER textintel_searchdoc_ad AFTER DELETE ON textintel_searchdoc BEGIN "
    "INSERT INTO textintel_searchdoc_fts(textintel_searchdoc_fts, rowid, tokens) "
    "VALUES ('delete', old.id, old.tokens); END",
    "CREATE TRIGGER textintel_searchdoc_au AFTER UPDATE OF tokens ON textintel_searchdoc BEGIN "
    "INSERT INTO textintel_searchdoc_fts(textintel_searchdoc_fts, rowid, tokens) "
    "VALUES ('delete', old.id, old.tokens); "
    "INSERT INTO textintel_searchdoc_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "INSERT INTO textintel_searchdoc_fts(textintel_searchdoc_fts) VALUES ('rebuild')",
]
PG_UP = [
    "DROP INDEX IF EXISTS textintel_searchdoc_tsv",
    "ALTER TABLE textintel_searchdoc DROP COLUMN IF EXISTS tsv",
    "ALTER TABLE textintel_searchdoc ADD COLUMN tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, grams)) STORED",
    "CREATE INDEX textintel_searchdoc_tsv ON textintel_searchdoc USING GIN (tsv)",
]
PG_DOWN = [
    "DROP INDEX IF EXISTS textintel_searchdoc_tsv",
    "ALTER TABLE textintel_searchdoc DROP COLUMN IF EXISTS tsv",
    "ALTER TABLE textintel_searchdoc ADD COLUMN tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, tokens)) STORED",
    "CREATE INDEX textintel_searchdoc_tsv ON textintel_searchdoc USING GIN (tsv)",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


def fill_grams(apps, schema_editor):
    from banli.textintel.text import search_grams

    SearchDoc = apps.get_model("textintel", "SearchDoc")
    batch = []
    for doc in SearchDoc.objects.only("id", "kind", "title", "body").iterator(chunk_size=2000):
        text = f"{doc.title}\n{doc.body}" if doc.kind == "proposal" else doc.body
        doc.grams = search_grams(text)
        batch.append(doc)
        if len(batch) >= 2000:
            SearchDoc.objects.bulk_update(batch, ["grams"])
            batch = []
    SearchDoc.objects.bulk_update(batch, ["grams"])


class Migration(migrations.Migration):
    dependencies = [("textintel", "0003_related_terms")]

    operations = [
        migrations.AddField(model_name="searchdoc", name="grams", field=models.TextField(blank=True, default="")),
        migrations.RunPython(fill_grams, migrations.RunPython.noop),
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": PG_UP}), _run({"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN})
        ),
    ]
