from django.http import HttpRequest
from ninja import Router, Schema

from medoffice.core.access import AccessRule, api_rule, effective_roles

router = Router(tags=["accounts"])


class MeOut(Schema):
    username: str
    full_name: str
    roles: list[str]
    two_factor_verified: bool


@router.get(
    "/me", response=MeOut, summary="Who the token or session belongs to, with its effective roles"
)
@api_rule(AccessRule("authenticated"))
def me(request: HttpRequest) -> dict[str, object]:
    user = request.user
    return {
        "username": user.get_username(),
        "full_name": user.get_full_name(),  # type: ignore[union-attr]
        "roles": sorted(effective_roles(user)),
        "two_factor_verified": bool(getattr(user, "is_verified", lambda: False)()),
    }
