"""The Aiproxy keyhub client (SPEC §5.1): one call that turns a kubeconfig into an Anthropic key.

`request_key` never raises: every failure (not configured, refused, timed out, not JSON,
`code != 200`, HTTP 4xx/5xx, an oversized or endless answer) comes back as a KeyhubResult
with a human `reason`. The key itself is never logged and never part of a repr.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from fullstack_agent.config import get_settings

log = logging.getLogger(__name__)

TOKEN_NAME_PREFIX = "fullstackagent-"
MAX_TOKEN_NAME_LENGTH = 32  # Aiproxy's limit on token names
CONNECT_TIMEOUT_SECONDS = 3.0
MAX_ANSWER_BYTES = 64 * 1024
_REASON_TEXT_LIMIT = 200

# One pooled client for the process (TLS set-up is too slow to repeat per sign-in); the
# worker threads give the caller a hard deadline even when a read stalls.
_client = httpx.Client(follow_redirects=False, headers={"Accept": "application/json"})
_exchanges = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="aiproxy")


@dataclass(frozen=True)
class KeyhubResult:
    ok: bool
    token_name: str
    key: str = field(default="", repr=False)
    reason: str = ""


class _Failure(Exception):
    """Ends an exchange with a reason for the user."""


def token_name(sealos_user_id: str) -> str:
    """`fullstackagent-<userId>`, or a deterministic 32-character form for long ids."""
    name = f"{TOKEN_NAME_PREFIX}{sealos_user_id}"
    if len(name) <= MAX_TOKEN_NAME_LENGTH:
        return name
    digest = hashlib.sha256(sealos_user_id.encode()).hexdigest()
    return TOKEN_NAME_PREFIX + digest[:MAX_TOKEN_NAME_LENGTH - len(TOKEN_NAME_PREFIX)]


def _clip(text: Any) -> str:
    return " ".join(str(text).split())[:_REASON_TEXT_LIMIT]


def _read_capped(response: httpx.Response, deadline: float) -> bytes:
    body = bytearray()
    for chunk in response.iter_bytes():
        body.extend(chunk)
        if len(body) > MAX_ANSWER_BYTES:
            raise _Failure(f"Aiproxy sent an answer larger than {MAX_ANSWER_BYTES // 1024} KiB.")
        if time.monotonic() > deadline:
            raise _Failure("Aiproxy did not finish its answer in time.")
    return bytes(body)


def _remote_error(answer: Any) -> str:
    if isinstance(answer, dict):
        parts = [_clip(answer[name]) for name in ("message", "error") if answer.get(name)]
        if parts:
            return ": ".join(dict.fromkeys(parts))
    return "no details"


def _key_from(status: int, body: bytes) -> str:
    try:
        answer = json.loads(body)
    except ValueError:
        if status >= 400:
            raise _Failure(f"Aiproxy refused the request (HTTP {status}).") from None
        raise _Failure(f"Aiproxy sent an answer that is not JSON (HTTP {status}).") from None
    if not 200 <= status < 300:
        raise _Failure(f"Aiproxy refused the request (HTTP {status}: {_remote_error(answer)}).")
    if not isinstance(answer, dict):
        raise _Failure("Aiproxy sent an answer of an unexpected shape.")
    if answer.get("code") != 200:
        raise _Failure(f"Aiproxy refused the request (code {_clip(answer.get('code'))}: {_remote_error(answer)}).")
    data = answer.get("data")
    key = data.get("key") if isinstance(data, dict) else None
    if not isinstance(key, str) or not key.strip():
        raise _Failure("Aiproxy's answer held no key.")
    return key.strip()


def _exchange(url: str, payload: dict[str, str], total: float, deadline: float) -> str:
    timeout = httpx.Timeout(total, connect=min(CONNECT_TIMEOUT_SECONDS, total))
    try:
        with _client.stream("POST", url, json=payload, timeout=timeout) as response:
            return _key_from(response.status_code, _read_capped(response, deadline))
    except httpx.ConnectTimeout:
        raise _Failure("Aiproxy did not accept the connection in time.") from None
    except httpx.TimeoutException:
        raise _Failure(f"Aiproxy did not answer within {total:g} s.") from None
    except httpx.ConnectError as error:
        raise _Failure(f"Aiproxy is unreachable ({_clip(error) or 'connection failed'}).") from None
    except httpx.HTTPError as error:
        raise _Failure(f"The connection to Aiproxy failed ({type(error).__name__}).") from None


def request_key(sealos_user_id: str, kubeconfig: str) -> KeyhubResult:
    """POST {AIPROXY_ENDPOINT}/api/keyhub {name, kc}; a failure value instead of any exception."""
    settings = get_settings()
    name = token_name(sealos_user_id)
    missing = [var for var in ("AIPROXY_ENDPOINT", "ANTHROPIC_BASE_URL") if not getattr(settings, var)]
    if missing:
        reason = f"Aiproxy is not configured on this server ({' and '.join(missing)} not set)."
        log.warning("Aiproxy token not created for user %s: %s", sealos_user_id, reason)
        return KeyhubResult(ok=False, token_name=name, reason=reason)
    log.info("Creating aiproxy token for user: %s", sealos_user_id)
    total = settings.AIPROXY_TIMEOUT_SECONDS
    deadline = time.monotonic() + total
    future = _exchanges.submit(_exchange, f"{settings.AIPROXY_ENDPOINT}/api/keyhub",
                               {"name": name, "kc": kubeconfig}, total, deadline)
    try:
        key = future.result(timeout=total)
    except _Failure as failure:
        reason = str(failure)
    except concurrent.futures.TimeoutError:
        future.cancel()  # still queued behind stalled calls: it must not run after we gave up
        reason = f"Aiproxy did not answer within {total:g} s."
    except Exception as error:  # a bug here must not fail the sign-in (SPEC §5.1)
        log.exception("Aiproxy exchange failed unexpectedly")
        reason = f"Unexpected error talking to Aiproxy ({type(error).__name__})."
    else:
        log.info("Token created successfully: %s", name)
        return KeyhubResult(ok=True, token_name=name, key=key)
    log.warning("Aiproxy token creation failed for user %s: %s", sealos_user_id, reason)
    return KeyhubResult(ok=False, token_name=name, reason=reason)
