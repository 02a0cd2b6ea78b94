"""The set-up token's row, so an office whose set-up never changes again is cached too."""

import secrets

from django.db import migrations


def create_row(apps, schema_editor):
    apps.get_model("scheduling", "SetupVersion").objects.get_or_create(
        id=1, defaults={"token": secrets.token_hex(16)}
    )


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0007_setup_version")]

    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]
