"""An in-memory Kubernetes API server that the real `kubernetes` client talks to over HTTP.

It serves the kinds Fullstack Agent uses (StatefulSet, Service, Ingress, PVC, Secret,
ServiceAccount, Role, RoleBinding, Pod and Event lists, KubeBlocks Clusters) on 127.0.0.1
and answers like an API server: 201 on create, 409 AlreadyExists and 409 Conflict (stale
resourceVersion), 404, 422 for invalid names, labels and selectors, resourceVersion and
generation, label and field selectors, JSON patch, merge patch (strategic merge is treated
as a merge patch), bearer-token authentication (401) and namespaces the token may not use
(403).

It also plays the controllers a test needs: a StatefulSet gets its volume claims and, in
`auto_ready` mode, becomes ready at once (otherwise the test calls `mark_ready`); a Cluster
plays KubeBlocks (phase, then the connection Secret, at once or when the test says).
Deleting a StatefulSet removes its pods but, unlike the real controller with a retention
policy, never its volume claims: the application must delete those itself.

Tests steer it with `inject(...)` (a status, a delay, a dropped connection or a raw body for
the next N matching requests) and read `requests` (the log) and `objects(...)`.

Run it alone for benchmarks: `python -m tests.support.fake_k8s --namespace ns --token t
--auto-ready`; it prints its port, and `GET /_fake/requests` returns the request log.
"""

from __future__ import annotations

import argparse
import base64
import copy
import dataclasses
import json
import re
import secrets
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.http_server import LoopbackHTTPServer

# The API server's name rules (also what tests/test_deploy_manifests.py holds our manifests to).
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
_PATH = re.compile(r"^/(api/v1|apis/[^/]+/[^/]+)/namespaces/([^/]+)/([^/]+)(?:/([^/]+)(?:/(status))?)?$")

# Passwords with characters that must be percent-encoded in a URL.
DEFAULT_DB_PASSWORD = "p@ss:w/rd?#%&+ é"
DEFAULT_DB_USER = "postgres"


@dataclasses.dataclass(frozen=True)
class ResourceType:
    prefix: str  # "api/v1" or "apis/<group>/<version>"
    plural: str
    kind: str
    name_rule: str = "subdomain"  # or "dns1035" (Services)

    @property
    def group(self) -> str:
        return "" if self.prefix == "api/v1" else self.prefix.split("/")[1]

    @property
    def api_version(self) -> str:
        return "v1" if self.prefix == "api/v1" else self.prefix.split("/", 1)[1]

    @property
    def qualified(self) -> str:
        return f"{self.plural}.{self.group}" if self.group else self.plural


TYPES = {
    (t.prefix, t.plural): t for t in (
        ResourceType("api/v1", "pods", "Pod"),
        ResourceType("api/v1", "services", "Service", "dns1035"),
        ResourceType("api/v1", "secrets", "Secret"),
        ResourceType("api/v1", "serviceaccounts", "ServiceAccount"),
        ResourceType("api/v1", "persistentvolumeclaims", "PersistentVolumeClaim"),
        ResourceType("api/v1", "events", "Event"),
        ResourceType("apis/apps/v1", "statefulsets", "StatefulSet"),
        ResourceType("apis/networking.k8s.io/v1", "ingresses", "Ingress"),
        ResourceType("apis/rbac.authorization.k8s.io/v1", "roles", "Role"),
        ResourceType("apis/rbac.authorization.k8s.io/v1", "rolebindings", "RoleBinding"),
        ResourceType("apis/apps.kubeblocks.io/v1alpha1", "clusters", "Cluster"),
    )
}
KUBEBLOCKS = ("apis/apps.kubeblocks.io/v1alpha1", "clusters")


class ApiError(Exception):
    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message


def status_body(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


@dataclasses.dataclass
class LoggedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    content_type: str
    body: Any
    user_agent: str
    started: float
    status: int = 0  # 0 = the connection was dropped
    finished: float = 0.0

    @property
    def name(self) -> str:
        """The object name a request is about (the path's or the created object's)."""
        match = _PATH.match(self.path)
        if match and match.group(4):
            return match.group(4)
        if isinstance(self.body, dict):
            return str((self.body.get("metadata") or {}).get("name") or "")
        return ""

    @property
    def plural(self) -> str:
        match = _PATH.match(self.path)
        return match.group(3) if match else ""


@dataclasses.dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    times: int
    status: int | None = None
    reason: str = ""
    message: str = "injected fault"
    delay: float = 0.0
    drop: bool = False
    raw_body: bytes | None = None

    def matches(self, method: str, path: str) -> bool:
        return self.times > 0 and self.method in ("*", method) and bool(self.path.search(path))


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- patches

def _pointer(path: str) -> list[str]:
    if not path.startswith("/"):
        raise ApiError(422, "Invalid", f"invalid JSON pointer {path!r}")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _parent(document: Any, parts: list[str]) -> tuple[Any, str]:
    node = document
    for part in parts[:-1]:
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise ApiError(422, "Invalid", f"path /{'/'.join(parts)} does not exist")
    return node, parts[-1]


def apply_json_patch(document: dict[str, Any], operations: Any) -> dict[str, Any]:
    if not isinstance(operations, list):
        raise ApiError(400, "BadRequest", "a JSON patch must be a list of operations")
    result = copy.deepcopy(document)
    for operation in operations:
        op, parts = operation.get("op"), _pointer(str(operation.get("path", "")))
        try:
            parent, key = _parent(result, parts)
            if op in ("add", "replace"):
                if isinstance(parent, list):
                    index = len(parent) if key == "-" else int(key)
                    if op == "add":
                        parent.insert(index, operation["value"])
                    else:
                        parent[index] = operation["value"]
                else:
                    if op == "replace" and key not in parent:
                        raise ApiError(422, "Invalid", f"replace of missing path {operation['path']}")
                    parent[key] = operation["value"]
            elif op == "remove":
                if isinstance(parent, list):
                    del parent[int(key)]
                else:
                    del parent[key]
            elif op == "test":
                current = parent[int(key)] if isinstance(parent, list) else parent.get(key)
                if current != operation.get("value"):
                    raise ApiError(422, "Invalid", f"testing value {operation['path']} failed")
            else:
                raise ApiError(422, "Invalid", f"unsupported JSON patch operation {op!r}")
        except (IndexError, KeyError, ValueError, TypeError):
            raise ApiError(422, "Invalid", f"JSON patch operation {op} on {operation.get('path')} failed") from None
    return result


def apply_merge_patch(document: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(document) if isinstance(document, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = apply_merge_patch(result.get(key), value)
    return result


# ---------------------------------------------------------------- selectors

def _lookup(document: Any, dotted: str) -> Any:
    node = document
    for part in dotted.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _label_matcher(selector: str) -> Callable[[dict[str, str]], bool]:
    terms: list[Callable[[dict[str, str]], bool]] = []
    for term in re.split(r",(?![^(]*\))", selector):
        term = term.strip()
        if not term:
            continue
        set_based = re.match(r"^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$", term)
        if set_based:
            key, operator, values = set_based.group(1), set_based.group(2), {v.strip() for v in set_based.group(3).split(",")}
            terms.append((lambda k, vs: lambda labels: labels.get(k) in vs)(key, values) if operator == "in"
                         else (lambda k, vs: lambda labels: labels.get(k) not in vs)(key, values))
            continue
        equality = re.match(r"^([^\s!=]+)\s*(==|=|!=)\s*([^\s!=]*)$", term)
        if equality:
            key, operator, value = equality.groups()
            if not LABEL_VALUE.match(value):
                raise ApiError(400, "BadRequest", f"invalid label value: {value!r}")
            terms.append((lambda k, v: lambda labels: labels.get(k) != v)(key, value) if operator == "!="
                         else (lambda k, v: lambda labels: labels.get(k) == v)(key, value))
            continue
        existence = re.match(r"^(!?)([A-Za-z0-9][-A-Za-z0-9_./]*)$", term)
        if not existence:
            raise ApiError(400, "BadRequest", f"unable to parse requirement: {term!r}")
        negated, key = existence.groups()
        terms.append((lambda k: lambda labels: k not in labels)(key) if negated
                     else (lambda k: lambda labels: k in labels)(key))
    return lambda labels: all(term(labels) for term in terms)


def _field_matcher(selector: str) -> Callable[[dict[str, Any]], bool]:
    terms = []
    for term in filter(None, (part.strip() for part in selector.split(","))):
        match = re.match(r"^([A-Za-z.]+)\s*(==|=|!=)\s*(.*)$", term)
        if not match:
            raise ApiError(400, "BadRequest", f"invalid field selector: {term!r}")
        path, operator, value = match.groups()
        terms.append((path, operator == "!=", value))
    return lambda document: all((str(_lookup(document, path) or "") == value) != negated
                                for path, negated, value in terms)


# ---------------------------------------------------------------- validation

def _validate_name(rtype: ResourceType, name: Any) -> None:
    if not isinstance(name, str) or not name:
        raise ApiError(422, "Invalid", f"{rtype.kind} \"\" is invalid: metadata.name: Required value: name is required")
    pattern, limit = (DNS1035_LABEL, 63) if rtype.name_rule == "dns1035" else (DNS1123_SUBDOMAIN, 253)
    if len(name) > limit or not pattern.match(name):
        raise ApiError(422, "Invalid", f"{rtype.kind} \"{name}\" is invalid: metadata.name: Invalid value: "
                                       f"\"{name}\": a lowercase RFC 1123 name must consist of lower case "
                                       "alphanumeric characters or '-'")


def _validate_labels(rtype: ResourceType, name: str, labels: Any, where: str = "metadata.labels") -> None:
    if labels is None:
        return
    if not isinstance(labels, dict):
        raise ApiError(422, "Invalid", f"{rtype.kind} \"{name}\" is invalid: {where}: must be a map")
    for key, value in labels.items():
        key_name = str(key).rsplit("/", 1)[-1]
        prefix = str(key).rsplit("/", 1)[0] if "/" in str(key) else ""
        if (not _LABEL_NAME.match(key_name) or len(key_name) > 63
                or (prefix and (not DNS1123_SUBDOMAIN.match(prefix) or len(prefix) > 253))):
            raise ApiError(422, "Invalid", f"{rtype.kind} \"{name}\" is invalid: {where}: Invalid value: \"{key}\"")
        if not isinstance(value, str) or len(value) > 63 or not LABEL_VALUE.match(value):
            raise ApiError(422, "Invalid", f"{rtype.kind} \"{name}\" is invalid: {where}: Invalid value: "
                                           f"\"{value}\": a valid label must be 63 characters or less")


def _validate_object(rtype: ResourceType, obj: dict[str, Any]) -> None:
    metadata = obj.get("metadata") or {}
    name = metadata.get("name")
    _validate_name(rtype, name)
    _validate_labels(rtype, name, metadata.get("labels"))
    spec = obj.get("spec") or {}
    if rtype.kind == "StatefulSet":
        selector = (spec.get("selector") or {}).get("matchLabels") or {}
        template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        _validate_labels(rtype, name, template_labels, "spec.template.metadata.labels")
        if not selector or any(template_labels.get(k) != v for k, v in selector.items()):
            raise ApiError(422, "Invalid", f"StatefulSet.apps \"{name}\" is invalid: spec.template.metadata.labels: "
                                           "Invalid value: `selector` does not match template `labels`")
        pod_spec = (spec.get("template") or {}).get("spec") or {}
        for field in ("containers", "initContainers"):
            for container in pod_spec.get(field) or []:
                for variable in container.get("env") or []:
                    if not _ENV_NAME.match(str(variable.get("name", ""))):
                        raise ApiError(422, "Invalid", f"StatefulSet.apps \"{name}\" is invalid: "
                                                       f"spec.template.spec.{field}[].env[].name: Invalid value")
        if not pod_spec.get("containers"):
            raise ApiError(422, "Invalid", f"StatefulSet.apps \"{name}\" is invalid: spec.template.spec.containers: "
                                           "Required value")
    if rtype.kind == "Ingress":
        for rule in spec.get("rules") or []:
            host = rule.get("host", "")
            if host and not DNS1123_SUBDOMAIN.match(host.removeprefix("*.")):
                raise ApiError(422, "Invalid", f"Ingress.networking.k8s.io \"{name}\" is invalid: spec.rules[0].host: "
                                               f"Invalid value: \"{host}\"")


# ---------------------------------------------------------------- the server

class _Server(LoopbackHTTPServer):
    request_queue_size = 128  # many clients connect at once (several reconciler processes)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # the request log replaces access logs
        return

    def _serve(self) -> None:
        self.server.fake._serve(self)  # type: ignore[attr-defined]

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def send_json(self, code: int, document: Any) -> None:
        self.send_raw(code, json.dumps(document).encode())

    def send_raw(self, code: int, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class FakeKubernetes:
    """The server and its state. Use as a context manager, or start()/stop()."""

    def __init__(self, *, namespaces: Iterable[str] = ("ns-test",), token: str = "fake-token",
                 auto_ready: bool = True, kubeblocks: str = "immediate", kubeblocks_installed: bool = True,
                 db_password: str = DEFAULT_DB_PASSWORD, credential_secret: str = "conn-credential") -> None:
        """`kubeblocks`: "immediate" (Running with credentials at once), "manual" (the test
        calls `set_cluster_phase` / `publish_credentials`). `credential_secret`:
        "conn-credential" (classic) or "account" (KubeBlocks ≥ 0.9's account Secret)."""
        self.namespaces = set(namespaces)
        self.tokens = {token}
        self.token = token
        self.auto_ready = auto_ready
        self.kubeblocks = kubeblocks
        self.kubeblocks_installed = kubeblocks_installed
        self.db_password = db_password
        self.credential_secret = credential_secret
        self.requests: list[LoggedRequest] = []
        self._faults: list[Fault] = []
        self._store: dict[tuple[str, str], dict[tuple[str, str], dict[str, Any]]] = {key: {} for key in TYPES}
        self._resource_version = 1000
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------ lifecycle

    def start(self, port: int = 0) -> "FakeKubernetes":
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.fake = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-k8s", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeKubernetes":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start the server first"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kubeconfig(self, namespace: str | None = None, *, token: str | None = None, server: str | None = None) -> str:
        """A kubeconfig text pointing at this server, as a user would paste it."""
        namespace = namespace or sorted(self.namespaces)[0]
        return (
            "apiVersion: v1\nkind: Config\n"
            f"clusters:\n- name: fake\n  cluster:\n    server: {server or self.url}\n"
            f"contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake-user\n    namespace: {namespace}\n"
            "current-context: fake\n"
            f"users:\n- name: fake-user\n  user:\n    token: {token or self.token}\n"
        )

    # ------------------------------------------------ test controls

    def inject(self, method: str = "*", path: str = "", *, times: int = 1, status: int | None = None,
               reason: str = "", message: str = "injected fault", delay: float = 0.0, drop: bool = False,
               raw_body: bytes | None = None) -> Fault:
        """Makes the next `times` requests whose method matches and whose path matches the
        regex `path` answer `status` (with a Status `reason`), or `raw_body` with 200, or drop
        the connection; `delay` sleeps first (alone, the request then proceeds normally)."""
        fault = Fault(method=method.upper(), path=re.compile(path), times=times, status=status, reason=reason,
                      message=message, delay=delay, drop=drop, raw_body=raw_body)
        with self._lock:
            self._faults.append(fault)
        return fault

    def objects(self, plural: str, namespace: str | None = None) -> dict[str, dict[str, Any]]:
        """Stored objects of a kind by name (copies)."""
        key = next(key for key in TYPES if key[1] == plural)
        with self._lock:
            return {name: copy.deepcopy(obj) for (ns, name), obj in self._store[key].items()
                    if namespace is None or ns == namespace}

    def get(self, plural: str, namespace: str, name: str) -> dict[str, Any] | None:
        return self.objects(plural, namespace).get(name)

    def remove(self, plural: str, namespace: str, name: str) -> None:
        """Deletes an object behind the application's back (drift)."""
        key = next(key for key in TYPES if key[1] == plural)
        with self._lock:
            self._store[key].pop((namespace, name), None)

    def created(self) -> Counter[tuple[str, str]]:
        """How often each (plural, name) was created with 201."""
        with self._lock:
            return Counter((entry.plural, entry.name) for entry in self.requests
                           if entry.method == "POST" and entry.status == 201)

    def requests_since(self, index: int) -> list[LoggedRequest]:
        """The request log from position `index` on (take `len(fake.requests)` as a mark first)."""
        with self._lock:
            return list(self.requests[index:])

    def wait_for_request(self, method: str, path: str, timeout: float = 10.0) -> LoggedRequest:
        pattern = re.compile(path)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for entry in self.requests:
                    if entry.method == method and pattern.search(entry.path):
                        return entry
            time.sleep(0.01)
        raise TimeoutError(f"no {method} {path} within {timeout}s")

    def mark_ready(self, namespace: str, name: str) -> None:
        """Plays the StatefulSet controller: the status catches up with the spec."""
        with self._lock:
            obj = self._store[("apis/apps/v1", "statefulsets")][(namespace, name)]
            self._settle_statefulset(obj)

    def add_event(self, namespace: str, involved_name: str, reason: str, message: str, type_: str = "Warning") -> None:
        with self._lock:
            name = f"{involved_name}.{uuid.uuid4().hex[:12]}"
            self._store[("api/v1", "events")][(namespace, name)] = self._stamp({
                "apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": namespace},
                "involvedObject": {"kind": "Pod", "name": involved_name, "namespace": namespace},
                "reason": reason, "message": message, "type": type_, "lastTimestamp": _now(),
            })

    def set_cluster_phase(self, namespace: str, name: str, phase: str) -> None:
        with self._lock:
            obj = self._store[KUBEBLOCKS][(namespace, name)]
            obj.setdefault("status", {})["phase"] = phase
            self._bump(obj)

    def publish_credentials(self, namespace: str, name: str, *, empty: bool = False) -> None:
        """Plays KubeBlocks writing the cluster's connection Secret (empty = still initialising)."""
        with self._lock:
            if self.credential_secret == "account":
                secret_name, data = f"{name}-postgresql-account-postgres", {"username": DEFAULT_DB_USER,
                                                                             "password": self.db_password}
            else:
                secret_name, data = f"{name}-conn-credential", {
                    "host": f"{name}-postgresql", "port": "5432", "username": DEFAULT_DB_USER,
                    "password": self.db_password, "endpoint": f"{name}-postgresql:5432"}
            encoded = {} if empty else {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
            self._store[("api/v1", "secrets")][(namespace, secret_name)] = self._stamp({
                "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                "metadata": {"name": secret_name, "namespace": namespace,
                             "labels": {"app.kubernetes.io/instance": name}},
                "data": encoded,
            })

    # ------------------------------------------------ internals: bookkeeping

    def _stamp(self, obj: dict[str, Any]) -> dict[str, Any]:
        metadata = obj.setdefault("metadata", {})
        metadata.setdefault("uid", str(uuid.uuid4()))
        metadata.setdefault("creationTimestamp", _now())
        return self._bump(obj)

    def _bump(self, obj: dict[str, Any]) -> dict[str, Any]:
        self._resource_version += 1
        obj["metadata"]["resourceVersion"] = str(self._resource_version)
        return obj

    def _settle_statefulset(self, obj: dict[str, Any]) -> None:
        wanted = int((obj.get("spec") or {}).get("replicas", 1))
        obj["status"] = {"observedGeneration": obj["metadata"].get("generation", 1), "replicas": wanted,
                         "readyReplicas": wanted, "currentReplicas": wanted, "updatedReplicas": wanted,
                         "availableReplicas": wanted}
        self._bump(obj)

    def _statefulset_controller(self, obj: dict[str, Any]) -> None:
        namespace, name = obj["metadata"]["namespace"], obj["metadata"]["name"]
        spec = obj.get("spec") or {}
        wanted = int(spec.get("replicas", 1))
        claims = self._store[("api/v1", "persistentvolumeclaims")]
        for ordinal in range(wanted):
            for template in spec.get("volumeClaimTemplates") or []:
                claim_name = f"{template['metadata']['name']}-{name}-{ordinal}"
                if (namespace, claim_name) not in claims:
                    claims[(namespace, claim_name)] = self._stamp({
                        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
                        "metadata": {"name": claim_name, "namespace": namespace, "labels": {"app": name}},
                        "spec": copy.deepcopy(template.get("spec") or {}), "status": {"phase": "Bound"}})
        if self.auto_ready:
            self._settle_statefulset(obj)
        else:
            previous = obj.get("status") or {}
            # The controller has seen the spec; pods exist but are not ready; stopping pods linger.
            obj["status"] = {"observedGeneration": obj["metadata"].get("generation", 1),
                             "replicas": max(wanted, int(previous.get("replicas") or 0)), "readyReplicas": 0,
                             "currentReplicas": wanted, "updatedReplicas": wanted}

    def _cluster_controller(self, obj: dict[str, Any]) -> None:
        if self.kubeblocks != "immediate":
            obj.setdefault("status", {}).setdefault("phase", "Creating")
            return
        components = (obj.get("spec") or {}).get("componentSpecs") or [{}]
        stopped = int(components[0].get("replicas", 1)) == 0
        obj["status"] = {"phase": "Stopped" if stopped else "Running"}
        namespace, name = obj["metadata"]["namespace"], obj["metadata"]["name"]
        if not stopped:
            self.publish_credentials(namespace, name)

    def _after_write(self, key: tuple[str, str], obj: dict[str, Any]) -> None:
        if key == ("apis/apps/v1", "statefulsets"):
            self._statefulset_controller(obj)
        elif key == KUBEBLOCKS:
            self._cluster_controller(obj)

    def _after_delete(self, key: tuple[str, str], namespace: str, name: str) -> None:
        if key == ("apis/apps/v1", "statefulsets"):
            pods = self._store[("api/v1", "pods")]
            for pod_key in [k for k in pods if k[0] == namespace and k[1].startswith(f"{name}-")]:
                del pods[pod_key]
        elif key == KUBEBLOCKS:
            secrets_store = self._store[("api/v1", "secrets")]
            for secret_name in (f"{name}-conn-credential", f"{name}-postgresql-account-postgres"):
                secrets_store.pop((namespace, secret_name), None)

    # ------------------------------------------------ internals: HTTP

    def _serve(self, handler: _Handler) -> None:
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        entry = LoggedRequest(method=handler.command, path=split.path, query=parse_qs(split.query),
                              content_type=handler.headers.get("Content-Type", ""), body=body,
                              user_agent=handler.headers.get("User-Agent", ""), started=time.time())
        with self._lock:
            self.requests.append(entry)
            fault = next((f for f in self._faults if f.matches(entry.method, entry.path)), None)
            if fault is not None:
                fault.times -= 1
        if split.path.startswith("/_fake/"):
            code, document = self._admin(entry)
            self._answer(handler, entry, code, document)
            return
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                entry.finished = time.time()
                handler.close_connection = True
                handler.connection.shutdown(socket.SHUT_RDWR)
                return
            if fault.raw_body is not None:
                entry.status, entry.finished = 200, time.time()
                handler.send_raw(200, fault.raw_body)
                return
            if fault.status is not None:
                self._answer(handler, entry, fault.status,
                             status_body(fault.status, fault.reason or "InternalError", fault.message))
                return
        try:
            code, document = self._dispatch(handler, entry, body)
        except ApiError as error:
            code, document = error.code, status_body(error.code, error.reason, error.message)
        self._answer(handler, entry, code, document)

    def _answer(self, handler: _Handler, entry: LoggedRequest, code: int, document: Any) -> None:
        entry.status, entry.finished = code, time.time()
        handler.send_json(code, document)

    def _admin(self, entry: LoggedRequest) -> tuple[int, Any]:
        if entry.path == "/_fake/requests":
            with self._lock:
                return 200, [dataclasses.asdict(item) for item in self.requests]
        if entry.path == "/_fake/reset" and entry.method == "POST":
            with self._lock:
                self.requests.clear()
                for store in self._store.values():
                    store.clear()
            return 200, {"reset": True}
        return 404, status_body(404, "NotFound", "no such admin route")

    def _dispatch(self, handler: _Handler, entry: LoggedRequest, body: Any) -> tuple[int, Any]:
        authorization = handler.headers.get("Authorization", "")
        if not authorization.startswith("Bearer ") or authorization[len("Bearer "):] not in self.tokens:
            raise ApiError(401, "Unauthorized", "Unauthorized")
        if entry.path.rstrip("/") == "/version":
            return 200, {"major": "1", "minor": "30", "gitVersion": "v1.30.0-fake", "platform": "linux/amd64"}
        match = _PATH.match(entry.path)
        if not match:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        prefix, namespace, plural, name, subresource = match.groups()
        key = (prefix, plural)
        if key not in TYPES or (key == KUBEBLOCKS and not self.kubeblocks_installed):
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        rtype = TYPES[key]
        if namespace not in self.namespaces:
            verb = {"GET": "get" if name else "list", "POST": "create", "PUT": "update", "PATCH": "patch",
                    "DELETE": "delete"}[entry.method]
            raise ApiError(403, "Forbidden", f'{rtype.qualified} is forbidden: User "fake-user" cannot {verb} '
                                             f'resource "{plural}" in API group "{rtype.group}" in the namespace '
                                             f'"{namespace}"')
        with self._lock:
            if name is None:
                if entry.method == "GET":
                    return 200, self._list(rtype, key, namespace, entry.query)
                if entry.method == "POST":
                    return 201, self._create(rtype, key, namespace, body)
                raise ApiError(405, "MethodNotAllowed", "method not allowed")
            store = self._store[key]
            current = store.get((namespace, name))
            if current is None:
                raise ApiError(404, "NotFound", f'{rtype.qualified} "{name}" not found')
            if entry.method == "GET":
                return 200, copy.deepcopy(current)
            if entry.method == "DELETE":
                del store[(namespace, name)]
                self._after_delete(key, namespace, name)
                return 200, {"kind": "Status", "apiVersion": "v1", "status": "Success",
                             "details": {"name": name, "kind": plural, "uid": current["metadata"]["uid"]}}
            if entry.method in ("PUT", "PATCH"):
                return 200, self._update(rtype, key, current, entry, body, subresource == "status")
        raise ApiError(405, "MethodNotAllowed", "method not allowed")

    def _list(self, rtype: ResourceType, key: tuple[str, str], namespace: str, query: dict[str, list[str]]) -> dict:
        labels = _label_matcher(query.get("labelSelector", [""])[0])
        fields = _field_matcher(query.get("fieldSelector", [""])[0])
        items = [copy.deepcopy(obj) for (ns, _), obj in sorted(self._store[key].items())
                 if ns == namespace and labels((obj.get("metadata") or {}).get("labels") or {}) and fields(obj)]
        limit = int(query.get("limit", ["0"])[0] or 0)
        if limit:
            items = items[:limit]
        return {"kind": f"{rtype.kind}List", "apiVersion": rtype.api_version,
                "metadata": {"resourceVersion": str(self._resource_version)}, "items": items}

    def _create(self, rtype: ResourceType, key: tuple[str, str], namespace: str, body: Any) -> dict:
        if not isinstance(body, dict):
            raise ApiError(400, "BadRequest", "the body of a create must be an object")
        obj = copy.deepcopy(body)
        metadata = obj.setdefault("metadata", {})
        if metadata.get("namespace") not in (None, namespace):
            raise ApiError(400, "BadRequest", "the namespace of the provided object does not match the namespace "
                                              "sent on the request")
        _validate_object(rtype, obj)
        if (namespace, metadata["name"]) in self._store[key]:
            raise ApiError(409, "AlreadyExists", f'{rtype.qualified} "{metadata["name"]}" already exists')
        metadata["namespace"] = namespace
        metadata["generation"] = 1
        obj.setdefault("apiVersion", rtype.api_version)
        obj.setdefault("kind", rtype.kind)
        obj.pop("status", None)
        self._store[key][(namespace, metadata["name"])] = self._stamp(obj)
        self._after_write(key, obj)
        return copy.deepcopy(obj)

    def _update(self, rtype: ResourceType, key: tuple[str, str], current: dict, entry: LoggedRequest, body: Any,
                status_only: bool) -> dict:
        if entry.method == "PUT":
            updated = copy.deepcopy(body) if isinstance(body, dict) else None
            if updated is None:
                raise ApiError(400, "BadRequest", "the body of a replace must be an object")
        elif "json-patch" in entry.content_type:
            updated = apply_json_patch(current, body)
        elif "merge-patch" in entry.content_type:  # JSON merge patch; strategic merge treated alike
            updated = apply_merge_patch(current, body)
        else:
            raise ApiError(415, "UnsupportedMediaType", f"unsupported patch type {entry.content_type!r}")
        sent_version = (updated.get("metadata") or {}).get("resourceVersion")
        if sent_version not in (None, current["metadata"]["resourceVersion"]):
            raise ApiError(409, "Conflict", f'Operation cannot be fulfilled on {rtype.qualified} '
                                            f'"{current["metadata"]["name"]}": the object has been modified; please '
                                            "apply your changes to the latest version and try again")
        if status_only:
            current["status"] = updated.get("status") or {}
            return copy.deepcopy(self._bump(current))
        updated["metadata"] = {**current["metadata"], **(updated.get("metadata") or {})}
        for fixed in ("name", "namespace", "uid", "creationTimestamp"):
            updated["metadata"][fixed] = current["metadata"][fixed]
        _validate_object(rtype, updated)
        updated["status"] = current.get("status") or {}
        if updated.get("spec") != current.get("spec"):
            updated["metadata"]["generation"] = int(current["metadata"].get("generation", 1)) + 1
        self._store[key][(current["metadata"]["namespace"], current["metadata"]["name"])] = updated
        self._bump(updated)
        if updated.get("spec") != current.get("spec"):
            self._after_write(key, updated)
        return copy.deepcopy(updated)


def main() -> None:
    parser = argparse.ArgumentParser(description="in-memory Kubernetes API server for tests and benchmarks")
    parser.add_argument("--namespace", action="append", default=[])
    parser.add_argument("--token", default=secrets.token_hex(8))
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--auto-ready", action="store_true")
    args = parser.parse_args()
    fake = FakeKubernetes(namespaces=args.namespace or ["ns-test"], token=args.token, auto_ready=args.auto_ready)
    fake.start(args.port)
    print(fake.port, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
