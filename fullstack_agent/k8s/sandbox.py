"""The sandbox's objects in the user's namespace (SPEC §6.3): create, converge, observe, delete."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from fullstack_agent.k8s import manifests, names, objects
from fullstack_agent.k8s.client import KubeClient
from fullstack_agent.k8s.objects import Observation
from fullstack_agent.models import ResourceStatus, Sandbox

JSON_PATCH = "application/json-patch+json"


@dataclasses.dataclass(frozen=True)
class DesiredSandbox:
    """Everything a sandbox's objects are built from besides its row."""

    project_slug: str
    env: Mapping[str, str]
    kubeconfig: str
    system_prompt: str


def observe(statefulset: dict[str, Any] | None) -> Observation:
    """SPEC §6.5: missing → TERMINATED; 0 replicas → STOPPED once no pod remains, else
    STOPPING; otherwise RUNNING when the controller has seen the current spec and every
    replica is ready, current and updated, else STARTING."""
    if statefulset is None:
        return Observation(ResourceStatus.TERMINATED, "the StatefulSet does not exist")
    if (statefulset.get("metadata") or {}).get("deletionTimestamp"):
        return Observation(ResourceStatus.TERMINATING, "the StatefulSet is being deleted")
    spec, status = statefulset.get("spec") or {}, statefulset.get("status") or {}
    wanted = int(spec.get("replicas", 1) or 0)
    pods = int(status.get("replicas") or 0)
    if wanted == 0:
        if pods == 0:
            return Observation(ResourceStatus.STOPPED)
        return Observation(ResourceStatus.STOPPING, f"{pods} pod(s) still shutting down")
    ready = int(status.get("readyReplicas") or 0)
    observed = int(status.get("observedGeneration") or 0) >= int((statefulset.get("metadata") or {}).get("generation") or 0)
    settled = all(int(status.get(field) or 0) == wanted for field in ("readyReplicas", "currentReplicas", "updatedReplicas"))
    if observed and settled and pods == wanted:
        return Observation(ResourceStatus.RUNNING)
    return Observation(ResourceStatus.STARTING, f"{ready}/{wanted} ready")


def _container_index(pod_spec: dict[str, Any], field: str, name: str) -> int | None:
    for index, container in enumerate(pod_spec.get(field) or []):
        if isinstance(container, dict) and container.get("name") == name:
            return index
    return None


class SandboxManager:
    """Talks to the Kubernetes API for one user's sandboxes; every call is idempotent."""

    def __init__(self, client: KubeClient) -> None:
        self.client = client

    def create(self, sandbox: Sandbox, desired: DesiredSandbox) -> list[str]:
        """Creates the StatefulSet, the Service and both Ingresses; existing ones are kept.

        Returns the kinds it actually created (409 AlreadyExists counts as done).
        """
        client, namespace, slug = self.client, sandbox.k8s_namespace, desired.project_slug
        steps = [
            ("StatefulSet", client.apps.create_namespaced_stateful_set,
             manifests.statefulset(sandbox, slug, desired.env, desired.kubeconfig, desired.system_prompt)),
            ("Service", client.core.create_namespaced_service, manifests.service(sandbox, slug)),
            ("Ingress app", client.networking.create_namespaced_ingress, manifests.app_ingress(sandbox, slug)),
            ("Ingress ttyd", client.networking.create_namespaced_ingress, manifests.ttyd_ingress(sandbox, slug)),
        ]
        return [kind for kind, method, body in steps if objects.create(client, method, namespace, body)]

    def read(self, sandbox: Sandbox) -> dict[str, Any] | None:
        return objects.read(self.client, self.client.apps.read_namespaced_stateful_set,
                            sandbox.sandbox_name, sandbox.k8s_namespace)

    def ensure_companions(self, sandbox: Sandbox, project_slug: str) -> list[str]:
        """Re-creates a missing Service or Ingress (a start after ERROR repairs everything)."""
        client, namespace, name = self.client, sandbox.k8s_namespace, sandbox.sandbox_name
        checks = [
            ("Service", client.core.read_namespaced_service, names.service_name(name),
             client.core.create_namespaced_service, manifests.service(sandbox, project_slug)),
            ("Ingress app", client.networking.read_namespaced_ingress, names.app_ingress_name(name),
             client.networking.create_namespaced_ingress, manifests.app_ingress(sandbox, project_slug)),
            ("Ingress ttyd", client.networking.read_namespaced_ingress, names.ttyd_ingress_name(name),
             client.networking.create_namespaced_ingress, manifests.ttyd_ingress(sandbox, project_slug)),
        ]
        created = []
        for kind, read_method, object_name, create_method, body in checks:
            if objects.read(client, read_method, object_name, namespace) is None:
                if objects.create(client, create_method, namespace, body):
                    created.append(kind)
        return created

    def converge(self, sandbox: Sandbox, statefulset: dict[str, Any], *, replicas: int,
                 desired: DesiredSandbox | None) -> bool:
        """Patches replicas and, given `desired`, both containers' environment where they
        differ — one JSON patch, so removed variables disappear. True when a patch was sent."""
        spec = statefulset.get("spec") or {}
        pod_spec = ((spec.get("template") or {}).get("spec")) or {}
        operations: list[dict[str, Any]] = []
        if spec.get("replicas") != replicas:
            operations.append({"op": "replace", "path": "/spec/replicas", "value": replicas})
        wanted_env = [] if desired is None else [
            ("containers", sandbox.sandbox_name, manifests.env_list(desired.env)),
            ("initContainers", manifests.INIT_CONTAINER, manifests.init_env(desired.kubeconfig, desired.system_prompt)),
        ]
        for field, container_name, env in wanted_env:
            index = _container_index(pod_spec, field, container_name)
            if index is not None and (pod_spec[field][index].get("env") or []) != env:
                # "add" replaces an existing member and also works when `env` is absent.
                operations.append({"op": "add", "path": f"/spec/template/spec/{field}/{index}/env", "value": env})
        if not operations:
            return False
        self.client.call(self.client.apps.patch_namespaced_stateful_set, sandbox.sandbox_name,
                         sandbox.k8s_namespace, operations, _content_type=JSON_PATCH)
        return True

    def scale(self, sandbox: Sandbox, statefulset: dict[str, Any], replicas: int) -> bool:
        return self.converge(sandbox, statefulset, replicas=replicas, desired=None)

    def delete(self, sandbox: Sandbox) -> None:
        """Deletes every object of the sandbox including its home volume claim (404 = gone)."""
        client, namespace, name = self.client, sandbox.k8s_namespace, sandbox.sandbox_name
        for method, object_name in (
            (client.apps.delete_namespaced_stateful_set, name),
            (client.core.delete_namespaced_service, names.service_name(name)),
            (client.networking.delete_namespaced_ingress, names.app_ingress_name(name)),
            (client.networking.delete_namespaced_ingress, names.ttyd_ingress_name(name)),
            (client.core.delete_namespaced_persistent_volume_claim, names.home_pvc_name(name)),
        ):
            objects.delete(client, method, object_name, namespace)

    def latest_event(self, sandbox: Sandbox) -> str:
        return objects.latest_pod_event(self.client, sandbox.k8s_namespace, names.sandbox_pod_name(sandbox.sandbox_name))
