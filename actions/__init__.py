"""Rasa SDK action server: one module per feature. Importing this package loads nothing heavy."""
