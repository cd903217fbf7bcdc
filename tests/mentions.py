"""Every row of every table of a database that mentions any of some strings (data-subject tests, both databases)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, MetaData, select


def rows_mentioning(engine: Engine, needles: Iterable[str]) -> list[tuple[str, dict]]:
    """(table, row) for each row whose text in any column (JSON and bytes included) contains a needle."""
    wanted = [n for n in needles if n]
    meta = MetaData()
    meta.reflect(engine)
    found = []
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)):
                values = row._mapping
                blob = " ".join(
                    v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in values.values()
                )
                if any(n in blob for n in wanted):
                    found.append((table.name, dict(values)))
    return found
