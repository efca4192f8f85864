from medoffice.scheduling.models.appointments import (
    ACTIVE_STATUSES,
    ENDED_STATUSES,
    Appointment,
    AppointmentSeries,
    AppointmentStatus,
    CancelledBy,
    Occupancy,
)
from medoffice.scheduling.models.availability import (
    AvailabilityBlock,
    AvailabilityTemplate,
    BlockKind,
    Holiday,
    TimeOff,
)
from medoffice.scheduling.models.resources import (
    SLOT_MINUTES,
    AppointmentType,
    Equipment,
    LocationHours,
    PatientKind,
    Provider,
    Room,
    validate_npi,
)

__all__ = [
    "ACTIVE_STATUSES",
    "ENDED_STATUSES",
    "SLOT_MINUTES",
    "Appointment",
    "AppointmentSeries",
    "AppointmentStatus",
    "AppointmentType",
    "AvailabilityBlock",
    "AvailabilityTemplate",
    "BlockKind",
    "CancelledBy",
    "Equipment",
    "Holiday",
    "LocationHours",
    "Occupancy",
    "PatientKind",
    "Provider",
    "Room",
    "TimeOff",
    "validate_npi",
]
