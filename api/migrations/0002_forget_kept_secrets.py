"""Idempotency keys kept before secrets were left out still hold a token's or a webhook
endpoint's secret in their answer for up to IDEMPOTENCY_KEY_HOURS: take it out."""

from django.db import migrations


def forget_kept_secrets(apps, schema_editor):
    IdempotencyKey = apps.get_model("api", "IdempotencyKey")
    for record in IdempotencyKey.objects.filter(body__has_key="secret").iterator():
        record.body.pop("secret")
        record.save(update_fields=["body"])


class Migration(migrations.Migration):
    dependencies = [("api", "0001_initial")]

    operations = [migrations.RunPython(forget_kept_secrets, migrations.RunPython.noop)]
