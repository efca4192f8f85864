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

__all__ = [
    "ADJUDICATED",
    "TELEHEALTH_POS",
    "TRANSITIONS",
    "AdjustmentGroup",
    "AmountSource",
    "ChargeLine",
    "ChargeStatus",
    "Claim",
    "ClaimLine",
    "ClaimLineAdjudication",
    "ClaimStatus",
    "ClaimStatusChange",
    "FrequencyCode",
    "Responsibility",
]
