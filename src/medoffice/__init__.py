"""MedOffice: practice management for medical offices."""

__version__ = "0.1.0"
