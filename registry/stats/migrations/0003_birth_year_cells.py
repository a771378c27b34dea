"""Birth-month cells become birth-year cells (ADR 0013): the sums of each year's months."""

from django.db import migrations
from django.db.models import Sum
from django.db.models.functions import Substr


def months_to_years(apps, schema_editor):
    Cell = apps.get_model("stats", "Cell")
    years = (
        Cell.objects.filter(dim="bm")
        .annotate(year=Substr("value", 1, 4))
        .values("agency_id", "status", "year")
        .annotate(total=Sum("n"))
    )
    Cell.objects.bulk_create(
        (
            Cell(agency_id=r["agency_id"], dim="by", value=r["year"], status=r["status"], n=r["total"])
            for r in years
        ),
        batch_size=2000,
    )
    Cell.objects.filter(dim="bm").delete()


def years_to_months(apps, schema_editor):
    # Years cannot be split back into months: the older code's `registry stats rebuild` remakes them
    # (and `registry stats verify` reports the missing month cells until it has run).
    apps.get_model("stats", "Cell").objects.filter(dim="by").delete()


class Migration(migrations.Migration):
    dependencies = [("stats", "0002_derived_rows_without_fk_constraints")]

    operations = [migrations.RunPython(months_to_years, years_to_months)]
