"""Background work of claim submission: fetch the clearinghouse's answers and import them."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from medoffice.core.jobs import JobContext, job

logger = logging.getLogger(__name__)


def _acting_user(ctx: JobContext) -> Any:
    """Who the status changes name: whoever asked for the run, or for scheduled runs the
    billing user MEDOFFICE_CLEARINGHOUSE_USER names."""
    if ctx.actor is not None:
        return ctx.actor
    from medoffice.accounts.models import User

    user = User.objects.filter(username=settings.CLEARINGHOUSE_USER, is_active=True).first()
    if user is None:
        raise RuntimeError("Set MEDOFFICE_CLEARINGHOUSE_USER to the billing user polls act as.")
    return user


def clearinghouse_poll(*, actor: Any, transport: Any = None) -> str:
    """Receive every waiting file, import it, and clear it from the inbox once imported (or
    known already); a file that cannot be read stays there and is named in the outcome."""
    from medoffice.submission.acks import acks_import
    from medoffice.submission.transport import get_transport

    transport = transport or get_transport()
    imported = duplicates = 0
    problems = []
    for name, content in transport.receive():
        try:
            result = acks_import(name=name, content=content, actor=actor)
        except ValidationError as exc:
            problems.append(f"{name}: {'; '.join(exc.messages)}")
            continue
        transport.done(name)
        if result.duplicate:
            duplicates += 1
        else:
            imported += 1
    message = f"{imported} imported, {duplicates} already known"
    if problems:
        message += f", {len(problems)} not readable: " + " | ".join(problems)
    return message


@job("Poll the clearinghouse for 999/277CA files")
def poll_clearinghouse(ctx: JobContext) -> str:
    return clearinghouse_poll(actor=_acting_user(ctx))
