from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("funding", "0001_initial")]

    operations = [
        migrations.RemoveIndex(model_name="opportunity", name="opportunity_search_filters"),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(
                fields=[
                    "close_date",
                    "doc_type",
                    "network",
                    "applicant_mask",
                    "activity_mask",
                    "instrument_mask",
                    "agency_code",
                    "funder_type",
                    "award_ceiling",
                    "cost_sharing",
                    "country",
                ],
                name="opportunity_search_filters",
            ),
        ),
    ]
