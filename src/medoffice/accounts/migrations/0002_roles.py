from django.db import migrations

ROLES = [
    "admin",
    "manager",
    "frontdesk",
    "biller",
    "clinician",
    "nurse",
    "purchasing",
    "hr",
    "compliance",
    "patient",
]
# Roles that must use two-factor from the start; administrators can mark more in the admin.
TWO_FACTOR = {"admin", "compliance"}


def create_roles(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for code in ROLES:
        Role.objects.get_or_create(code=code, defaults={"requires_2fa": code in TWO_FACTOR})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
