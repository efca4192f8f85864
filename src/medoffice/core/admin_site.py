"""Django admin, for administrators only, behind the same sign-in, roles and two-factor.

Only system models are registered here (users, roles, locations, tokens); patient data is
never reachable through the admin, in keeping with "administrators run the system, not the
clinic".
"""

from __future__ import annotations

from functools import update_wrapper
from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from medoffice.core.access import effective_roles
from medoffice.core.permissions import RoleCode


def is_administrator(request: HttpRequest) -> bool:
    user = request.user
    if not (user.is_active and user.is_authenticated):
        return False
    if RoleCode.ADMIN not in effective_roles(user):
        return False
    # Administrators always need a verified second factor here, whatever the role policy says.
    return bool(user.is_verified())  # type: ignore[union-attr,attr-defined]


class MedOfficeAdminSite(admin.AdminSite):
    site_header = "MedOffice administration"
    site_title = "MedOffice admin"
    index_title = "System settings"
    enable_nav_sidebar = False

    def has_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request)

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        inner = super().admin_view(view, cacheable)

        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            # Signed-in people without admin rights get the 403 page, not a second login form.
            if request.user.is_authenticated and not self.has_permission(request):
                from medoffice.core.access import deny

                raise deny(request.user, "The admin is for administrators with two-factor sign-in.")
            return inner(request, *args, **kwargs)

        return update_wrapper(wrapper, view)

    def logout(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:  # type: ignore[override]
        # Signing out of the admin is signing out of MedOffice, audited the same way.
        from medoffice.accounts.services import logout_user

        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        logout_user(request=request)
        return redirect("accounts:login")

    def password_change(  # type: ignore[override]
        self, request: HttpRequest, extra_context: Any = None
    ) -> HttpResponse:
        return redirect("accounts:password_change")

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # One sign-in page for everything (with lockout and two-factor).
        if request.user.is_authenticated:
            from medoffice.core.access import deny

            if self.has_permission(request):
                return redirect("admin:index")
            raise deny(request.user, "The admin is for administrators with two-factor sign-in.")
        return redirect(
            f"{reverse('accounts:login')}?{urlencode({'next': request.get_full_path()})}"
        )


admin_site = MedOfficeAdminSite(name="admin")


class AdministratorAdmin(admin.ModelAdmin):
    """Administrators may do everything on the models registered here; changes are audited."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_administrator(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_administrator(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_administrator(request)

    def _audit(self, obj: Any, what: str, message: Any = "") -> None:
        from medoffice.audit.models import AuditAction
        from medoffice.audit.services import audit_record

        audit_record(
            action=AuditAction.ADMIN_CHANGE,
            object_type=obj._meta.model_name,
            object_id=obj.pk,
            details={"change": what, "message": str(message)[:500]},
        )

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        self._audit(obj, "added", message)
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        self._audit(obj, "changed", message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        for obj in queryset:
            self._audit(obj, "deleted")
        return super().log_deletions(request, queryset)
