"""Store webhook secrets in the Standard Webhooks form `whsec_<base64 key>`.

A secret stored before is converted to `whsec_` + base64(its UTF-8 bytes): the HMAC key itself
does not change, only how it is written. Receivers verify with the standard library given that
`whsec_` string (shown in admin/API only at creation, so operators can compute it from the secret
they already hold). Reversing strips the prefix and decodes back to the original string."""

import base64

from django.db import migrations, models

PREFIX = "whsec_"


def to_standard(apps, schema_editor):
    subscriptions = apps.get_model("notifications", "WebhookSubscription")
    for subscription in subscriptions.objects.exclude(secret__startswith=PREFIX).only("secret"):
        subscription.secret = PREFIX + base64.b64encode(subscription.secret.encode()).decode("ascii")
        subscription.save(update_fields=["secret"])


def to_legacy(apps, schema_editor):
    subscriptions = apps.get_model("notifications", "WebhookSubscription")
    for subscription in subscriptions.objects.filter(secret__startswith=PREFIX).only("secret"):
        key = base64.b64decode(subscription.secret[len(PREFIX) :])
        try:
            subscription.secret = key.decode()
        except UnicodeDecodeError:  # a random key generated after this migration: keep it standard
            continue
        subscription.save(update_fields=["secret"])


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="webhooksubscription",
            name="secret",
            field=models.CharField(
                help_text="Standard Webhooks signing secret, whsec_<base64 HMAC-SHA256 key>.", max_length=300
            ),
        ),
        migrations.RunPython(to_standard, to_legacy),
    ]
