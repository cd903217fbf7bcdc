"""Fixtures of the records tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from desk.db import open_db


@pytest.fixture
def engine(tmp_path: Any) -> Iterator[Engine]:
    eng = open_db(f"sqlite:///{tmp_path}/t.db")
    yield eng
    eng.dispose()
