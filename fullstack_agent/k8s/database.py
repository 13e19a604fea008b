"""The KubeBlocks PostgreSQL cluster of a project (SPEC §6.4) and its connection URL."""

from __future__ import annotations

import base64
import binascii
import dataclasses
from typing import Any
from urllib.parse import quote

from fullstack_agent.k8s import manifests, names, objects
from fullstack_agent.k8s.api import (
    KUBEBLOCKS_CLUSTERS,
    ROLE_BINDINGS,
    ROLES,
    SECRETS,
    SERVICE_ACCOUNTS,
    KubeApi,
)
from fullstack_agent.k8s.errors import FailureKind, KubeOperationError, is_not_found
from fullstack_agent.k8s.objects import Observation
from fullstack_agent.models import Database, ResourceStatus

DEFAULT_PORT = 5432
DEFAULT_DATABASE = "postgres"  # the only database KubeBlocks creates

_PHASES = {
    "Stopping": ResourceStatus.STOPPING,
    "Stopped": ResourceStatus.STOPPED,
    "Deleting": ResourceStatus.TERMINATING,
    "Failed": ResourceStatus.ERROR,
    "Abnormal": ResourceStatus.ERROR,
}


@dataclasses.dataclass(frozen=True)
class DatabaseCredentials:
    host: str
    port: int
    username: str
    password: str
    database: str = DEFAULT_DATABASE

    @property
    def url(self) -> str:
        return build_database_url(self)


def build_database_url(credentials: DatabaseCredentials) -> str:
    """`postgresql://user:password@host:port/postgres`, user and password percent-encoded,
    no Prisma-only query parameters (libpq and psycopg reject them)."""
    user = quote(credentials.username, safe="")
    password = quote(credentials.password, safe="")
    return f"postgresql://{user}:{password}@{credentials.host}:{credentials.port}/{credentials.database}"


def component_replicas(cluster: dict[str, Any]) -> int | None:
    components = (cluster.get("spec") or {}).get("componentSpecs") or []
    if not components or not isinstance(components[0], dict):
        return None
    return int(components[0].get("replicas", 1) or 0)


def observe(cluster: dict[str, Any] | None, *, credentials_ready: bool) -> Observation:
    """SPEC §6.5: the Cluster's phase mapped to our status; Running counts only once the
    credentials can be read."""
    if cluster is None:
        return Observation(ResourceStatus.TERMINATED, "the database cluster does not exist")
    if (cluster.get("metadata") or {}).get("deletionTimestamp"):
        return Observation(ResourceStatus.TERMINATING, "the database cluster is being deleted")
    phase = str((cluster.get("status") or {}).get("phase") or "")
    stopped_spec = component_replicas(cluster) == 0
    if phase == "Running":
        if credentials_ready:
            return Observation(ResourceStatus.RUNNING)
        return Observation(ResourceStatus.STARTING, "waiting for the database credentials")
    if phase in _PHASES:
        return Observation(_PHASES[phase], f"KubeBlocks reports the cluster {phase}")
    if phase in ("Creating", "Updating"):
        status = ResourceStatus.STOPPING if stopped_spec else ResourceStatus.STARTING
        return Observation(status, f"KubeBlocks reports the cluster {phase}")
    return Observation(ResourceStatus.STOPPED if stopped_spec else ResourceStatus.STARTING,
                       "waiting for KubeBlocks")


def _decoded(data: dict[str, Any], key: str) -> str:
    raw = data.get(key)
    if not isinstance(raw, str) or not raw:
        return ""
    try:
        return base64.b64decode(raw, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ""


def credentials_from_secret(database: Database, secret: dict[str, Any]) -> DatabaseCredentials | None:
    """Credentials from a KubeBlocks Secret; None while KubeBlocks has not filled it yet.

    The host becomes the namespace-qualified service name so the URL works from any namespace;
    the account Secret of newer KubeBlocks has no host or port, which default to the
    component's service.
    """
    data = secret.get("data") or {}
    if not isinstance(data, dict):
        return None
    username, password = _decoded(data, "username"), _decoded(data, "password")
    if not username or not password:
        return None
    host = _decoded(data, "host") or f"{database.cluster_name}-postgresql"
    if "." not in host:
        host = f"{host}.{database.k8s_namespace}.svc"
    port_text = _decoded(data, "port")
    port = int(port_text) if port_text.isdigit() else DEFAULT_PORT
    return DatabaseCredentials(host=host, port=port, username=username, password=password)


class DatabaseManager:
    """Talks to the Kubernetes API for one user's database clusters; every call is idempotent."""

    def __init__(self, client: KubeApi) -> None:
        self.client = client

    def create(self, database: Database, project_slug: str, storage_class: str) -> list[str]:
        """ServiceAccount, Role and RoleBinding first, then the Cluster; existing ones are kept.

        A 404 on the Cluster means the KubeBlocks API is not installed: a permanent failure.
        """
        namespace = database.k8s_namespace
        created = [kind for kind, resource, body in (
            ("ServiceAccount", SERVICE_ACCOUNTS, manifests.service_account(database, project_slug)),
            ("Role", ROLES, manifests.role(database, project_slug)),
            ("RoleBinding", ROLE_BINDINGS, manifests.role_binding(database, project_slug)),
        ) if objects.create(self.client, resource, namespace, body)]
        try:
            if objects.create(self.client, KUBEBLOCKS_CLUSTERS, namespace,
                              manifests.cluster(database, project_slug, storage_class)):
                created.append("Cluster")
        except Exception as error:
            if is_not_found(error):
                raise KubeOperationError(
                    FailureKind.PERMANENT,
                    "KubeBlocks is not installed in this cluster (clusters.apps.kubeblocks.io not found)") from None
            raise
        return created

    def read(self, database: Database) -> dict[str, Any] | None:
        return objects.read(self.client, KUBEBLOCKS_CLUSTERS, database.k8s_namespace, database.cluster_name)

    def scale(self, database: Database, cluster: dict[str, Any], replicas: int) -> bool:
        """Sets the component's replicas (0 = stop, 1 = start); True when a patch was sent."""
        current = component_replicas(cluster)
        if current is None or current == replicas:
            return False
        self.client.patch(KUBEBLOCKS_CLUSTERS, database.k8s_namespace, database.cluster_name,
                          [{"op": "replace", "path": "/spec/componentSpecs/0/replicas", "value": replicas}])
        return True

    def read_credentials(self, database: Database) -> DatabaseCredentials | None:
        """From `{cluster}-conn-credential`, else `{cluster}-postgresql-account-postgres`;
        None while neither holds a username and password."""
        for secret_name in names.credential_secret_names(database.cluster_name):
            secret = objects.read(self.client, SECRETS, database.k8s_namespace, secret_name)
            if secret is not None:
                credentials = credentials_from_secret(database, secret)
                if credentials is not None:
                    return credentials
        return None

    def delete(self, database: Database, cluster: dict[str, Any] | None) -> None:
        """Deletes the Cluster (unless already being deleted) and its RBAC objects (404 = gone).
        KubeBlocks' `Delete` termination policy removes the data volumes."""
        namespace, name = database.k8s_namespace, database.cluster_name
        if cluster is not None and not (cluster.get("metadata") or {}).get("deletionTimestamp"):
            objects.delete(self.client, KUBEBLOCKS_CLUSTERS, namespace, name)
        for resource in (ROLE_BINDINGS, ROLES, SERVICE_ACCOUNTS):
            objects.delete(self.client, resource, namespace, name)

    def latest_event(self, database: Database) -> str:
        return objects.latest_pod_event(self.client, database.k8s_namespace,
                                        names.database_pod_name(database.cluster_name))
