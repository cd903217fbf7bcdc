"""Sanic web service: the only surface a browser sees."""
