from django.db import migrations, models

from civiclab.search.index import create_index, drop_index


class Migration(migrations.Migration):
    initial = True

    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("challenge", "challenge"),
                            ("idea", "idea"),
                            ("solution", "solution"),
                            ("dataset", "dataset"),
                            ("indicator", "indicator"),
                            ("person", "person"),
                        ],
                        max_length=16,
                    ),
                ),
                ("object_id", models.BigIntegerField()),
            ],
            options={
                "indexes": [models.Index(fields=["object_id", "kind"], name="search_entry_object")],
                "constraints": [
                    models.UniqueConstraint(fields=("kind", "object_id"), name="search_entry_unique")
                ],
            },
        ),
        migrations.RunPython(create_index, drop_index),
    ]
