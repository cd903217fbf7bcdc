"""Custom Rasa pipeline components (run inside the Rasa environment, Python 3.10)."""
