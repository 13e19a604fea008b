"""The in-memory API server answers the official client like a real one (typed APIs included)."""

from __future__ import annotations

import pytest
from kubernetes.client import AppsV1Api, CoreV1Api
from kubernetes.client.exceptions import ApiException

from fullstack_agent.k8s.api import STATEFULSETS
from fullstack_agent.k8s.client import KubeClient
from tests.engine.conftest import NAMESPACE
from tests.support.fake_k8s import FakeKubernetes

STATEFULSET = {
    "apiVersion": "apps/v1", "kind": "StatefulSet",
    "metadata": {"name": "web", "labels": {"tier": "front"}},
    "spec": {"replicas": 1, "serviceName": "web", "selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "web", "image": "i"}]}},
             "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"]}}]},
}


@pytest.fixture
def server():
    with FakeKubernetes(namespaces=[NAMESPACE], auto_ready=False) as fake:
        yield fake, KubeClient(fake.kubeconfig(NAMESPACE))


def _status(call) -> tuple[int, str]:
    with pytest.raises(ApiException) as raised:
        call()
    import json
    return raised.value.status, json.loads(raised.value.body)["reason"]


def test_typed_calls_deserialise(server):
    fake, client = server
    apps = AppsV1Api(client.api_client)
    created = apps.create_namespaced_stateful_set(NAMESPACE, STATEFULSET, _request_timeout=5)
    assert created.metadata.generation == 1 and created.metadata.resource_version
    assert created.status.ready_replicas == 0
    fake.mark_ready(NAMESPACE, "web")
    assert apps.read_namespaced_stateful_set("web", NAMESPACE, _request_timeout=5).status.ready_replicas == 1
    assert [s.metadata.name for s in apps.list_namespaced_stateful_set(NAMESPACE, _request_timeout=5).items] == ["web"]
    assert CoreV1Api(client.api_client).list_namespaced_pod(NAMESPACE, limit=1, _request_timeout=5).items == []
    assert _status(lambda: apps.create_namespaced_stateful_set(NAMESPACE, STATEFULSET, _request_timeout=5)) == (
        409, "AlreadyExists")
    assert _status(lambda: apps.read_namespaced_stateful_set("nope", NAMESPACE, _request_timeout=5)) == (
        404, "NotFound")


def test_validation_versions_patches_and_selectors(server):
    fake, client = server
    created = client.create(STATEFULSETS, NAMESPACE, STATEFULSET)
    assert fake.get("persistentvolumeclaims", NAMESPACE, "data-web-0") is not None

    bad_name = {**STATEFULSET, "metadata": {"name": "Bad_Name"}}
    assert _status(lambda: client.create(STATEFULSETS, NAMESPACE, bad_name)) == (422, "Invalid")
    bad_label = {**STATEFULSET, "metadata": {"name": "x", "labels": {"a": "not ok!"}}}
    assert _status(lambda: client.create(STATEFULSETS, NAMESPACE, bad_label)) == (422, "Invalid")
    mismatched = {"metadata": {"name": "web2"},
                  "spec": {**STATEFULSET["spec"], "selector": {"matchLabels": {"app": "other"}}}}
    assert _status(lambda: client.create(STATEFULSETS, NAMESPACE, mismatched)) == (422, "Invalid")

    stale = {**created, "metadata": {**created["metadata"], "resourceVersion": "1"}}
    assert _status(lambda: client.request("PUT", STATEFULSETS.path(NAMESPACE, "web"), body=stale)) == (
        409, "Conflict")
    replaced = client.request("PUT", STATEFULSETS.path(NAMESPACE, "web"), body=created)
    assert int(replaced["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])

    patched = client.patch(STATEFULSETS, NAMESPACE, "web", [{"op": "replace", "path": "/spec/replicas", "value": 0}])
    assert patched["spec"]["replicas"] == 0 and patched["metadata"]["generation"] == 2
    assert _status(lambda: client.patch(STATEFULSETS, NAMESPACE, "web",
                                        [{"op": "test", "path": "/spec/replicas", "value": 5}])) == (422, "Invalid")
    for content_type in ("application/merge-patch+json", "application/strategic-merge-patch+json"):
        merged = client.request("PATCH", STATEFULSETS.path(NAMESPACE, "web"), content_type=content_type,
                                body={"metadata": {"labels": {"tier": None, "x": "y"}}})
        assert merged["metadata"]["labels"] == {"x": "y"}

    def names(selector: str) -> list[str]:
        return [item["metadata"]["name"] for item in client.list(STATEFULSETS, NAMESPACE, labelSelector=selector)["items"]]

    assert names("x=y") == names("x in (a,y)") == names("x") == ["web"]
    assert names("x!=y") == names("!x") == names("x notin (y)") == []
    assert _status(lambda: names("x=(")) == (400, "BadRequest")

    status = client.request("PATCH", STATEFULSETS.path(NAMESPACE, "web") + "/status",
                            content_type="application/merge-patch+json", body={"status": {"readyReplicas": 7}})
    assert status["status"]["readyReplicas"] == 7 and status["spec"]["replicas"] == 0

    client.delete(STATEFULSETS, NAMESPACE, "web")
    assert _status(lambda: client.delete(STATEFULSETS, NAMESPACE, "web")) == (404, "NotFound")
    assert fake.get("persistentvolumeclaims", NAMESPACE, "data-web-0") is not None  # claims are ours to delete


def test_auth_namespaces_faults_and_log(server):
    fake, client = server
    stranger = KubeClient(fake.kubeconfig(NAMESPACE, token="wrong"))
    assert _status(lambda: stranger.list(STATEFULSETS, NAMESPACE)) == (401, "Unauthorized")
    assert _status(lambda: client.list(STATEFULSETS, "kube-system")) == (403, "Forbidden")

    fake.inject("GET", r"/statefulsets$", status=503, reason="ServiceUnavailable", times=2)
    assert _status(lambda: client.list(STATEFULSETS, NAMESPACE)) == (503, "ServiceUnavailable")
    assert _status(lambda: client.list(STATEFULSETS, NAMESPACE)) == (503, "ServiceUnavailable")
    assert client.list(STATEFULSETS, NAMESPACE)["items"] == []

    log = [(entry.method, entry.path, entry.status) for entry in fake.requests]
    assert log[-1] == ("GET", f"/apis/apps/v1/namespaces/{NAMESPACE}/statefulsets", 200)
    assert [status for _, _, status in log] == [401, 403, 503, 503, 200]
    assert all(entry.finished >= entry.started for entry in fake.requests)


def test_kubeblocks_plays_its_part():
    with FakeKubernetes(namespaces=[NAMESPACE], kubeblocks="manual") as fake:
        client = KubeClient(fake.kubeconfig(NAMESPACE))
        from fullstack_agent.k8s.api import KUBEBLOCKS_CLUSTERS, SECRETS
        client.create(KUBEBLOCKS_CLUSTERS, NAMESPACE, {"metadata": {"name": "db"},
                                                      "spec": {"componentSpecs": [{"replicas": 1}]}})
        assert client.get(KUBEBLOCKS_CLUSTERS, NAMESPACE, "db")["status"]["phase"] == "Creating"
        fake.set_cluster_phase(NAMESPACE, "db", "Running")
        fake.publish_credentials(NAMESPACE, "db")
        assert client.get(SECRETS, NAMESPACE, "db-conn-credential")["data"]["username"]
        client.delete(KUBEBLOCKS_CLUSTERS, NAMESPACE, "db")
        assert fake.objects("secrets", NAMESPACE) == {}
