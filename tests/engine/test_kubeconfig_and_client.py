"""Kubeconfig validation (the Settings page's check), the per-user client and error classes."""

from __future__ import annotations

import re

import pytest
import urllib3

from fullstack_agent.k8s import errors
from fullstack_agent.k8s.client import ClientCache, KubeClient
from fullstack_agent.k8s.errors import FailureKind, classify
from fullstack_agent.k8s.kubeconfig import KubeconfigError, parse_kubeconfig, validate_kubeconfig
from fullstack_agent.k8s.api import SERVICES, STATEFULSETS
from fullstack_agent.k8s.objects import create, read
from tests.engine.conftest import NAMESPACE
from tests.support.net import free_port

pytestmark = pytest.mark.usefixtures("engine_settings")


def _kubeconfig(context: str = "    namespace: ns-alice\n", user: str = "    token: t\n",
                cluster: str = "    server: https://api.example:6443\n", current: str = "c") -> str:
    return (f"apiVersion: v1\nclusters:\n- name: k\n  cluster:\n{cluster}"
            f"contexts:\n- name: c\n  context:\n    cluster: k\n    user: u\n{context}"
            f"current-context: {current}\nusers:\n- name: u\n  user:\n{user}")


def test_a_good_kubeconfig_parses():
    info = parse_kubeconfig(_kubeconfig()).info
    assert (info.namespace, info.server, info.server_host, info.context) == (
        "ns-alice", "https://api.example:6443", "api.example", "c")


@pytest.mark.parametrize("text, message", [
    ("", "The kubeconfig is empty."),
    ("clusters: [\n", "not valid YAML (line 2)"),
    ("- just\n- a list\n", "not a YAML mapping"),
    ("expires: 2024-13-45\n", "not valid YAML"),  # a date YAML accepts and Python refuses
    ("a: " + "[" * 5000 + "]" * 5000 + "\n", "not valid YAML"),
    (_kubeconfig(current='""'), "has no current-context"),
    (_kubeconfig(current="other"), 'current context "other" is not defined'),
    (_kubeconfig(context=""), 'current context "c" has no namespace'),
    (_kubeconfig(context="    namespace: Not_Valid\n"), "not a valid Kubernetes namespace name"),
    (_kubeconfig(cluster="    insecure-skip-tls-verify: true\n"), "has no http(s) server URL"),
    (_kubeconfig(cluster="    server: https://[::1:6443\n"), "has no http(s) server URL"),
    (_kubeconfig(user="    exec:\n      command: /bin/sh\n"), "runs a program (exec)"),
    (_kubeconfig(user="    tokenFile: /var/run/secrets/token\n"), "reads a token file"),
    (_kubeconfig(user="    client-key: /etc/key.pem\n"), "reads a client key file"),
    (_kubeconfig(cluster="    server: https://a:6443\n    certificate-authority: /etc/ca.pem\n"),
     "reads a certificate authority file"),
])
def test_each_problem_has_its_own_message(text, message):
    with pytest.raises(KubeconfigError, match=re.escape(message)) as raised:
        parse_kubeconfig(text)
    assert "token: t" not in str(raised.value)


def test_validation_against_the_api(fake_k8s):
    info = validate_kubeconfig(fake_k8s.kubeconfig(NAMESPACE))
    assert info.namespace == NAMESPACE
    assert [(r.method, r.path) for r in fake_k8s.requests] == [
        ("GET", "/version"), ("GET", f"/api/v1/namespaces/{NAMESPACE}/pods")]


def test_validation_failures_name_the_problem(fake_k8s):
    with pytest.raises(KubeconfigError, match=r"rejected the kubeconfig's credentials \(401"):
        validate_kubeconfig(fake_k8s.kubeconfig(NAMESPACE, token="stolen"))
    with pytest.raises(KubeconfigError, match='No permission to access namespace "ns-carol"'):
        validate_kubeconfig(fake_k8s.kubeconfig("ns-carol"))
    with pytest.raises(KubeconfigError, match=r"Cannot reach the Kubernetes API at .* \(could not connect\)"):
        validate_kubeconfig(fake_k8s.kubeconfig(NAMESPACE, server=f"http://127.0.0.1:{free_port()}"))
    fake_k8s.inject("GET", "/version", delay=1.0)
    with pytest.raises(KubeconfigError, match=r"\(timed out\)"):
        validate_kubeconfig(fake_k8s.kubeconfig(NAMESPACE), timeout=0.2)
    fake_k8s.inject("GET", "/pods", status=500, message="etcd down")
    with pytest.raises(KubeconfigError, match="answered HTTP 500: etcd down"):
        validate_kubeconfig(fake_k8s.kubeconfig(NAMESPACE))


def test_the_client_never_retries_and_always_times_out(fake_k8s):
    client = KubeClient(fake_k8s.kubeconfig(NAMESPACE))
    assert client.api_client.configuration.retries == 0
    assert client.timeout == 1.0
    fake_k8s.inject("GET", "/statefulsets/slow", delay=1.5)
    with pytest.raises(urllib3.exceptions.HTTPError) as raised:
        read(client, STATEFULSETS, NAMESPACE, "slow")
    assert errors.transport_reason(raised.value) == "timed out"
    fake_k8s.inject("GET", "/statefulsets/dropped", drop=True)
    with pytest.raises(urllib3.exceptions.HTTPError):
        read(client, STATEFULSETS, NAMESPACE, "dropped")
    assert len([r for r in fake_k8s.requests if r.path.endswith("/dropped")]) == 1  # not retried


def test_errors_are_classified_by_what_trying_again_can_do(fake_k8s):
    client = KubeClient(fake_k8s.kubeconfig(NAMESPACE))
    body = {"metadata": {"name": "svc"}, "spec": {"ports": [{"port": 80}]}}

    def failure(**fault) -> errors.Failure:
        fake_k8s.inject("POST", "/services$", **fault)
        with pytest.raises(Exception) as raised:
            create(client, SERVICES, NAMESPACE, body)
        return classify(raised.value)

    assert failure(status=500).kind is FailureKind.TRANSIENT
    assert failure(status=429, reason="TooManyRequests").kind is FailureKind.TRANSIENT
    assert failure(status=409, reason="Conflict").kind is FailureKind.TRANSIENT
    assert failure(status=422, reason="Invalid", message="bad").kind is FailureKind.PERMANENT
    assert failure(status=403, reason="Forbidden", message="exceeded quota").message.endswith("exceeded quota")
    assert failure(status=401, reason="Unauthorized").kind is FailureKind.UNAUTHORIZED
    assert failure(drop=True).message == "Kubernetes API unreachable (connection dropped)"
    assert failure(raw_body=b"[1, 2]").message == "Kubernetes sent a malformed answer (the body is not a JSON object)"
    # A real 409 AlreadyExists is success for a create; a 409 Conflict is not.
    assert create(client, SERVICES, NAMESPACE, body) is True
    assert create(client, SERVICES, NAMESPACE, body) is False
    fake_k8s.inject("POST", "/services$", status=409, reason="Conflict")
    with pytest.raises(Exception) as raised:
        create(client, SERVICES, NAMESPACE, body)
    assert errors.api_reason(raised.value) == "Conflict"


def test_the_client_cache_is_bounded_expires_and_follows_new_kubeconfigs(fake_k8s):
    now = [0.0]
    cache = ClientCache(max_entries=2, idle_seconds=60, clock=lambda: now[0])
    first = cache.get("u1", fake_k8s.kubeconfig(NAMESPACE))
    assert cache.get("u1", fake_k8s.kubeconfig(NAMESPACE)) is first
    replaced = cache.get("u1", fake_k8s.kubeconfig(NAMESPACE, token="new"))
    assert replaced is not first and len(cache) == 1  # the old kubeconfig's client is retired
    cache.get("u2", fake_k8s.kubeconfig(NAMESPACE))
    cache.get("u3", fake_k8s.kubeconfig(NAMESPACE))
    assert len(cache) == 2  # bounded: the least recently used went
    assert cache.get("u1", fake_k8s.kubeconfig(NAMESPACE, token="new")) is not replaced
    now[0] = 61
    cache.get("u4", fake_k8s.kubeconfig(NAMESPACE))
    assert len(cache) == 1  # idle entries expired
    with pytest.raises(KubeconfigError):
        cache.get("u5", "not: [valid")
