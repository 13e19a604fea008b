"""What went wrong talking to Kubernetes, and whether trying again can help (SPEC §7, §11).

The client reports failures in several shapes: `ApiException` for HTTP answers (the reason
of a 409 tells AlreadyExists from Conflict), urllib3 and OS errors for the transport
(refused, reset, timed out), and our own `MalformedAnswer` for a body that is not the JSON
object we asked for.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import socket

import urllib3
from kubernetes.client.exceptions import ApiException

_MESSAGE_LIMIT = 300


class FailureKind(enum.Enum):
    TRANSIENT = "transient"  # keep the status, back off, try again
    PERMANENT = "permanent"  # ERROR with the message; the user decides
    UNAUTHORIZED = "unauthorized"  # the kubeconfig is stale: wait for the user to sign in again


@dataclasses.dataclass(frozen=True)
class Failure:
    kind: FailureKind
    message: str
    unexpected: bool = False  # not a Kubernetes answer or transport failure: worth a stack trace


class MalformedAnswer(RuntimeError):
    """The API answered 2xx with a body that is not a JSON object."""


class KubeOperationError(RuntimeError):
    """A failure our managers detect themselves (e.g. the KubeBlocks API is missing)."""

    def __init__(self, kind: FailureKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def http_status(error: BaseException) -> int | None:
    """The HTTP status of an API answer, or None for transport failures."""
    if isinstance(error, ApiException) and error.status:
        return int(error.status)
    return None


def _status_document(error: ApiException) -> dict:
    try:
        document = json.loads(error.body or "")
    except (TypeError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}


def api_reason(error: BaseException) -> str:
    """The machine reason of a Kubernetes Status answer (AlreadyExists, Conflict, NotFound, …)."""
    if not isinstance(error, ApiException):
        return ""
    return str(_status_document(error).get("reason") or "")


def api_message(error: BaseException) -> str:
    if not isinstance(error, ApiException):
        return ""
    message = str(_status_document(error).get("message") or error.reason or "")
    return message[:_MESSAGE_LIMIT]


def is_not_found(error: BaseException) -> bool:
    return http_status(error) == 404


def is_already_exists(error: BaseException) -> bool:
    """409 on a create. A 409 Conflict (stale resourceVersion) is not this."""
    return http_status(error) == 409 and api_reason(error) != "Conflict"


def transport_reason(error: BaseException) -> str:
    """A short, secret-free description of a connection-level failure."""
    if isinstance(error, ApiException):  # status 0: the client wraps TLS failures this way
        return "TLS handshake failed"
    cause: BaseException = error
    if isinstance(error, urllib3.exceptions.MaxRetryError) and error.reason is not None:
        cause = error.reason
    # NewConnectionError subclasses ConnectTimeoutError in urllib3 2: test it first.
    if isinstance(cause, (urllib3.exceptions.NewConnectionError, ConnectionRefusedError)):
        return "could not connect"
    if isinstance(cause, (urllib3.exceptions.TimeoutError, socket.timeout, TimeoutError)):
        return "timed out"
    if isinstance(cause, (urllib3.exceptions.ProtocolError, ConnectionError)):
        return "connection dropped"
    return type(cause).__name__


def classify(error: BaseException) -> Failure:
    """Sorts any exception raised while talking to Kubernetes (SPEC §7 "Failures")."""
    if isinstance(error, KubeOperationError):
        return Failure(error.kind, str(error))
    status = http_status(error)
    if status is not None:
        detail = api_message(error)
        if status == 401:
            return Failure(FailureKind.UNAUTHORIZED,
                           "Kubernetes rejected your credentials (401): sign in again to refresh your kubeconfig.")
        if status == 409 and api_reason(error) == "Conflict":
            return Failure(FailureKind.TRANSIENT, f"Kubernetes reported a conflicting change (409): {detail}")
        if status == 429 or status >= 500:
            return Failure(FailureKind.TRANSIENT, f"Kubernetes API unavailable (HTTP {status}): {detail}")
        return Failure(FailureKind.PERMANENT, f"Kubernetes refused the request (HTTP {status}): {detail}")
    if isinstance(error, (urllib3.exceptions.HTTPError, OSError, ApiException)):
        return Failure(FailureKind.TRANSIENT, f"Kubernetes API unreachable ({transport_reason(error)})")
    if isinstance(error, MalformedAnswer):
        return Failure(FailureKind.TRANSIENT, f"Kubernetes sent a malformed answer ({error})")
    # A bug or an answer the client could not decode: retried with backoff, logged with its trace.
    return Failure(FailureKind.TRANSIENT, f"Internal error while reconciling ({type(error).__name__})",
                   unexpected=True)
