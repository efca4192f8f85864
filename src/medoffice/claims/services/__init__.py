"""Every write of charges and claims (see the modules for the rules)."""

from medoffice.claims.services.adjudication import (
    AdjudicationInput,
    claim_line_adjudication_record,
    claim_line_adjudications_record,
)
from medoffice.claims.services.charges import (
    ChargeInput,
    charge_update,
    charge_void,
    charges_capture,
)
from medoffice.claims.services.claims import (
    BuildResult,
    claim_build_secondary,
    claim_correct,
    claim_transition,
    claims_build_for_encounter,
)
from medoffice.claims.services.printing import claim_cms1500_print, superbill_print
from medoffice.claims.services.scrubbing import (
    ScrubResult,
    claims_scrub,
    payer_claim_rules_save,
)
from medoffice.claims.services.transitions import (
    StatusMove,
    TransitionsResult,
    claims_transition_many,
)

__all__ = [
    "AdjudicationInput",
    "BuildResult",
    "ChargeInput",
    "ScrubResult",
    "StatusMove",
    "TransitionsResult",
    "charge_update",
    "charge_void",
    "charges_capture",
    "claim_build_secondary",
    "claim_cms1500_print",
    "claim_correct",
    "claim_line_adjudication_record",
    "claim_line_adjudications_record",
    "claim_transition",
    "claims_build_for_encounter",
    "claims_scrub",
    "claims_transition_many",
    "payer_claim_rules_save",
    "superbill_print",
]
