# The constraints of the new shape, after 0003 updated the rows (see 0002).

from django.db import migrations, models

KINDS = [
    'overdue', 'dwell', 'congestion', 'silence', 'inconsistent', 'notice',
    'trust_change', 'aeo_expiring', 'aeo_expired', 'mra_started', 'mra_ended',
]
SUBJECTS = ['consignment', 'node', 'corridor', 'voyage', 'certificate', 'mra']


class Migration(migrations.Migration):

    dependencies = [
        ('disruptions', '0003_alert_subjects_data'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='alert',
            constraint=models.UniqueConstraint(
                condition=models.Q(('state', 'resolved'), _negated=True),
                fields=('partner', 'kind', 'dedupe_key'),
                name='alert_open_unique',
            ),
        ),
        migrations.AddConstraint(
            model_name='alert',
            constraint=models.CheckConstraint(
                condition=models.Q(('kind__in', KINDS)), name='alert_kind_valid'
            ),
        ),
        migrations.AddConstraint(
            model_name='alert',
            constraint=models.CheckConstraint(
                condition=models.Q(('subject_type__in', SUBJECTS)), name='alert_subject_valid'
            ),
        ),
        migrations.AddConstraint(
            model_name='alert',
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(('resolved_at__isnull', False), ('state', 'resolved')),
                    models.Q(models.Q(('state', 'resolved'), _negated=True), ('resolved_at__isnull', True)),
                    _connector='OR',
                ),
                name='alert_resolved_when',
            ),
        ),
        migrations.AddIndex(
            model_name='alert',
            index=models.Index(fields=['kind', 'subject_id'], name='alert_kind_subject'),
        ),
    ]
