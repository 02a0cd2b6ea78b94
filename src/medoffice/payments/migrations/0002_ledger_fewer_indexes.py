"""The ledger's single-column foreign-key indexes that nothing needs, dropped.

account, charge, payer and practice are looked up through the composite indexes
ledger_account, ledger_line, ledger_payer and ledger_day; the claim's copies (patient,
claim line, coverage, provider, location) and posted_by are never looked up alone. Each
index is written for every entry (an ERA claim posts about ten).

Only the indexes go (DROP INDEX): altering the fields would make SQLite rebuild the table,
and a rebuilt table loses its append-only triggers. The names are Django's own for these
columns, the same on SQLite and PostgreSQL.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FIELDS = (
    "account", "charge", "claim_line", "coverage", "location", "patient", "payer",
    "posted_by", "practice", "provider",
)  # fmt: skip


def _indexes(apps, schema_editor):
    model = apps.get_model("payments", "LedgerEntry")
    table = model._meta.db_table
    for name in FIELDS:
        field = model._meta.get_field(name)
        yield model, field, schema_editor._create_index_name(table, [field.column])


def drop(apps, schema_editor):
    for _, _, index in _indexes(apps, schema_editor):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(index)}")


def create(apps, schema_editor):
    for model, field, _ in _indexes(apps, schema_editor):
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0004_claim_work_and_appeals"),
        ("core", "0007_totp_secrets_sealed"),
        ("patients", "0003_coverage_member_id_sealed"),
        ("payments", "0001_ledger_and_era"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="account",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="None: provider level (PLB)",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="entries",
                        to="payments.account",
                    ),
                ),
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="charge",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="The service line (its original charge); none: account or provider level",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="ledger_entries",
                        to="billing.charge",
                    ),
                ),
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="claim_line",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="ledger_entries",
                        to="billing.claimline",
                    ),
                ),
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="coverage",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="patients.coverage",
                    ),
                ),
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="location",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.location",
                    ),
                ),
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="patient",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="patients.patient",
                    ),
                ),
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="payer",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="patients.payer",
                    ),
                ),
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="posted_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="practice",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.practice",
                    ),
                ),
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="provider",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.provider",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop, create)],
        ),
    ]
