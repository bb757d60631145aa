# Alerts gain a subject, a rule, evidence, first/last seen and who acknowledged or resolved them; 0003
# names the subjects of existing alerts (and `trust_changed` becomes `trust_change`), 0004 adds the
# constraints. Three migrations, because PostgreSQL refuses to index or constrain a table whose rows were
# updated earlier in the same transaction ("pending trigger events").

import django.utils.timezone
from django.db import migrations, models

KINDS = [
    ('overdue', 'Overdue'),
    ('dwell', 'Long dwell'),
    ('congestion', 'Congestion'),
    ('silence', 'No news'),
    ('inconsistent', 'Inconsistent events'),
    ('notice', 'External notice'),
    ('trust_change', 'Trust verdict changed'),
    ('aeo_expiring', 'AEO certificate expiring'),
    ('aeo_expired', 'AEO certificate expired'),
    ('mra_started', 'MRA came into force'),
    ('mra_ended', 'MRA ended'),
]
SUBJECTS = [
    ('consignment', 'Consignment'),
    ('node', 'Node (UN/LOCODE)'),
    ('corridor', 'Corridor'),
    ('voyage', 'Voyage'),
    ('certificate', 'AEO certificate'),
    ('mra', 'MRA'),
]



class Migration(migrations.Migration):

    dependencies = [
        ('disruptions', '0001_initial'),
    ]

    operations = [
        migrations.RemoveConstraint(model_name='alert', name='alert_dedupe_unique'),
        migrations.RemoveConstraint(model_name='alert', name='alert_kind_valid'),
        migrations.RenameField(model_name='alert', old_name='details', new_name='evidence'),
        migrations.AlterField(
            model_name='alert',
            name='evidence',
            field=models.JSONField(
                default=dict,
                help_text='What a person can check: summary, events as their recorders sent them, figures',
            ),
        ),
        migrations.AlterField(
            model_name='alert',
            name='kind',
            field=models.CharField(choices=KINDS, max_length=32),
        ),
        migrations.AlterField(model_name='alert', name='dedupe_key', field=models.CharField(max_length=300)),
        migrations.AddField(
            model_name='alert',
            name='subject_type',
            field=models.CharField(choices=SUBJECTS, default='consignment', max_length=16),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='alert',
            name='subject_id',
            field=models.CharField(
                default='',
                help_text='Consignment id, UN/LOCODE, corridor slug, IMO/voyage, certificate or MRA id',
                max_length=200,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='alert',
            name='rule',
            field=models.CharField(
                blank=True, help_text='The rule that fired, for kinds that have several', max_length=40
            ),
        ),
        migrations.AddField(
            model_name='alert',
            name='corridor',
            field=models.CharField(blank=True, db_index=True, help_text="The corridor's slug, if any", max_length=80),
        ),
        migrations.AddField(
            model_name='alert',
            name='first_seen_at',
            field=models.DateTimeField(
                default=django.utils.timezone.now, help_text='When the finding was first made'
            ),
        ),
        migrations.AddField(
            model_name='alert',
            name='last_seen_at',
            field=models.DateTimeField(
                default=django.utils.timezone.now, help_text='When the finding was last confirmed'
            ),
        ),
        migrations.AddField(
            model_name='alert',
            name='acknowledged_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='alert',
            name='acknowledged_by',
            field=models.CharField(blank=True, help_text='Who (user or API token)', max_length=200, null=True),
        ),
        migrations.AddField(
            model_name='alert',
            name='resolved_by',
            field=models.CharField(
                blank=True,
                help_text='Who (user or API token); empty: resolved automatically',
                max_length=200,
                null=True,
            ),
        ),
    ]
