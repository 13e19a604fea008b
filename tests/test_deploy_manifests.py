"""deploy/: the Kubernetes manifests get the checks `kubectl apply --dry-run=client
--validate=false` and the API server would make that can be made here (kinds, names,
selectors, ports, references, environment), the settings they hand the app pass the app's own
validation, and the Dockerfile copies what the app needs. `kubectl` itself runs too when
installed, against a local server that answers only API discovery."""

from __future__ import annotations

import contextlib
import http.server
import json
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from fullstack_agent.config import Settings
from tests.support.fake_k8s import DNS1035_LABEL, DNS1123_LABEL, DNS1123_SUBDOMAIN, LABEL_VALUE
from tests.support.net import free_port
from tests.support.project_copy import PROJECT_FILES, ROOT, child_env, project_copy

DEPLOY = ROOT / "deploy"

# (apiVersion, kind) -> (plural, namespaced): everything the manifests may use.
KNOWN_KINDS = {
    ("v1", "ConfigMap"): ("configmaps", True),
    ("v1", "Secret"): ("secrets", True),
    ("v1", "Service"): ("services", True),
    ("apps/v1", "Deployment"): ("deployments", True),
    ("networking.k8s.io/v1", "Ingress"): ("ingresses", True),
    ("batch/v1", "Job"): ("jobs", True),
}
# Read from the environment by Reflex, granian or deploy/entrypoint.sh, not by our settings.
RUNTIME_VARIABLES = {"REFLEX_API_URL", "GRANIAN_WORKERS", "PORT"}
# What a production web container must be given (the rest have working defaults).
REQUIRED_IN_PRODUCTION = {
    "APP_ENV", "SECRET_KEYS", "DATABASE_URL", "REDIS_URL", "PUBLIC_URL", "CORS_ALLOWED_ORIGINS",
    "RECONCILER_ENABLED", "SEALOS_JWT_SECRET", "AIPROXY_ENDPOINT", "ANTHROPIC_BASE_URL",
}
# What an operator puts into the Secret template before applying it.
FILLED_SECRETS = {
    "SECRET_KEYS": "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGw=",
    "DATABASE_URL": "postgresql://app:password@fullstack-agent-pg-postgresql:5432/fullstack_agent",
    "REDIS_URL": "redis://:password@fullstack-agent-redis-redis:6379/0",
    "SEALOS_JWT_SECRET": "jwt-secret",
}

PORT_NAME = re.compile(r"^(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _documents() -> list[dict]:
    files = sorted([*DEPLOY.rglob("*.yaml"), *DEPLOY.rglob("*.yml")])
    return [doc for path in files for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


DOCUMENTS = _documents()


def _of_kind(kind: str) -> list[dict]:
    return [doc for doc in DOCUMENTS if doc["kind"] == kind]


def _named(kind: str, name: str) -> dict:
    matches = [doc for doc in _of_kind(kind) if doc["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind} named {name!r}, found {len(matches)}"
    return matches[0]


def _pod_specs() -> list[tuple[dict, dict]]:
    """(workload, pod template) of every Deployment and Job."""
    return [(doc, doc["spec"]["template"]) for doc in DOCUMENTS if doc["kind"] in ("Deployment", "Job")]


def _containers(pod_template: dict) -> list[dict]:
    spec = pod_template["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


def _environment(container: dict) -> dict[str, str]:
    """The variables a container gets, resolved the way the kubelet does (env wins over envFrom)."""
    values: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            values.update(_named("ConfigMap", source["configMapRef"]["name"]).get("data", {}))
        else:
            values.update(_named("Secret", source["secretRef"]["name"]).get("stringData", {}))
    for variable in container.get("env", []):
        if "value" in variable:
            values[variable["name"]] = variable["value"]
        else:
            reference = variable["valueFrom"].get("secretKeyRef") or variable["valueFrom"]["configMapKeyRef"]
            kind = "Secret" if "secretKeyRef" in variable["valueFrom"] else "ConfigMap"
            data = _named(kind, reference["name"])
            values[variable["name"]] = {**data.get("data", {}), **data.get("stringData", {})}[reference["key"]]
    return values


def _app_container(workload_name: str) -> dict:
    (container,) = _named("Deployment", workload_name)["spec"]["template"]["spec"]["containers"]
    return container


def test_deploy_holds_the_expected_objects():
    kinds = sorted(doc["kind"] for doc in DOCUMENTS)
    assert kinds == ["ConfigMap", "Deployment", "Deployment", "Ingress", "Secret", "Service"]


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda doc: f"{doc.get('kind')}-{doc['metadata'].get('name')}")
def test_every_object_has_a_known_kind_and_a_valid_name(doc):
    assert (doc.get("apiVersion"), doc.get("kind")) in KNOWN_KINDS
    name = doc["metadata"]["name"]
    pattern = DNS1035_LABEL if doc["kind"] == "Service" else DNS1123_SUBDOMAIN
    assert pattern.match(name) and len(name) <= (63 if doc["kind"] == "Service" else 253), name
    assert "namespace" not in doc["metadata"], "the namespace comes from the kubeconfig (Sealos: ns-...)"
    for key, value in doc["metadata"].get("labels", {}).items():
        assert isinstance(value, str) and len(value) <= 63 and LABEL_VALUE.match(value), key
    for values in ("data", "stringData"):
        assert all(isinstance(v, str) for v in doc.get(values, {}).values()), f"{name}: {values} must be strings"


def test_workload_selectors_match_their_pod_templates():
    for workload, template in _pod_specs():
        selector = workload["spec"].get("selector", {}).get("matchLabels", {})
        assert selector, f"{workload['metadata']['name']} has no selector"
        labels = template["metadata"]["labels"]
        assert selector.items() <= labels.items(), f"{workload['metadata']['name']}: selector {selector} vs {labels}"
    selectors = [tuple(sorted(w["spec"]["selector"]["matchLabels"].items())) for w, _ in _pod_specs()]
    assert len(selectors) == len(set(selectors)), "two workloads select the same pods"


def test_containers_are_well_formed_and_their_references_exist():
    for workload, template in _pod_specs():
        containers = _containers(template)
        names = [container["name"] for container in containers]
        assert len(names) == len(set(names)), f"{workload['metadata']['name']}: duplicate container names"
        for container in containers:
            assert DNS1123_LABEL.match(container["name"]) and len(container["name"]) <= 63
            image = container["image"]
            assert ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest"), f"pin the image tag: {image}"
            for variable in container.get("env", []):
                assert ENV_NAME.match(variable["name"]), variable["name"]
            for key in {**_environment(container)}:
                assert ENV_NAME.match(key), key
            port_names = {port["name"] for port in container.get("ports", [])}
            for port in container.get("ports", []):
                assert PORT_NAME.match(port["name"]) and len(port["name"]) <= 15
                assert 0 < port["containerPort"] < 65536
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                if probe in container:
                    port = container[probe]["httpGet"]["port"]
                    assert port in port_names if isinstance(port, str) else 0 < port < 65536
            resources = container.get("resources", {})
            assert resources.get("requests") and resources.get("limits"), f"{container['name']}: Sealos quotas need both"


def test_services_select_pods_that_expose_their_target_ports():
    for service in _of_kind("Service"):
        selector = service["spec"]["selector"]
        pods = [t for _, t in _pod_specs() if selector.items() <= t["metadata"]["labels"].items()]
        assert pods, f"Service {service['metadata']['name']} selects no pods"
        for port in service["spec"]["ports"]:
            for pod in pods:
                exposed = [p for c in pod["spec"]["containers"] for p in c.get("ports", [])]
                target = port.get("targetPort", port["port"])
                assert any(p.get("name") == target or p["containerPort"] == target for p in exposed), \
                    f"Service {service['metadata']['name']} targets {target!r}, which the pods do not expose"


def test_ingress_routes_to_existing_service_ports():
    for ingress in _of_kind("Ingress"):
        for rule in ingress["spec"]["rules"]:
            assert DNS1123_SUBDOMAIN.match(rule["host"])
            for path in rule["http"]["paths"]:
                assert path["pathType"] in ("Prefix", "Exact", "ImplementationSpecific")
                backend = path["backend"]["service"]
                service = _named("Service", backend["name"])
                wanted = backend["port"].get("name") or backend["port"].get("number")
                assert any(wanted in (p.get("name"), p["port"]) for p in service["spec"]["ports"])
        tls_hosts = {host for tls in ingress["spec"].get("tls", []) for host in tls["hosts"]}
        assert {rule["host"] for rule in ingress["spec"]["rules"]} <= tls_hosts


def test_every_variable_handed_to_the_app_is_one_it_reads():
    settings = set(Settings.model_fields)
    keys = set()
    for doc in [*_of_kind("ConfigMap"), *_of_kind("Secret")]:
        keys |= {*doc.get("data", {}), *doc.get("stringData", {})}
    for _, template in _pod_specs():
        for container in _containers(template):
            keys |= {variable["name"] for variable in container.get("env", [])}
    unknown = keys - settings - RUNTIME_VARIABLES
    assert not unknown, f"not settings of the app (typo?): {sorted(unknown)}"


def test_production_settings_reach_the_web_and_worker_containers():
    assert REQUIRED_IN_PRODUCTION <= set(Settings.model_fields), "a required setting was renamed"
    for workload in ("fullstack-agent-web", "fullstack-agent-worker"):
        environment = _environment(_app_container(workload))
        missing = REQUIRED_IN_PRODUCTION - set(environment)
        assert not missing, f"{workload} is not given {sorted(missing)}"
        assert environment["APP_ENV"] == "production"


def test_the_web_leaves_the_reconciler_to_the_worker_deployment():
    web, worker = _app_container("fullstack-agent-web"), _app_container("fullstack-agent-worker")
    assert _environment(web)["RECONCILER_ENABLED"] == "false"
    assert _environment(worker)["RECONCILER_ENABLED"] == "true"
    assert (web["args"], worker["args"]) == (["web"], ["worker"])
    for workload in ("fullstack-agent-web", "fullstack-agent-worker"):
        (migrate,) = _named("Deployment", workload)["spec"]["template"]["spec"]["initContainers"]
        assert migrate["args"] == ["migrate"] and migrate["image"] == _app_container(workload)["image"]


def test_the_secret_template_holds_no_secrets_and_is_kept_out_of_updates():
    (secret,) = _of_kind("Secret")
    assert set(secret["stringData"].values()) == {""}
    assert secret["metadata"]["labels"]["fullstack-agent/template"] == "true"


@pytest.mark.parametrize("workload", ["fullstack-agent-web", "fullstack-agent-worker"])
def test_the_containers_settings_pass_the_apps_own_check(workload):
    """What the entry point gets once the Secret is filled in: `check-config` must accept it."""
    environment = {**_environment(_app_container(workload)), **FILLED_SECRETS}
    with project_copy() as project_dir:
        env = {key: value for key, value in child_env({}).items() if key in ("PATH", "HOME", "LANG")}
        env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
        result = subprocess.run([str(DEPLOY / "entrypoint.sh"), "check-config"], cwd=project_dir,
                                env={**env, **environment}, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "settings ok (production, database postgresql)" in result.stdout
    environment.pop("SECRET_KEYS")  # the template applied unchanged: the app must refuse to start
    with project_copy() as project_dir:
        result = subprocess.run([str(DEPLOY / "entrypoint.sh"), "check-config"], cwd=project_dir,
                                env={**env, **environment}, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "SECRET_KEY or SECRET_KEYS is required" in result.stderr


def _dockerfile_copies() -> set[str]:
    sources = set()
    for line in (DEPLOY / "Dockerfile").read_text().splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(word.startswith("--from") for word in words):
            sources |= {word.rstrip("/") for word in words[1:-1] if not word.startswith("--")}
    return sources


def test_the_image_holds_what_the_app_needs_and_the_set_up_pins():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.M)
    copied = _dockerfile_copies()
    missing = [name for name in PROJECT_FILES if (ROOT / name).exists() and name not in copied]
    assert not missing, f"the image lacks {missing}"
    bun = re.search(r'^BUN_VERSION="([^"]+)"', (ROOT / "scripts" / "setup.sh").read_text(), re.M).group(1)
    assert f"ARG BUN_VERSION={bun}" in dockerfile, "bun of the image differs from scripts/setup.sh"
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert {".venv", ".web", ".tools", ".git", ".env"} <= set(ignored)
    entrypoint = DEPLOY / "entrypoint.sh"
    assert entrypoint.stat().st_mode & 0o111, "entrypoint.sh must be executable"
    assert subprocess.run(["sh", "-n", str(entrypoint)], capture_output=True).returncode == 0


class _DiscoveryOnly(http.server.BaseHTTPRequestHandler):
    """Answers API discovery for KNOWN_KINDS and 404 for every object: what `kubectl apply
    --dry-run=client` needs from a server."""

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        groups: dict[str, list[tuple[str, str]]] = {}
        for (api_version, kind), (plural, _) in KNOWN_KINDS.items():
            groups.setdefault(api_version, []).append((plural, kind))
        answers = {
            "/api": {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []},
            "/apis": {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": gv.split("/")[0], "versions": [{"groupVersion": gv, "version": gv.split("/")[1]}],
                 "preferredVersion": {"groupVersion": gv, "version": gv.split("/")[1]}}
                for gv in groups if "/" in gv]},
        }
        for group_version, resources in groups.items():
            answers["/api/v1" if group_version == "v1" else f"/apis/{group_version}"] = {
                "kind": "APIResourceList", "groupVersion": group_version,
                "resources": [{"name": plural, "singularName": kind.lower(), "namespaced": True, "kind": kind,
                               "verbs": ["create", "delete", "get", "list", "patch", "update"]}
                              for plural, kind in resources]}
        body = answers.get(path, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                  "reason": "NotFound", "code": 404})
        data = json.dumps(body).encode()
        self.send_response(200 if path in answers else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args) -> None:
        pass


@contextlib.contextmanager
def _discovery_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), _DiscoveryOnly)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed (optional)")
def test_kubectl_dry_run_accepts_deploy(tmp_path):
    with _discovery_server() as server:
        kubeconfig = tmp_path / "kubeconfig"
        kubeconfig.write_text(yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config", "current-context": "sealos",
            "clusters": [{"name": "local", "cluster": {"server": server}}],
            "users": [{"name": "user", "user": {"token": "not-a-secret"}}],
            "contexts": [{"name": "sealos", "context": {"cluster": "local", "user": "user", "namespace": "ns-test"}}],
        }))
        env = {**child_env({}), "KUBECONFIG": str(kubeconfig), "HOME": str(tmp_path)}

        def apply(*extra: str) -> str:
            result = subprocess.run(["kubectl", "apply", "--dry-run=client", "--validate=false", "-f", str(DEPLOY),
                                     *extra], env=env, capture_output=True, text=True, timeout=60)
            assert result.returncode == 0, result.stderr
            return result.stdout

        everything = apply()
        assert everything.count("created (dry run)") == len(DOCUMENTS)
        updates = apply("-l", "fullstack-agent/template!=true")
        assert "secret/" not in updates and updates.count("created (dry run)") == len(DOCUMENTS) - 1
