"""Employee chat: a page and a relay to Rasa (Rasa itself stays on loopback)."""
