"""Readiness of the whole assistant."""
