import json

from django.db import migrations, models


def fill_document_ids(apps, schema_editor):
    """Credentials already issued through the VC API get the id written in them (others keep '')."""
    Credential = apps.get_model("credentials", "Credential")
    for credential in Credential.objects.filter(kind="issued").only("pk", "document").iterator():
        written = json.loads(bytes(credential.document)).get("id")
        if isinstance(written, str) and len(written) <= 1000:
            Credential.objects.filter(pk=credential.pk).update(document_id=written)


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="credential",
            name="document_id",
            field=models.CharField(
                blank=True,
                db_index=True,
                help_text="The credential's id as written in it (VC API issues; the caller may choose it)",
                max_length=1000,
            ),
        ),
        migrations.RunPython(fill_document_ids, migrations.RunPython.noop),
    ]
