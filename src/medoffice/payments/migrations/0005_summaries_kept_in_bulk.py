"""The ledger's summaries kept in bulk (payments/summaries.py): the three row triggers of
0003 and 0004 become one trigger; on PostgreSQL FOR EACH STATEMENT over the statement's
new entries (a COPY of an ERA's entries: three grouped upserts), on SQLite FOR EACH ROW
unless the transaction deferred it (`summaries.deferred()`: one grouped upsert per summary
at its end). What the summaries hold is unchanged, so nothing is rebuilt. The SQL is kept
here as it was migrated: a change needs a new migration."""

from django.db import migrations, models

from medoffice.payments import summaries, triggers

OLD = (summaries.LEDGER_DAY, summaries.LINE_BALANCE, summaries.LINE_PAYER_DAY)
FORWARD = {
    "sqlite": summaries.sqlite_trigger_reverse(*OLD) + summaries.KEEP_SQLITE,
    "postgresql": summaries.postgres_trigger_reverse(*OLD) + summaries.KEEP_POSTGRES,
}
BACKWARD = {
    "sqlite": summaries.KEEP_SQLITE_REVERSE + summaries.sqlite_trigger(*OLD),
    "postgresql": summaries.KEEP_POSTGRES_REVERSE + summaries.postgres_trigger(*OLD),
}


class Migration(migrations.Migration):

    dependencies = [
        ("payments", "0004_line_payer_day"),
    ]

    operations = [
        migrations.CreateModel(
            name="SummaryDeferral",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("after_id", models.BigIntegerField(help_text="The ledger's last id when it was set")),
            ],
        ),
        migrations.RunPython(triggers.run(FORWARD), triggers.run(BACKWARD)),
    ]
