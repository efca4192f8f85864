"""Who is acting, from where: the request context that audit entries pick up.

The middleware sets it for web requests; commands and jobs set it with `acting_as`.
"""

from __future__ import annotations

import contextvars
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest


@dataclass
class RequestContext:
    request_id: str
    ip: str | None = None
    user: Any = None  # the acting user, resolved lazily from the request when there is one
    request: HttpRequest | None = field(default=None, repr=False)
    source: str = "web"

    def actor(self) -> Any:
        if self.user is not None:
            return self.user
        if self.request is not None:
            user = getattr(self.request, "user", None)
            if user is not None and user.is_authenticated:
                return user
        return None


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "medoffice_request_context", default=None
)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def new_request_id(incoming: str | None = None) -> str:
    """Keep a well-formed X-Request-ID from a proxy; otherwise make one."""
    if incoming and _REQUEST_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


def current() -> RequestContext | None:
    return _current.get()


@contextmanager
def bound(ctx: RequestContext) -> Iterator[RequestContext]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


@contextmanager
def acting_as(user: Any, *, source: str = "system") -> Iterator[RequestContext]:
    """Run code (a command, a job) on behalf of a user so audit entries name them."""
    with bound(RequestContext(request_id=new_request_id(), user=user, source=source)) as ctx:
        yield ctx


def client_ip(request: HttpRequest, trusted_proxies: int) -> str | None:
    """The client address, trusting X-Forwarded-For only as far as our own proxies."""
    if trusted_proxies > 0:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= trusted_proxies:
            return forwarded[-trusted_proxies]
    return request.META.get("REMOTE_ADDR") or None
