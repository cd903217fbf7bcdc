"""``GET /metrics`` (Prometheus text format) and the per-request middleware: request id, timing, counts."""
