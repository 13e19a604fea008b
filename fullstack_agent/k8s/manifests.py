"""Manifests of SPEC §6.3 (sandbox) and §6.4 (database): pure functions, row in, dict out.

Names and hosts come from the row (they were generated once and stored); nothing here reads
settings, the clock or the network, so each builder is checked by a golden test.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from fullstack_agent.k8s import names
from fullstack_agent.models import Database, ReconciledResource, Sandbox

SANDBOX_UID = 1001
KUBECONFIG_PATH = f"{names.HOME_PATH}/.kube/config"
# The init container receives the user's kubeconfig under this name and writes it to
# KUBECONFIG_PATH, so `kubectl` in the sandbox works with KUBECONFIG pointing at a file.
INIT_KUBECONFIG_VAR = "SANDBOX_KUBECONFIG"
# The user's system prompt goes the same way into SYSTEM_PROMPT_FILE, which the init step
# imports from ~/.claude/CLAUDE.md (Claude Code's user memory) without touching the rest of it.
INIT_SYSTEM_PROMPT_VAR = "SANDBOX_SYSTEM_PROMPT"
SYSTEM_PROMPT_FILE = ".claude/fullstack-agent.md"
INIT_CONTAINER = "init-home"
TLS_SECRET = "wildcard-cert"
KUBEBLOCKS_API_VERSION = "apps.kubeblocks.io/v1alpha1"
POSTGRES_DEFINITION = "postgresql"
POSTGRES_VERSION = "postgresql-14.8.0"
POSTGRES_COMPONENT = "postgresql"

# Prepares the home volume on every start: directories the tools expect, a .bashrc on first
# start only, the user's kubeconfig and system prompt (fresh each start), ownership for the
# non-root user.
INIT_SCRIPT = f"""set -e
home={names.HOME_PATH}
mkdir -p "$home/.kube" "$home/.config" "$home/.claude"
[ -f "$home/.bashrc" ] || cp /etc/skel/.bashrc "$home/.bashrc" 2>/dev/null || touch "$home/.bashrc"
if [ -n "${INIT_KUBECONFIG_VAR}" ]; then
  printf '%s\\n' "${INIT_KUBECONFIG_VAR}" > "$home/.kube/config"
  chmod 600 "$home/.kube/config"
fi
printf '%s\\n' "${INIT_SYSTEM_PROMPT_VAR}" > "$home/{SYSTEM_PROMPT_FILE}"
grep -qxF '@~/{SYSTEM_PROMPT_FILE}' "$home/.claude/CLAUDE.md" 2>/dev/null \\
  || printf '%s\\n' '@~/{SYSTEM_PROMPT_FILE}' >> "$home/.claude/CLAUDE.md"
chown {SANDBOX_UID}:{SANDBOX_UID} "$home" "$home/.kube" "$home/.config" "$home/.bashrc" "$home/.claude" \\
  "$home/{SYSTEM_PROMPT_FILE}" "$home/.claude/CLAUDE.md"
[ ! -f "$home/.kube/config" ] || chown {SANDBOX_UID}:{SANDBOX_UID} "$home/.kube/config"
chmod 755 "$home"
"""

INGRESS_ANNOTATIONS = {
    "kubernetes.io/ingress.class": "nginx",
    "nginx.ingress.kubernetes.io/proxy-body-size": "32m",
    "nginx.ingress.kubernetes.io/ssl-redirect": "false",
    "nginx.ingress.kubernetes.io/backend-protocol": "HTTP",
    "nginx.ingress.kubernetes.io/client-body-buffer-size": "64k",
    "nginx.ingress.kubernetes.io/proxy-buffer-size": "64k",
    "nginx.ingress.kubernetes.io/proxy-send-timeout": "300",
    "nginx.ingress.kubernetes.io/proxy-read-timeout": "300",
    "nginx.ingress.kubernetes.io/server-snippet":
        "client_header_buffer_size 64k;\nlarge_client_header_buffers 4 128k;",
}


def _resources(row: ReconciledResource) -> dict[str, Any]:
    return {"requests": {"cpu": row.cpu_request, "memory": row.memory_request},
            "limits": {"cpu": row.cpu_limit, "memory": row.memory_limit}}


def env_list(variables: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"name": key, "value": value} for key, value in variables.items()]


def init_env(kubeconfig_text: str, system_prompt: str) -> list[dict[str, str]]:
    return env_list({INIT_KUBECONFIG_VAR: kubeconfig_text, INIT_SYSTEM_PROMPT_VAR: system_prompt})


# ---------------------------------------------------------------- sandbox (SPEC §6.3)

def sandbox_labels(sandbox: Sandbox, project_slug: str) -> dict[str, str]:
    return {
        "app": sandbox.sandbox_name,
        names.PROJECT_LABEL: project_slug,
        "cloud.sealos.io/app-deploy-manager": sandbox.sandbox_name,
    }


def statefulset(sandbox: Sandbox, project_slug: str, env: Mapping[str, str], kubeconfig_text: str,
                system_prompt: str) -> dict[str, Any]:
    """The sandbox: one pod with the runtime image, its home on a claim from the template."""
    name = sandbox.sandbox_name
    pod_labels = {"app": name, names.PROJECT_LABEL: project_slug}
    home_mount = [{"name": names.HOME_VOLUME, "mountPath": names.HOME_PATH}]
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {
            "name": name,
            "namespace": sandbox.k8s_namespace,
            "labels": sandbox_labels(sandbox, project_slug),
            "annotations": {
                "originImageName": sandbox.runtime_image,
                "deploy.cloud.sealos.io/minReplicas": "1",
                "deploy.cloud.sealos.io/maxReplicas": "1",
                "deploy.cloud.sealos.io/resize": sandbox.storage_size,
            },
        },
        "spec": {
            "replicas": 1,
            "revisionHistoryLimit": 1,
            "serviceName": names.service_name(name),
            "selector": {"matchLabels": {"app": name}},
            "updateStrategy": {"type": "RollingUpdate"},
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Delete", "whenScaled": "Retain"},
            "template": {
                "metadata": {"labels": pod_labels},
                "spec": {
                    "automountServiceAccountToken": False,
                    "terminationGracePeriodSeconds": 10,
                    "securityContext": {"runAsUser": SANDBOX_UID, "runAsGroup": SANDBOX_UID,
                                        "fsGroup": SANDBOX_UID, "runAsNonRoot": True},
                    "initContainers": [{
                        "name": INIT_CONTAINER,
                        "image": sandbox.runtime_image,
                        "command": ["sh", "-c", INIT_SCRIPT],
                        "env": init_env(kubeconfig_text, system_prompt),
                        "securityContext": {"runAsUser": 0, "runAsNonRoot": False},
                        "resources": _resources(sandbox),
                        "volumeMounts": home_mount,
                    }],
                    "containers": [{
                        "name": name,
                        "image": sandbox.runtime_image,
                        "imagePullPolicy": "IfNotPresent",
                        "ports": [
                            {"name": f"port-{names.APP_PORT}", "containerPort": names.APP_PORT, "protocol": "TCP"},
                            {"name": f"port-{names.TTYD_PORT}", "containerPort": names.TTYD_PORT, "protocol": "TCP"},
                        ],
                        "env": env_list(env),
                        "resources": _resources(sandbox),
                        "volumeMounts": home_mount,
                        # Ready means the terminal answers: what the user waits for.
                        "readinessProbe": {"tcpSocket": {"port": names.TTYD_PORT},
                                           "initialDelaySeconds": 2, "periodSeconds": 5},
                    }],
                },
            },
            "volumeClaimTemplates": [{
                "metadata": {"name": names.HOME_VOLUME, "annotations": {"path": names.HOME_PATH}},
                "spec": {"accessModes": ["ReadWriteOnce"],
                         "resources": {"requests": {"storage": sandbox.storage_size}}},
            }],
        },
    }


def service(sandbox: Sandbox, project_slug: str) -> dict[str, Any]:
    name = sandbox.sandbox_name
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": names.service_name(name),
            "namespace": sandbox.k8s_namespace,
            "labels": {"cloud.sealos.io/app-deploy-manager": name, names.PROJECT_LABEL: project_slug},
        },
        "spec": {
            "type": "ClusterIP",
            "selector": {"app": name},
            "ports": [
                {"name": f"port-{port}", "port": port, "targetPort": port, "protocol": "TCP"}
                for port in (names.APP_PORT, names.TTYD_PORT)
            ],
        },
    }


def _ingress(sandbox: Sandbox, project_slug: str, *, ingress_name: str, url: str, port: int,
             domain_label: str) -> dict[str, Any]:
    host = urlsplit(url).hostname or ""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": ingress_name,
            "namespace": sandbox.k8s_namespace,
            "labels": {
                "cloud.sealos.io/app-deploy-manager": sandbox.sandbox_name,
                "cloud.sealos.io/app-deploy-manager-domain": domain_label,
                names.PROJECT_LABEL: project_slug,
            },
            "annotations": dict(INGRESS_ANNOTATIONS),
        },
        "spec": {
            "rules": [{
                "host": host,
                "http": {"paths": [{
                    "path": "/",
                    "pathType": "Prefix",
                    "backend": {"service": {"name": names.service_name(sandbox.sandbox_name),
                                            "port": {"number": port}}},
                }]},
            }],
            "tls": [{"hosts": [host], "secretName": TLS_SECRET}],
        },
    }


def app_ingress(sandbox: Sandbox, project_slug: str) -> dict[str, Any]:
    """`{sandbox}-app-ingress` → the host of the stored public URL, port 3000."""
    return _ingress(sandbox, project_slug, ingress_name=names.app_ingress_name(sandbox.sandbox_name),
                    url=sandbox.public_url, port=names.APP_PORT, domain_label=f"{sandbox.sandbox_name}-app")


def ttyd_ingress(sandbox: Sandbox, project_slug: str) -> dict[str, Any]:
    """`{sandbox}-ttyd-ingress` → the host of the stored terminal URL, port 7681."""
    return _ingress(sandbox, project_slug, ingress_name=names.ttyd_ingress_name(sandbox.sandbox_name),
                    url=sandbox.ttyd_url, port=names.TTYD_PORT, domain_label=f"{sandbox.sandbox_name}-ttyd")


# ---------------------------------------------------------------- database (SPEC §6.4)

def database_labels(database: Database, project_slug: str) -> dict[str, str]:
    """Labels of the RBAC objects; the same set Sealos' database app puts on its own."""
    return {
        "sealos-db-provider-cr": database.cluster_name,
        "app.kubernetes.io/instance": database.cluster_name,
        "app.kubernetes.io/managed-by": "kbcli",
        names.PROJECT_LABEL: project_slug,
    }


def _database_metadata(database: Database, project_slug: str) -> dict[str, Any]:
    return {"name": database.cluster_name, "namespace": database.k8s_namespace,
            "labels": database_labels(database, project_slug)}


def service_account(database: Database, project_slug: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _database_metadata(database, project_slug)}


def role(database: Database, project_slug: str) -> dict[str, Any]:
    # The rule Sealos' database app gives its clusters' service account (KubeBlocks' HA agent
    # manages pods, endpoints, config maps and events in the namespace).
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": _database_metadata(database, project_slug),
        "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}],
    }


def role_binding(database: Database, project_slug: str) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": _database_metadata(database, project_slug),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": database.cluster_name},
        "subjects": [{"kind": "ServiceAccount", "name": database.cluster_name,
                      "namespace": database.k8s_namespace}],
    }


def cluster(database: Database, project_slug: str, storage_class: str) -> dict[str, Any]:
    """The KubeBlocks PostgreSQL cluster: one `postgresql` component, one replica."""
    name = database.cluster_name
    return {
        "apiVersion": KUBEBLOCKS_API_VERSION,
        "kind": "Cluster",
        "metadata": {
            "name": name,
            "namespace": database.k8s_namespace,
            "finalizers": ["cluster.kubeblocks.io/finalizer"],
            "labels": {
                "clusterdefinition.kubeblocks.io/name": POSTGRES_DEFINITION,
                "clusterversion.kubeblocks.io/name": POSTGRES_VERSION,
                "sealos-db-provider-cr": name,
                names.PROJECT_LABEL: project_slug,
            },
        },
        "spec": {
            "affinity": {"nodeLabels": {}, "podAntiAffinity": "Preferred", "tenancy": "SharedNode",
                         "topologyKeys": ["kubernetes.io/hostname"]},
            "clusterDefinitionRef": POSTGRES_DEFINITION,
            "clusterVersionRef": POSTGRES_VERSION,
            "componentSpecs": [{
                "componentDefRef": POSTGRES_COMPONENT,
                "name": POSTGRES_COMPONENT,
                "monitor": True,
                "noCreatePDB": False,
                "replicas": 1,
                "resources": _resources(database),
                "serviceAccountName": name,
                "switchPolicy": {"type": "Noop"},
                "volumeClaimTemplates": [{
                    "name": "data",
                    "spec": {"accessModes": ["ReadWriteOnce"],
                             "resources": {"requests": {"storage": database.storage_size}},
                             "storageClassName": storage_class},
                }],
            }],
            "terminationPolicy": "Delete",
            "tolerations": [],
        },
    }
