from medoffice.claims.models.charges import (
    TELEHEALTH_POS,
    AmountSource,
    ChargeLine,
    ChargeStatus,
)
from medoffice.claims.models.claims import (
    ADJUDICATED,
    TRANSITIONS,
    AdjustmentGroup,
    Claim,
    ClaimLine,
    ClaimLineAdjudication,
    ClaimStatus,
    ClaimStatusChange,
    FrequencyCode,
    Responsibility,
)
from medoffice.claims.models.scrubbing import ClaimFinding, FindingSeverity, PayerClaimRules

__all__ = [
    "ADJUDICATED",
    "TELEHEALTH_POS",
    "TRANSITIONS",
    "AdjustmentGroup",
    "AmountSource",
    "ChargeLine",
    "ChargeStatus",
    "Claim",
    "ClaimFinding",
    "ClaimLine",
    "ClaimLineAdjudication",
    "ClaimStatus",
    "ClaimStatusChange",
    "FindingSeverity",
    "FrequencyCode",
    "PayerClaimRules",
    "Responsibility",
]
