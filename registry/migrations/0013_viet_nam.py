"""The ILO writes the United Nations' short name, "Viet Nam"; the boundaries' Natural Earth name is "Vietnam"."""

from django.db import migrations


def rename(apps, schema_editor, old, new):
    countries = apps.get_model("registry", "Country").objects.filter(iso3="VNM")
    countries.filter(name=old).update(name=new)
    countries.filter(formal_name=f"Socialist Republic of {old}").update(formal_name=f"Socialist Republic of {new}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0012_registry_number_and_area_indexes")]

    operations = [
        migrations.RunPython(
            lambda apps, editor: rename(apps, editor, "Vietnam", "Viet Nam"),
            lambda apps, editor: rename(apps, editor, "Viet Nam", "Vietnam"),
        )
    ]
