"""The sandbox's objects in the user's namespace (SPEC §6.3): create, converge, observe, delete."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from fullstack_agent.k8s import manifests, names, objects
from fullstack_agent.k8s.api import INGRESSES, PERSISTENT_VOLUME_CLAIMS, SERVICES, STATEFULSETS, KubeApi
from fullstack_agent.k8s.objects import Observation
from fullstack_agent.models import ResourceStatus, Sandbox

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

    def __init__(self, client: KubeApi) -> None:
        self.client = client

    def create(self, sandbox: Sandbox, desired: DesiredSandbox) -> list[str]:
        """Creates the StatefulSet, the Service and both Ingresses; existing ones are kept.

        Returns the kinds it actually created (409 AlreadyExists counts as done).
        """
        slug = desired.project_slug
        steps = [
            ("StatefulSet", STATEFULSETS, manifests.statefulset(sandbox, slug, desired.env, desired.kubeconfig,
                                                                desired.system_prompt)),
            ("Service", SERVICES, manifests.service(sandbox, slug)),
            ("Ingress app", INGRESSES, manifests.app_ingress(sandbox, slug)),
            ("Ingress ttyd", INGRESSES, manifests.ttyd_ingress(sandbox, slug)),
        ]
        return [kind for kind, resource, body in steps
                if objects.create(self.client, resource, sandbox.k8s_namespace, body)]

    def read(self, sandbox: Sandbox) -> dict[str, Any] | None:
        return objects.read(self.client, STATEFULSETS, sandbox.k8s_namespace, sandbox.sandbox_name)

    def ensure_companions(self, sandbox: Sandbox, project_slug: str) -> list[str]:
        """Re-creates a missing Service or Ingress (a start after ERROR repairs everything)."""
        namespace, name = sandbox.k8s_namespace, sandbox.sandbox_name
        checks = [
            ("Service", SERVICES, names.service_name(name), manifests.service(sandbox, project_slug)),
            ("Ingress app", INGRESSES, names.app_ingress_name(name), manifests.app_ingress(sandbox, project_slug)),
            ("Ingress ttyd", INGRESSES, names.ttyd_ingress_name(name), manifests.ttyd_ingress(sandbox, project_slug)),
        ]
        return [kind for kind, resource, object_name, body in checks
                if objects.read(self.client, resource, namespace, object_name) is None
                and objects.create(self.client, resource, namespace, body)]

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
        self.client.patch(STATEFULSETS, sandbox.k8s_namespace, sandbox.sandbox_name, operations)
        return True

    def scale(self, sandbox: Sandbox, statefulset: dict[str, Any], replicas: int) -> bool:
        return self.converge(sandbox, statefulset, replicas=replicas, desired=None)

    def delete(self, sandbox: Sandbox) -> None:
        """Deletes every object of the sandbox including its home volume claim (404 = gone)."""
        namespace, name = sandbox.k8s_namespace, sandbox.sandbox_name
        for resource, object_name in (
            (STATEFULSETS, name),
            (SERVICES, names.service_name(name)),
            (INGRESSES, names.app_ingress_name(name)),
            (INGRESSES, names.ttyd_ingress_name(name)),
            (PERSISTENT_VOLUME_CLAIMS, names.home_pvc_name(name)),
        ):
            objects.delete(self.client, resource, namespace, object_name)

    def latest_event(self, sandbox: Sandbox) -> str:
        return objects.latest_pod_event(self.client, sandbox.k8s_namespace, names.sandbox_pod_name(sandbox.sandbox_name))
