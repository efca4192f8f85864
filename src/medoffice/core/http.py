"""Request types for views behind sign-in (so `request.user` is our User for the type checker)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from medoffice.accounts.models import User

    class AuthedRequest(HttpRequest):
        user: User  # type: ignore[assignment]

else:
    AuthedRequest = HttpRequest
