"""Seed the editable programme table from the standard's `talent_programme` code table.

The level follows the code's prefix: N… national, P… provincial."""

from django.db import migrations


def seed(apps, schema_editor):
    from registry.standard.codes import load_table

    Programme = apps.get_model("talents", "Programme")
    for position, entry in enumerate(load_table("talent_programme"), start=1):
        Programme.objects.get_or_create(
            code=entry.code,
            defaults={
                "name": entry.name,
                "level": "national" if entry.code.startswith("N") else "provincial",
                "standard_code": entry.code,
                "active": not entry.retired,
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("talents", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
