"""The agent console: escalation queue, live takeover, tickets."""
