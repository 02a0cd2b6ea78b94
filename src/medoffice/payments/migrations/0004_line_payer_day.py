"""The ledger's third summary (LinePayerDay: how payers answered each line, per day), its
insert trigger, and its first rebuild from the ledger already posted
(payments/summaries.py)."""

from django.db import migrations, models

from medoffice.payments import summaries, triggers

KEPT = summaries.LINE_PAYER_DAY
TRIGGER = {
    "sqlite": summaries.sqlite_trigger(KEPT),
    "postgresql": summaries.postgres_trigger(KEPT),
}
TRIGGER_REVERSE = {
    "sqlite": summaries.sqlite_trigger_reverse(KEPT),
    "postgresql": summaries.postgres_trigger_reverse(KEPT),
}


def fill(apps, schema_editor):
    summaries.rebuild(using=schema_editor.connection, only=(KEPT,))


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0003_ledger_summaries'),
    ]

    operations = [
        migrations.CreateModel(
            name='LinePayerDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('practice_id', models.BigIntegerField()),
                ('effective_on', models.DateField()),
                ('charge_id', models.BigIntegerField()),
                ('payer_id', models.BigIntegerField()),
                ('location_id', models.BigIntegerField()),
                ('provider_id', models.BigIntegerField()),
                ('code', models.CharField(max_length=5)),
                ('adjudications', models.BigIntegerField()),
                ('denials', models.BigIntegerField()),
                ('paid_cents', models.BigIntegerField()),
                ('paid_entries', models.BigIntegerField()),
            ],
            options={
                'ordering': ['practice_id', 'effective_on'],
                'constraints': [models.UniqueConstraint(fields=('practice_id', 'effective_on', 'charge_id', 'payer_id', 'location_id', 'provider_id', 'code'), name='line_payer_day_key')],
            },
        ),
        migrations.RunPython(triggers.run(TRIGGER), triggers.run(TRIGGER_REVERSE)),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
