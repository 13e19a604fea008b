"""The one door to the Kubernetes API: namespaced create/get/list/patch/delete of plain dicts.

Requests go through the official client's `ApiClient` (its configuration, authentication,
TLS and urllib3 pool) along the generic path its typed methods use internally, without their
per-call pydantic validation of Python arguments and without deserialising answers into
models we would turn back into dicts: manifests are dicts, answers are dicts. Every request
carries the timeout; the client's own retries are off (the reconciler retries).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any
from urllib.parse import quote

from kubernetes.client import ApiClient, Configuration
from kubernetes.client.exceptions import ApiException

from fullstack_agent.k8s.errors import MalformedAnswer

JSON = "application/json"
JSON_PATCH = "application/json-patch+json"


@dataclasses.dataclass(frozen=True)
class Resource:
    """A namespaced kind: `prefix` is "api/v1" or "apis/<group>/<version>"."""

    prefix: str
    plural: str

    def path(self, namespace: str, name: str | None = None) -> str:
        collection = f"/{self.prefix}/namespaces/{quote(namespace, safe='')}/{self.plural}"
        return collection if name is None else f"{collection}/{quote(name, safe='')}"


STATEFULSETS = Resource("apis/apps/v1", "statefulsets")
SERVICES = Resource("api/v1", "services")
INGRESSES = Resource("apis/networking.k8s.io/v1", "ingresses")
PERSISTENT_VOLUME_CLAIMS = Resource("api/v1", "persistentvolumeclaims")
SECRETS = Resource("api/v1", "secrets")
SERVICE_ACCOUNTS = Resource("api/v1", "serviceaccounts")
PODS = Resource("api/v1", "pods")
EVENTS = Resource("api/v1", "events")
ROLES = Resource("apis/rbac.authorization.k8s.io/v1", "roles")
ROLE_BINDINGS = Resource("apis/rbac.authorization.k8s.io/v1", "rolebindings")
KUBEBLOCKS_CLUSTERS = Resource("apis/apps.kubeblocks.io/v1alpha1", "clusters")


class KubeApi:
    def __init__(self, configuration: Configuration, *, timeout: float) -> None:
        self.api_client = ApiClient(configuration)
        self.timeout = timeout

    def request(self, method: str, path: str, *, body: Any = None, query: dict[str, Any] | None = None,
                content_type: str = JSON) -> dict[str, Any]:
        """One HTTP request; the JSON answer as a dict ({} when empty).

        Raises ApiException (and its subclasses) for non-2xx answers, urllib3/OS errors for
        transport failures, MalformedAnswer for a 2xx body that is not a JSON object.
        """
        headers = {"Accept": JSON}
        if body is not None:
            headers["Content-Type"] = content_type
        method, url, headers, _, _ = self.api_client.param_serialize(
            method, path, query_params=list((query or {}).items()), header_params=headers,
            auth_settings=["BearerToken"])
        response = self.api_client.call_api(method, url, headers, body, _request_timeout=self.timeout)
        try:
            raw = response.read()
        finally:
            response.response.release_conn()
        if not 200 <= response.status <= 299:
            raise ApiException.from_response(http_resp=response, body=raw.decode("utf-8", "replace"), data=None)
        if not raw:
            return {}
        try:
            document = json.loads(raw)
        except ValueError:
            raise MalformedAnswer("the body is not JSON") from None
        if not isinstance(document, dict):
            raise MalformedAnswer("the body is not a JSON object")
        return document

    def get(self, resource: Resource, namespace: str, name: str) -> dict[str, Any]:
        return self.request("GET", resource.path(namespace, name))

    def list(self, resource: Resource, namespace: str, **query: Any) -> dict[str, Any]:
        """`query` takes the API's own parameter names (labelSelector, fieldSelector, limit)."""
        return self.request("GET", resource.path(namespace), query=query)

    def create(self, resource: Resource, namespace: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.request("POST", resource.path(namespace), body=body)

    def patch(self, resource: Resource, namespace: str, name: str, operations: list[dict[str, Any]]) -> dict[str, Any]:
        """A JSON patch (RFC 6902)."""
        return self.request("PATCH", resource.path(namespace, name), body=operations, content_type=JSON_PATCH)

    def delete(self, resource: Resource, namespace: str, name: str) -> dict[str, Any]:
        return self.request("DELETE", resource.path(namespace, name))

    def close(self) -> None:
        self.api_client.close()
