"""Every session the tool opens bounds its lock waits (db/connect.py create_engine): a command
never hangs on another session's lock, whichever command it is (issue 16, item 6; apply's own
refusal naming the holder is tested in tests/apply/test_transaction.py)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from billing_config.apply.lock import is_lock_timeout
from billing_config.db.connect import create_engine
from tests.testing.fixtures import backend_url


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres), pytest.param("mariadb", marks=pytest.mark.mariadb)])
def test_a_held_row_is_waited_for_at_most_the_lock_timeout_in_any_session(backend: str, tmp_path: Path) -> None:
    url = backend_url(backend, tmp_path)
    holder_engine = sa.create_engine(url)
    with holder_engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE held (id INTEGER PRIMARY KEY, name VARCHAR(20))"))
        connection.execute(sa.text("INSERT INTO held VALUES (1, 'x')"))
    holder = holder_engine.connect()
    transaction = holder.begin()
    holder.execute(sa.text("SELECT * FROM held WHERE id = 1 FOR UPDATE")).all()
    session = holder.execute(sa.text("SELECT pg_backend_pid()" if backend == "postgres" else "SELECT CONNECTION_ID()")).scalar()
    killer = sa.create_engine(url)

    def end_holder() -> None:  # should the bound not hold, fail the test instead of hanging it
        with killer.begin() as connection:
            connection.execute(sa.text(f"SELECT pg_terminate_backend({int(session)})" if backend == "postgres" else f"KILL {int(session)}"))

    valve = threading.Timer(30, end_holder)
    valve.start()
    engine = create_engine(url, lock_timeout=1)
    try:
        started = time.monotonic()
        with pytest.raises(sa.exc.OperationalError) as raised, engine.connect() as connection:
            connection.execute(sa.text("UPDATE held SET name = 'y' WHERE id = 1"))
        waited = time.monotonic() - started
    finally:
        valve.cancel()
        engine.dispose()
        try:
            transaction.rollback()
            holder.close()
        finally:
            killer.dispose()
            holder_engine.dispose()
    assert is_lock_timeout(raised.value)
    assert waited < 10, f"waited {waited:.1f} s with a lock timeout of 1 s"
