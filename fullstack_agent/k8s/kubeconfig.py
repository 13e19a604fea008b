"""Kubeconfig text → a client configuration, and the check the Settings page runs (SPEC §6.1).

Kubeconfigs come from users, so besides being parsed they are restricted: anything that would
make this server run a program (`exec`, `auth-provider`) or read its own files
(`tokenFile`, certificate paths) is refused; only inline tokens, passwords and `-data`
certificates are accepted.
"""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlsplit

import yaml
from kubernetes.client import Configuration
from kubernetes.config.config_exception import ConfigException
from kubernetes.config.kube_config import KubeConfigLoader

from fullstack_agent.config import get_settings
from fullstack_agent.k8s import errors
from fullstack_agent.k8s.api import PODS, KubeApi
from fullstack_agent.k8s.names import is_dns1123_label

# Fields that point at files of this server or run programs on it.
_FORBIDDEN_USER_FIELDS = {
    "exec": "runs a program (exec)",
    "auth-provider": "uses an auth-provider plugin",
    "tokenFile": "reads a token file",
    "client-certificate": "reads a client certificate file",
    "client-key": "reads a client key file",
}
_FORBIDDEN_CLUSTER_FIELDS = {"certificate-authority": "reads a certificate authority file"}
# Real kubeconfigs are a few KiB; the bound keeps a pasted or posted blob from costing a long parse.
MAX_KUBECONFIG_LENGTH = 256 * 1024

# libyaml's loader when PyYAML was built with it: the same safe subset, several times faster.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class KubeconfigError(ValueError):
    """The kubeconfig cannot be used; the message is one human sentence naming the problem."""


@dataclasses.dataclass(frozen=True)
class KubeconfigInfo:
    namespace: str
    server: str
    context: str
    cluster: str
    user: str

    @property
    def server_host(self) -> str:
        return _hostname(self.server)

    @property
    def sandbox_domain(self) -> str:
        """Domain of sandbox ingresses: SANDBOX_DOMAIN, else the API server's host (SPEC §6.3)."""
        return get_settings().SANDBOX_DOMAIN or self.server_host


@dataclasses.dataclass(frozen=True)
class ParsedKubeconfig:
    info: KubeconfigInfo
    document: dict[str, Any]


def _named(document: dict[str, Any], section: str, name: str, inner: str) -> dict[str, Any] | None:
    entries = document.get(section)
    if not isinstance(entries, list):
        return None
    for entry in entries:
        if isinstance(entry, dict) and entry.get("name") == name and isinstance(entry.get(inner), dict):
            return entry[inner]
    return None


def _refuse_local_access(user: dict[str, Any], cluster: dict[str, Any]) -> None:
    for fields, section in ((_FORBIDDEN_USER_FIELDS, user), (_FORBIDDEN_CLUSTER_FIELDS, cluster)):
        for field, what in fields.items():
            if section.get(field):
                raise KubeconfigError(
                    f"The kubeconfig {what} ({field}), which this server does not allow; "
                    "use a token or embedded (-data) certificates.")


def _hostname(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return ""


def parse_kubeconfig(text: str) -> ParsedKubeconfig:
    """Parses and checks a kubeconfig without contacting the cluster.

    Raises KubeconfigError: not YAML, no current context, no namespace, no server, or a
    field that would read local files or run programs.
    """
    if not text or not text.strip():
        raise KubeconfigError("The kubeconfig is empty.")
    if len(text) > MAX_KUBECONFIG_LENGTH:
        raise KubeconfigError(f"The kubeconfig is larger than {MAX_KUBECONFIG_LENGTH // 1024} KiB.")
    try:
        document = yaml.load(text, Loader=_SafeLoader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise KubeconfigError(f"The kubeconfig is not valid YAML{where}.") from None
    except (ValueError, TypeError, OverflowError, RecursionError):
        # Values YAML accepts but Python cannot build (a 13th month) and absurd nesting.
        raise KubeconfigError("The kubeconfig is not valid YAML.") from None
    if not isinstance(document, dict):
        raise KubeconfigError("The kubeconfig is not a YAML mapping with clusters, contexts and users.")
    context_name = document.get("current-context")
    if not isinstance(context_name, str) or not context_name:
        raise KubeconfigError("The kubeconfig has no current-context.")
    context = _named(document, "contexts", context_name, "context")
    if context is None:
        raise KubeconfigError(f'The current context "{context_name}" is not defined in the kubeconfig.')
    namespace = context.get("namespace")
    if not isinstance(namespace, str) or not namespace:
        raise KubeconfigError(f'The current context "{context_name}" has no namespace.')
    if not is_dns1123_label(namespace):
        raise KubeconfigError(f'The namespace "{namespace[:80]}" is not a valid Kubernetes namespace name.')
    cluster_name, user_name = str(context.get("cluster") or ""), str(context.get("user") or "")
    cluster = _named(document, "clusters", cluster_name, "cluster")
    if cluster is None:
        raise KubeconfigError(f'The cluster "{cluster_name}" of the current context is not defined.')
    user = _named(document, "users", user_name, "user")
    if user is None:
        raise KubeconfigError(f'The user "{user_name}" of the current context is not defined.')
    server = cluster.get("server")
    if not isinstance(server, str) or not server.startswith(("https://", "http://")) or not _hostname(server):
        raise KubeconfigError(f'The cluster "{cluster_name}" has no http(s) server URL.')
    _refuse_local_access(user, cluster)
    info = KubeconfigInfo(namespace=namespace, server=server.rstrip("/"), context=context_name,
                          cluster=cluster_name, user=user_name)
    return ParsedKubeconfig(info=info, document=document)


def build_configuration(parsed: ParsedKubeconfig, *, pool_size: int) -> Configuration:
    """A client configuration without the client's own retries: the reconciler retries."""
    configuration = Configuration()
    try:
        loader = KubeConfigLoader(config_dict=parsed.document, active_context=parsed.info.context)
        loader.load_and_set(configuration)
    except (ConfigException, ValueError, TypeError, KeyError) as error:
        raise KubeconfigError(f"The kubeconfig cannot be loaded: {str(error)[:200]}") from None
    configuration.retries = 0
    configuration.connection_pool_maxsize = pool_size
    # The loader re-reads the credentials before every request so that exec plugins and
    # expiring provider tokens refresh; only static credentials are accepted here, and the
    # re-read (which re-scans the proxy environment) costs as much as a local API call.
    configuration.refresh_api_key_hook = None
    return configuration


def validate_kubeconfig(text: str, *, timeout: float | None = None) -> KubeconfigInfo:
    """Parses the kubeconfig and checks that its API server answers for its namespace.

    Returns the parsed facts (namespace, server, …). Raises KubeconfigError with one sentence:
    not YAML, no current context, no namespace, API unreachable, 401, 403 (namespace not
    readable). The kubeconfig itself never appears in a message.
    """
    parsed = parse_kubeconfig(text)
    info = parsed.info
    api = KubeApi(build_configuration(parsed, pool_size=1),
                  timeout=timeout or get_settings().K8S_REQUEST_TIMEOUT_SECONDS)
    try:
        api.request("GET", "/version")
        api.list(PODS, info.namespace, limit=1)
    except Exception as error:  # the client raises ApiException, urllib3 and OS errors alike
        raise KubeconfigError(_validation_message(error, info)) from None
    finally:
        api.close()
    return info


def _validation_message(error: BaseException, info: KubeconfigInfo) -> str:
    status = errors.http_status(error)
    if status is None:
        return f"Cannot reach the Kubernetes API at {info.server} ({errors.transport_reason(error)})."
    if status == 401:
        return ("The Kubernetes API rejected the kubeconfig's credentials (401 Unauthorized); "
                "it may have expired — get a fresh one.")
    if status == 403:
        return f'No permission to access namespace "{info.namespace}" (403 Forbidden).'
    return f"The Kubernetes API at {info.server} answered HTTP {status}: {errors.api_message(error)}"
