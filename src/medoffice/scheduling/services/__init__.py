"""Writes of the scheduling app; see booking.py and availability.py."""
