"""Set-up, run and evaluation scripts."""
