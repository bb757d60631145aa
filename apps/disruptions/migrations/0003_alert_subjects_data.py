# Existing alerts in the new shape: `trust_changed` becomes `trust_change`; each alert names its subject.

from django.db import migrations

KINDS_BEFORE = ['trust_changed', 'aeo_expiring', 'aeo_expired', 'mra_started', 'mra_ended']


def name_subjects(apps, schema_editor):
    """Existing alerts: trust changes are about a consignment, AEO alerts about a certificate, MRA alerts an MRA."""
    Alert = apps.get_model('disruptions', 'Alert')
    Alert.objects.filter(kind='trust_changed').update(kind='trust_change')
    for alert in Alert.objects.all().iterator():
        if alert.consignment_id is not None:
            alert.subject_type, alert.subject_id = 'consignment', str(alert.consignment_id)
        elif alert.kind.startswith('aeo_'):
            alert.subject_type, alert.subject_id = 'certificate', str(alert.evidence.get('certificate', ''))
        elif alert.kind.startswith('mra_'):
            alert.subject_type, alert.subject_id = 'mra', str(alert.evidence.get('mra', ''))
        alert.first_seen_at = alert.last_seen_at = alert.created_at
        alert.save(update_fields=['subject_type', 'subject_id', 'first_seen_at', 'last_seen_at'])


def unname_subjects(apps, schema_editor):
    """Back to the old kinds: alerts of kinds that did not exist then go."""
    Alert = apps.get_model('disruptions', 'Alert')
    Alert.objects.filter(kind='trust_change').update(kind='trust_changed')
    Alert.objects.exclude(kind__in=KINDS_BEFORE).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('disruptions', '0002_alert_subjects'),
    ]

    operations = [
        migrations.RunPython(name_subjects, unname_subjects),
    ]
