"""Access and patient-flow KPIs (see kpi.py for the contract)."""
