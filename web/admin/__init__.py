"""The admin surface: the access audit and data-subject requests (role ``admin``)."""
