"""One Kubernetes API client per user, built from that user's kubeconfig text (SPEC §6.1).

Clients are cached by (user id, SHA-256 of the kubeconfig): a new kubeconfig makes a new
client and retires the user's older ones. The cache is bounded and entries expire when
unused. Every call goes through `KubeApi.request`, which sets the request timeout.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from fullstack_agent.config import get_settings
from fullstack_agent.k8s.api import KubeApi
from fullstack_agent.k8s.kubeconfig import KubeconfigInfo, build_configuration, parse_kubeconfig

MAX_CACHED_CLIENTS = 100
CLIENT_IDLE_SECONDS = 30 * 60


class KubeClient(KubeApi):
    """The API of one kubeconfig, with its parsed facts (namespace, server)."""

    def __init__(self, kubeconfig_text: str) -> None:
        settings = get_settings()
        parsed = parse_kubeconfig(kubeconfig_text)
        self.info: KubeconfigInfo = parsed.info
        super().__init__(build_configuration(parsed, pool_size=max(4, settings.RECONCILE_HANDLER_THREADS * 2)),
                         timeout=settings.K8S_REQUEST_TIMEOUT_SECONDS)


@dataclasses.dataclass
class _Entry:
    client: KubeClient
    last_used: float


class ClientCache:
    """A bounded, expiring, thread-safe map (user id, kubeconfig hash) → KubeClient."""

    def __init__(self, max_entries: int = MAX_CACHED_CLIENTS, idle_seconds: float = CLIENT_IDLE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: OrderedDict[tuple[str, str], _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries
        self._idle_seconds = idle_seconds
        self._clock = clock

    def get(self, user_id: str, kubeconfig_text: str) -> KubeClient:
        """The user's client for this kubeconfig; raises KubeconfigError when it is unusable."""
        key = (user_id, hashlib.sha256(kubeconfig_text.encode()).hexdigest())
        now = self._clock()
        retired: list[KubeClient] = []
        with self._lock:
            retired.extend(self._expire(now))
            entry = self._entries.get(key)
            if entry is not None:
                entry.last_used = now
                self._entries.move_to_end(key)
                client = entry.client
            else:
                client = KubeClient(kubeconfig_text)
                retired.extend(self._pop_user(user_id))
                self._entries[key] = _Entry(client, now)
                while len(self._entries) > self._max_entries:
                    retired.append(self._entries.popitem(last=False)[1].client)
        for old in retired:
            old.close()
        return client

    def __len__(self) -> int:
        return len(self._entries)

    def _pop_user(self, user_id: str) -> list[KubeClient]:
        keys = [key for key in self._entries if key[0] == user_id]
        return [self._entries.pop(key).client for key in keys]

    def _expire(self, now: float) -> list[KubeClient]:
        stale = [key for key, entry in self._entries.items() if now - entry.last_used > self._idle_seconds]
        return [self._entries.pop(key).client for key in stale]


_clients = ClientCache()


def client_for_user(user_id: str, kubeconfig_text: str) -> KubeClient:
    """The process-wide cached client of a user (see ClientCache.get)."""
    return _clients.get(user_id, kubeconfig_text)

