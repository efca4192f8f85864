"""Background jobs of the audit app."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from medoffice.audit import chain
from medoffice.audit.models import AuditAction, EmergencyAccess
from medoffice.audit.services import audit_record
from medoffice.core.jobs import JobContext, job


@job("Tell the compliance officers about an emergency access")
def notify_emergency_access(ctx: JobContext, grant_id: int) -> str:
    from medoffice.accounts.selectors import users_with_role
    from medoffice.core.permissions import RoleCode

    grant = EmergencyAccess.objects.select_related("user").get(pk=grant_id)
    recipients = [u.email for u in users_with_role(RoleCode.COMPLIANCE) if u.email]
    if not recipients:
        return "No compliance officer has an e-mail address"
    # No PHI in e-mail: the message only points at the review page.
    send_mail(
        subject="MedOffice: an emergency access needs review",
        message=(
            f"{grant.user.get_full_name() or grant.user.username} used emergency access "
            f"on {grant.granted_at:%Y-%m-%d %H:%M} UTC.\n"
            f"Review it in MedOffice: {reverse('audit:emergency_list')}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )
    return f"Told {len(recipients)} compliance officer(s)"


@job("Verify the audit chain")
def verify_audit_chain(ctx: JobContext) -> dict[str, object]:
    result = chain.verify(progress=lambda done, total: ctx.progress(done, total))
    audit_record(
        action=AuditAction.AUDIT_VERIFY,
        outcome="success" if result.ok else "failure",
        details={"checked": result.checked, "problem": result.problem},
    )
    return {
        "ok": result.ok,
        "checked": result.checked,
        "first_bad_seq": result.first_bad_seq,
        "problem": result.problem,
        "head_hash": result.head_hash,
    }
