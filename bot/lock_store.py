"""Rasa's Redis lock store with every change of a lock made atomically: several Rasa servers, one conversation.

Rasa 3.6's ``RedisLockStore`` changes a conversation's ticket lock by reading it, changing it in Python and writing
it back. Two Rasa servers that take a message of the same conversation at the same moment can both read "no lock",
both issue ticket 0 and both go ahead: the two turns run at once and one overwrites the other in the tracker store
(seen in ``make test-cluster``: a lost turn in 2 of 4 runs of six simultaneous pairs). Here each change
(issue a ticket, drop expired ones, finish a ticket and delete the lock when nobody waits) is one Redis transaction
(WATCH/MULTI/EXEC, retried when another server changed the lock in between); the ticket algorithm, the key names
and the waiting loop stay Rasa's. Named in ``deploy/rasa/endpoints.yml``
(``type: bot.lock_store.AtomicRedisLockStore``).

Python 3.10, Rasa's environment; redis-py comes with Rasa.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

T = TypeVar("T")


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` whose lock changes are Redis transactions; created from the endpoints file's entry."""

    def __init__(self, endpoint_config: Any = None, **kwargs: Any) -> None:
        """Rasa creates a custom lock store with its ``EndpointConfig`` (``url`` is the host); tests pass kwargs."""
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url, **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    def _change(self, conversation_id: str, change: Callable[[TicketLock | None], tuple[TicketLock | None, T]]) -> T:
        """Apply ``change`` to the stored lock in one transaction; ``None`` from it deletes the lock."""
        from redis.exceptions import WatchError

        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    changed, result = change(lock)
                    pipe.multi()
                    if changed is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, changed.dumps())
                    pipe.execute()
                    return result
                except WatchError:
                    continue  # another server changed this lock meanwhile: read it again

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """A new ticket for the conversation, the lock created when there is none."""

        def issue(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except Exception as exc:  # Rasa's own contract: any failure is a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc

    def update_lock(self, conversation_id: str) -> None:
        """Drop the expired tickets."""

        def prune(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, prune)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Remove the served ticket (the lock stays, even when empty, as in Rasa)."""

        def finish(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, finish)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Remove the served ticket and, in the same transaction, the lock when nobody else waits."""

        def finish(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._change(conversation_id, finish)
