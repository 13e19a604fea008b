"""Redis for tests: one database number of the local server, claimed for one test run so
parallel runs (other worktrees, CI) never share or flush each other's keys."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import redis

REDIS_SERVER_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
_CLAIM_KEY = "fullstack-agent-test-claim"
# A run killed before its clean-up leaves its database claimed; Reflex's own keys expire
# after an hour as well, so the number becomes free again by itself.
_CLAIM_SECONDS = 3600


def redis_available() -> str | None:
    """None when the server answers, else the reason it does not."""
    try:
        with redis.Redis.from_url(REDIS_SERVER_URL, socket_connect_timeout=3) as client:
            client.ping()
        return None
    except redis.RedisError as error:
        return f"Redis at {REDIS_SERVER_URL} unreachable: {type(error).__name__}"


@contextlib.contextmanager
def claimed_redis_database() -> Iterator[str]:
    """Yields the URL of a database number (1-15) that was empty and is now ours; flushes
    only that database afterwards. Database 0, the usual default, is never used."""
    token = uuid.uuid4().hex
    for number in range(15, 0, -1):
        with redis.Redis.from_url(REDIS_SERVER_URL, db=number) as client:
            if not client.set(_CLAIM_KEY, token, nx=True, ex=_CLAIM_SECONDS):
                continue
            if client.dbsize() != 1:  # someone else's keys are there: leave it to them
                client.delete(_CLAIM_KEY)
                continue
            try:
                yield f"{REDIS_SERVER_URL}/{number}"
            finally:
                client.flushdb()
            return
    raise RuntimeError(f"no empty database number 1-15 on the Redis at {REDIS_SERVER_URL}")
