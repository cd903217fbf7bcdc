"""The Redis lock store the Rasa servers share (``bot/lock_store.py``), against the cluster's Redis, in Rasa's Python.

Two stores (two Rasa servers) ask for a ticket of the same new conversation at the same moment, many times: ours
never hands out one ticket twice; Rasa's own ``RedisLockStore`` does (the race the module describes), which shows
the check can see it.
"""

from __future__ import annotations

import pytest

from scripts.cluster import Cluster
from tests.unit.bot.test_rasa_hooks import run_in_rasa

pytestmark = pytest.mark.integration
ROUNDS = 200

RACE = """
import json, threading
from rasa.core.lock_store import RedisLockStore
from bot.lock_store import AtomicRedisLockStore

def race(cls):
    stores = [cls(host="127.0.0.1", port=PORT, db=0, key_prefix="locktest") for _ in range(2)]
    same = 0
    for r in range(ROUNDS):
        cid = f"{cls.__name__}-{r}"
        barrier, got = threading.Barrier(2), [None, None]
        def take(i):
            barrier.wait()
            got[i] = stores[i].issue_ticket(cid)
        threads = [threading.Thread(target=take, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        same += got[0] == got[1]
        for i in range(2):
            stores[i].cleanup(cid, got[i])
    return {"same_ticket": same, "locks_left": len(stores[0].red.keys("locktest:*"))}

print(json.dumps({"rasa": race(RedisLockStore), "ours": race(AtomicRedisLockStore)}))
"""


def test_two_servers_never_get_the_same_ticket(cluster: Cluster) -> None:
    script = RACE.replace("PORT", str(cluster.layout.redis)).replace("ROUNDS", str(ROUNDS))
    result = run_in_rasa(script)
    assert result["ours"] == {"same_ticket": 0, "locks_left": 0}
    assert result["rasa"]["same_ticket"] > 0  # the race is real: Rasa's read-modify-write lets both through
