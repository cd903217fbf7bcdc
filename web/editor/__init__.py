"""The knowledge editor: ``/editor/`` and the article, test and gap API (role ``editor``)."""
