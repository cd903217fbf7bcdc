"""The employee-facing legal pages: the privacy notice (DSGVO Art. 13) and the accessibility statement (BITV 2.0)."""
