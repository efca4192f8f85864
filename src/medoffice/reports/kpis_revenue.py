"""Revenue and productivity KPIs (see kpi.py for the contract)."""
