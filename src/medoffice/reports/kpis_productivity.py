"""Productivity KPIs (see kpi.py for the contract)."""
