from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from medoffice.core.management.commands.demo import demo_password


class Command(BaseCommand):
    help = "Print the demo logins (one per role) and the demo password."

    def handle(self, *args: Any, **opts: Any) -> None:
        from medoffice.accounts.demo import DEMO_LOGINS
        from medoffice.accounts.models import Role, User

        present = set(
            User.objects.filter(username__in=list(DEMO_LOGINS)).values_list("username", flat=True)
        )
        if not present:
            self.stdout.write("No demo users in this database.")
            return
        password = demo_password()
        two_factor = set(Role.objects.filter(requires_2fa=True).values_list("code", flat=True))
        self.stdout.write("")
        self.stdout.write("MedOffice is starting at http://127.0.0.1:8000")
        self.stdout.write("Demo logins (one per role):")
        for username, role in DEMO_LOGINS.items():
            if username in present:
                note = "  (sets up two-factor at first sign-in)" if role.value in two_factor else ""
                self.stdout.write(f"  {username:<12} {role.label}{note}")
        self.stdout.write(
            f"Password for all of them: {password}"
            if password
            else "Password: the one in MEDOFFICE_DEMO_PASSWORD when the demo was created"
        )
        self.stdout.write("")
