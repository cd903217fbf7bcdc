"""Knowledge search API and article pages."""
