"""The approval page of structured requests (issue 19)."""
