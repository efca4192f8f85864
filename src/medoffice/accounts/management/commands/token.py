"""medoffice token create|list|revoke: personal API tokens from the command line."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from medoffice.accounts import services
from medoffice.accounts.models import ApiToken, User
from medoffice.core import context


class Command(BaseCommand):
    help = "Create, list or revoke personal API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Print a new token for USERNAME")
        create.add_argument("username")
        create.add_argument("--name", default="Command-line token")
        create.add_argument(
            "--role", action="append", default=[], help="Limit the token to this role (repeatable)"
        )
        create.add_argument("--expires-days", type=int, default=None)
        listing = sub.add_parser("list", help="List a user's tokens")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="Revoke a token by the characters it starts with")
        revoke.add_argument("prefix")

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}")
        return user

    def handle(self, *args: Any, **opts: Any) -> None:
        action = opts["action"]
        if action == "create":
            user = self._user(opts["username"])
            with context.acting_as(user, source="cli"):
                try:
                    token, raw = services.api_token_create(
                        actor=user,
                        user=user,
                        name=opts["name"],
                        scope=opts["role"],
                        expires_in_days=opts["expires_days"],
                    )
                except ValidationError as exc:
                    raise CommandError(" ".join(exc.messages)) from None
            self.stdout.write(raw)
            scope = ", ".join(token.scope) or "all of the user's roles"
            self.stderr.write(
                f"Token {token.prefix}… for {user.username} ({scope}). It is shown only once."
            )
        elif action == "list":
            for t in ApiToken.objects.filter(user=self._user(opts["username"])):
                state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
                if t.expires_at and t.expires_at <= timezone.now():
                    state = "expired"
                self.stdout.write(
                    f"{t.prefix}…  {t.name}  {state}  scope={','.join(t.scope) or 'all'}"
                )
        else:
            matches = list(
                ApiToken.objects.filter(
                    prefix__startswith=opts["prefix"][:10], revoked_at__isnull=True
                )
            )
            if len(matches) != 1:
                raise CommandError(
                    f"{len(matches)} active tokens start with {opts['prefix']!r}; give more characters."
                )
            token = matches[0]
            with context.acting_as(token.user, source="cli"):
                services.api_token_revoke(actor=token.user, token=token)
            self.stdout.write(f"Revoked {token.prefix}… ({token.name})")
