"""Rebuild the public search form with the normalised text (selectors.search_form): a word is found
by substring wherever it is written, not only where segmentation put its boundaries (issue #18)."""

from django.db import migrations


def rebuild(apps, schema_editor):
    from banli.portal.selectors import search_form

    PublicSearch = apps.get_model("portal", "PublicSearch")
    rows = []
    for row in PublicSearch.objects.select_related("publication__reply__assignment__proposal").iterator(
        chunk_size=1000
    ):
        pub = row.publication
        row.tokens = search_form(pub.reply.assignment.proposal.title, pub.redacted_text)
        rows.append(row)
        if len(rows) >= 1000:
            PublicSearch.objects.bulk_update(rows, ["tokens"])
            rows = []
    PublicSearch.objects.bulk_update(rows, ["tokens"])


class Migration(migrations.Migration):
    dependencies = [("portal", "0002_publicsearch"), ("textintel", "0004_search_grams")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
