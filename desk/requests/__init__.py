"""Structured requests (issue 19): the catalogue, the records, the approval and the tickets."""
