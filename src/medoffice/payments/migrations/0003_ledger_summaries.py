"""The ledger's summaries (LedgerDay, LineBalance), their insert trigger, and their first
rebuild from the ledger already posted (payments/summaries.py). The trigger's SQL is kept
here as it was migrated: a change needs a new migration."""

from django.db import migrations, models

from medoffice.payments import summaries, triggers

TRIGGER = {"sqlite": summaries.SQLITE, "postgresql": summaries.POSTGRES}
TRIGGER_REVERSE = {"sqlite": summaries.SQLITE_REVERSE, "postgresql": summaries.POSTGRES_REVERSE}


def fill(apps, schema_editor):
    summaries.rebuild(
        using=schema_editor.connection, only=(summaries.LEDGER_DAY, summaries.LINE_BALANCE)
    )


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0002_ledger_fewer_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='LedgerDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('practice_id', models.BigIntegerField()),
                ('effective_on', models.DateField()),
                ('location_id', models.BigIntegerField()),
                ('provider_id', models.BigIntegerField()),
                ('kind', models.CharField(choices=[('charge', 'Charge'), ('ins_payment', 'Insurance payment'), ('pat_payment', 'Patient payment'), ('contractual', 'Contractual adjustment'), ('adjustment', 'Other adjustment'), ('transfer', 'Transfer of responsibility'), ('denial', 'Denial (no payment, balance kept)'), ('refund', 'Refund'), ('write_off', 'Write-off'), ('provider', 'Provider-level adjustment (PLB)'), ('reversal', 'Reversal')], max_length=12)),
                ('on_line', models.BooleanField()),
                ('amount_cents', models.BigIntegerField()),
                ('entries', models.BigIntegerField()),
            ],
            options={
                'ordering': ['practice_id', 'effective_on'],
                'constraints': [models.UniqueConstraint(fields=('practice_id', 'effective_on', 'location_id', 'provider_id', 'kind', 'on_line'), name='ledger_day_key')],
            },
        ),
        migrations.CreateModel(
            name='LineBalance',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('practice_id', models.BigIntegerField()),
                ('patient_id', models.BigIntegerField()),
                ('party', models.CharField(choices=[('insurance', 'Insurance'), ('patient', 'Patient'), ('practice', 'Practice (provider level)')], max_length=10)),
                ('payer_id', models.BigIntegerField()),
                ('location_id', models.BigIntegerField()),
                ('provider_id', models.BigIntegerField()),
                ('date_of_service', models.DateField()),
                ('amount_cents', models.BigIntegerField()),
                ('entries', models.BigIntegerField()),
            ],
            options={
                'ordering': ['practice_id', 'date_of_service'],
                'constraints': [models.UniqueConstraint(fields=('practice_id', 'patient_id', 'party', 'payer_id', 'location_id', 'provider_id', 'date_of_service'), name='line_balance_key')],
            },
        ),
        migrations.RunPython(triggers.run(TRIGGER), triggers.run(TRIGGER_REVERSE)),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
