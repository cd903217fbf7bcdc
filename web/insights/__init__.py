"""The service-desk lead's CSAT insights."""
