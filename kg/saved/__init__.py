"""Saved queries (queries/*.rq): their header and parameters, the KPIs, network metrics."""
