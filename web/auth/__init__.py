"""Staff login: sessions, roles, CSRF."""
