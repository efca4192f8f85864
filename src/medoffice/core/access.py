"""Authorization for views and services, on top of the matrix in `permissions`.

Every view declares its rule with one of the decorators below; the rule is kept on the
view function (`access_rule`) so the access tests can walk every URL against the matrix.
A refusal is audited and raises PermissionDenied, which renders the 403 page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied

from medoffice.core.permissions import (
    Capability,
    Need,
    RoleCode,
    roles_allow,
    roles_may_break_glass,
    roles_own_only,
)

V = TypeVar("V", bound=Callable[..., Any])


@dataclass(frozen=True)
class AccessRule:
    """What a view requires. kind: public, authenticated, capability or role."""

    kind: str
    capability: Capability | None = None
    need: Need = Need.VIEW
    roles: frozenset[str] = frozenset()
    patient_kwarg: str | None = None

    def allows_roles(self, roles: Iterable[str]) -> bool:
        roles = set(roles)
        if self.kind in {"public", "authenticated"}:
            return True
        if self.kind == "role":
            return bool(roles & self.roles)
        assert self.capability is not None
        return roles_allow(roles, self.capability, self.need)


class AccessDenied(PermissionDenied):
    """A refusal that may offer emergency access ("break the glass") to the user."""

    def __init__(
        self,
        message: str,
        *,
        capability: Capability | None = None,
        patient_id: int | None = None,
        may_break_glass: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.capability = capability
        self.patient_id = patient_id
        self.may_break_glass = may_break_glass


def effective_roles(user: Any) -> frozenset[str]:
    """The user's roles, narrowed to an API token's scope when the request came with one."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    return frozenset(user.effective_role_codes())


def can(user: Any, capability: Capability, need: Need = Need.VIEW) -> bool:
    return roles_allow(effective_roles(user), capability, need)


def own_only(user: Any, capability: Capability, need: Need = Need.VIEW) -> bool:
    """True when the user may act on this capability only for their own records."""
    return roles_own_only(effective_roles(user), capability, need)


def deny(
    user: Any,
    message: str,
    *,
    capability: Capability | None = None,
    object_type: str = "",
    object_id: str = "",
    patient_id: int | None = None,
    may_break_glass: bool = False,
) -> AccessDenied:
    """Audit a refusal and return the exception to raise."""
    from medoffice.audit.services import audit_record

    audit_record(
        action="permission_denied",
        outcome="denied",
        actor=user if getattr(user, "is_authenticated", False) else None,
        object_type=object_type,
        object_id=object_id,
        patient_id=patient_id,
        details={"capability": str(capability) if capability else "", "message": message},
    )
    return AccessDenied(
        message, capability=capability, patient_id=patient_id, may_break_glass=may_break_glass
    )


def require_capability(user: Any, capability: Capability, need: Need = Need.VIEW) -> None:
    """Service-level check: raise (and audit) unless the user's roles allow this."""
    if not can(user, capability, need):
        raise deny(
            user, f"Your role does not allow this ({need} {capability}).", capability=capability
        )


def patient_access(user: Any, capability: Capability, need: Need, patient_id: int) -> str:
    """Check access to one patient's data; returns "role" or "emergency", or raises.

    Roles whose cell is BG get through only with an active emergency-access grant for this
    patient (see audit.services.emergency_access_grant), and only to read: an administrator or
    compliance officer who opens a record in an emergency does not write to it.
    """
    roles = effective_roles(user)
    if roles_allow(roles, capability, need):
        return "role"
    if roles_may_break_glass(roles, capability) and need is Need.VIEW:
        from medoffice.audit.selectors import emergency_access_active

        if emergency_access_active(user=user, patient_id=patient_id):
            return "emergency"
        raise deny(
            user,
            "You don't have routine access to this patient's record.",
            capability=capability,
            object_type="patient",
            object_id=str(patient_id),
            patient_id=patient_id,
            may_break_glass=True,
        )
    raise deny(
        user,
        "Your role does not give access to this information.",
        capability=capability,
        object_type="patient",
        object_id=str(patient_id),
        patient_id=patient_id,
    )


def _mark(view: V, rule: AccessRule) -> V:
    view.access_rule = rule  # type: ignore[attr-defined]
    return view


def public(view: V) -> V:
    """No login needed (login page, signed links). Still goes through CSRF and audit."""
    return _mark(login_not_required(view), AccessRule("public"))


def authenticated(view: V) -> V:
    """Any signed-in person: home, profile, their own jobs."""
    return _mark(view, AccessRule("authenticated"))


def requires(capability: Capability, need: Need = Need.VIEW) -> Callable[[V], V]:
    """Require a capability from the matrix for the whole view."""

    def decorator(view: V) -> V:
        @functools.wraps(view)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            if not can(request.user, capability, need):
                raise deny(
                    request.user,
                    "Your role does not give access to this page.",
                    capability=capability,
                )
            return view(request, *args, **kwargs)

        return _mark(cast(V, wrapped), AccessRule("capability", capability, need))

    return decorator


def requires_patient(
    capability: Capability, need: Need = Need.VIEW, *, patient_kwarg: str = "patient_id"
) -> Callable[[V], V]:
    """Require access to the patient named by a URL argument; allows break-the-glass."""

    def decorator(view: V) -> V:
        @functools.wraps(view)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            request.access_basis = patient_access(
                request.user, capability, need, int(kwargs[patient_kwarg])
            )
            return view(request, *args, **kwargs)

        rule = AccessRule("capability", capability, need, patient_kwarg=patient_kwarg)
        return _mark(cast(V, wrapped), rule)

    return decorator


def requires_role(*roles: RoleCode) -> Callable[[V], V]:
    """For the few pages tied to a role rather than a capability (e.g. Django admin)."""
    allowed = frozenset(str(r) for r in roles)

    def decorator(view: V) -> V:
        @functools.wraps(view)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            if not (effective_roles(request.user) & allowed):
                raise deny(request.user, "This page is for another role.")
            return view(request, *args, **kwargs)

        return _mark(cast(V, wrapped), AccessRule("role", roles=allowed))

    return decorator


def api_rule(rule: AccessRule) -> Callable[[V], V]:
    """Declare and enforce the access rule of a JSON API operation (django-ninja).

    Authentication itself is the API's job (token or session); this checks the matrix.
    API modules must not use `from __future__ import annotations`: django-ninja reads the
    wrapped signature's annotations, and strings would be resolved in this module.
    """

    def decorator(view: V) -> V:
        @functools.wraps(view)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            if not rule.allows_roles(effective_roles(request.user)):
                raise deny(
                    request.user,
                    "Your role does not allow this API call.",
                    capability=rule.capability,
                )
            return view(request, *args, **kwargs)

        return _mark(cast(V, wrapped), rule)

    return decorator
