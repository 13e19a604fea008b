"""Key health (SPEC §5.3): re-check aiproxy keys now and then, re-provision missing or rejected ones.

For every Sealos user (only they can get a key from Aiproxy):
- an aiproxy key not yet marked invalid is tried with one cheap authenticated request,
  `GET {ANTHROPIC_BASE_URL}/v1/models` (the platform's base URL, where Aiproxy keys are
  valid); a 401 marks it invalid (`invalid_since`), 2xx means valid, anything else (no
  base URL, unreachable, another status) gives no verdict and changes nothing;
- a user without a key, or whose aiproxy key is invalid, gets a new one through Aiproxy with
  the stored kubeconfig (`anthropic_key.provision`, which never touches a key the
  user entered); the new key is tried at once.
Keys the user entered are never checked: their base URL is the user's business.

Each user's last outcome is kept in the `KEY_HEALTH` setting (status, sentence, time) for the
Settings page; a key marked invalid is an audit event. `run_key_health()` is the periodic
job; tests call it directly.
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from urllib.parse import urlsplit

import httpx
from sqlmodel import Session, select

from fullstack_agent import db
from fullstack_agent.config import get_settings
from fullstack_agent.models import AuthProvider, ConfigSource, UserIdentity, utcnow
from fullstack_agent.services import anthropic_key, audit, user_config

log = logging.getLogger(__name__)

MARKED_INVALID_ACTION = "key_health.invalid"
ANTHROPIC_VERSION = "2023-06-01"
CONNECT_TIMEOUT_SECONDS = 3.0
PROBE_TIMEOUT_SECONDS = 10.0
PARALLEL_CHECKS = 8

_client = httpx.Client(follow_redirects=False)


class HealthStatus(str, Enum):
    VALID = "valid"  # the key was accepted
    UNCHECKED = "unchecked"  # no verdict this time; the key was left as it is
    PROVISIONED = "provisioned"  # a missing or rejected key was replaced through Aiproxy
    FAILED = "failed"  # the key is missing or rejected and Aiproxy could not replace it


@dataclass(frozen=True)
class HealthCheck:
    status: HealthStatus
    detail: str  # one sentence for the user
    at: datetime


@dataclass(frozen=True)
class Probe:
    accepted: bool | None  # None: no verdict
    detail: str


@dataclass(frozen=True)
class KeyHealthReport:
    users: int
    outcomes: dict[HealthStatus, int]


def probe_key(base_url: str, key: str) -> Probe:
    """One authenticated request that costs nothing (lists models); the answer's body is not read."""
    if not base_url:
        return Probe(None, "No Anthropic base URL is configured on this server to check the key against.")
    host = urlsplit(base_url).netloc
    headers = {"x-api-key": key, "Authorization": f"Bearer {key}", "anthropic-version": ANTHROPIC_VERSION}
    timeout = httpx.Timeout(PROBE_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS)
    try:
        with _client.stream("GET", f"{base_url}/v1/models", headers=headers, timeout=timeout) as response:
            status = response.status_code
    except httpx.TimeoutException:
        return Probe(None, f"{host} did not answer in time; the key was not checked.")
    except httpx.HTTPError as error:
        return Probe(None, f"{host} is unreachable ({type(error).__name__}); the key was not checked.")
    if 200 <= status < 300:
        return Probe(True, f"The key was accepted by {host}.")
    if status == 401:
        return Probe(False, f"The key was rejected by {host} (HTTP 401).")
    return Probe(None, f"{host} answered HTTP {status}; the key was not checked.")


def _record(user_id: str, status: HealthStatus, detail: str) -> HealthCheck:
    check = HealthCheck(status=status, detail=detail, at=utcnow())
    document = {"status": status.value, "detail": detail, "at": check.at.isoformat()}
    with db.session_scope() as session:
        user_config.set_value(session, user_id, user_config.KEY_HEALTH, json.dumps(document),
                              source=ConfigSource.aiproxy)
    return check


def last_check(session: Session, user_id: str) -> HealthCheck | None:
    """The user's newest key-health outcome, None before the first check."""
    stored = user_config.get_value(session, user_id, user_config.KEY_HEALTH)
    try:
        document = json.loads(stored or "")
        return HealthCheck(status=HealthStatus(document["status"]), detail=str(document["detail"]),
                           at=datetime.fromisoformat(document["at"]))
    except (ValueError, TypeError, KeyError):
        return None


def _mark_invalid(user_id: str, key: str, reason: str) -> None:
    """Marks the stored aiproxy key invalid, unless it changed since it was probed."""
    with db.session_scope() as session:
        entry = user_config.get_entry(session, user_id, user_config.ANTHROPIC_API_KEY)
        if (entry is None or entry.source is not ConfigSource.aiproxy or entry.invalid_since is not None
                or entry.plain_value != key):
            return
        entry.invalid_since = utcnow()
        session.add(entry)
        audit.record(session, user_id, MARKED_INVALID_ACTION, target=user_config.ANTHROPIC_API_KEY, detail=reason)


def _stored_key(user_id: str) -> tuple[str, ConfigSource | None, bool, str]:
    """(key, its source, whether it is marked invalid, kubeconfig) as stored now."""
    with db.session_scope() as session:
        entries = user_config.get_values(session, user_id, (user_config.ANTHROPIC_API_KEY, user_config.KUBECONFIG))
        key_entry, kubeconfig_entry = entries.get(user_config.ANTHROPIC_API_KEY), entries.get(user_config.KUBECONFIG)
        kubeconfig = kubeconfig_entry.plain_value if kubeconfig_entry is not None else ""
        if key_entry is None:
            return "", None, False, kubeconfig
        return key_entry.plain_value, key_entry.source, key_entry.invalid_since is not None, kubeconfig


def check_user(user_id: str, sealos_user_id: str) -> HealthCheck | None:
    """Checks (and if needed replaces) one Sealos user's key; None for a key the user entered."""
    base_url = get_settings().ANTHROPIC_BASE_URL
    key, source, invalid, kubeconfig = _stored_key(user_id)
    if source is ConfigSource.manual:
        return None
    if key and not invalid:
        probe = probe_key(base_url, key)
        if probe.accepted is not False:
            return _record(user_id, HealthStatus.VALID if probe.accepted else HealthStatus.UNCHECKED, probe.detail)
        _mark_invalid(user_id, key, probe.detail)
    if not kubeconfig:
        return _record(user_id, HealthStatus.FAILED,
                       "No key could be provisioned: no kubeconfig is stored. Sign in from the Sealos desktop.")
    outcome = anthropic_key.provision(user_id, sealos_user_id, kubeconfig)
    if outcome is None:
        return _record(user_id, HealthStatus.UNCHECKED, "A new key was stored meanwhile; it is checked next time.")
    if not outcome.ok:
        return _record(user_id, HealthStatus.FAILED, f"Aiproxy could not provide a key: {outcome.reason}")
    new_key = _stored_key(user_id)[0]
    probe = probe_key(base_url, new_key)
    if probe.accepted is False:
        _mark_invalid(user_id, new_key, probe.detail)
        return _record(user_id, HealthStatus.FAILED,
                       "Aiproxy provided a key that is rejected as well (HTTP 401); "
                       "check your token in the Sealos Aiproxy app.")
    return _record(user_id, HealthStatus.PROVISIONED, "A new key was provisioned through Aiproxy.")


def _check_safely(candidate: tuple[str, str]) -> HealthCheck | None:
    user_id, sealos_user_id = candidate
    try:
        return check_user(user_id, sealos_user_id)
    except Exception:  # one user's failure must not stop the others' checks
        log.exception("Key health check failed for user %s", user_id)
        return None


def run_key_health(parallel: int = PARALLEL_CHECKS) -> KeyHealthReport:
    """The periodic job: every Sealos user's key, a few users at a time."""
    with db.session_scope() as session:
        candidates = [tuple(row) for row in session.exec(
            select(UserIdentity.user_id, UserIdentity.provider_user_id)
            .where(UserIdentity.provider == AuthProvider.SEALOS).order_by(UserIdentity.user_id))]
    with concurrent.futures.ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="key-health") as pool:
        checks = list(pool.map(_check_safely, candidates))
    outcomes = Counter(check.status for check in checks if check is not None)
    report = KeyHealthReport(users=len(candidates), outcomes=dict(outcomes))
    log.info("Key health: %d Sealos users, %s", report.users,
             ", ".join(f"{count} {status.value}" for status, count in sorted(outcomes.items())) or "no aiproxy keys")
    return report
