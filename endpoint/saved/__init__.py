"""Saved queries as an API and as pages, and the KPI dashboard."""
