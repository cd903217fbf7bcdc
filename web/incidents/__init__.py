"""Major incidents in the console: ``/api/incidents`` (roles agent and lead)."""
