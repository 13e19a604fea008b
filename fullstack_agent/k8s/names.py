"""Kubernetes names (SPEC §6.2): the project slug and every name derived from it.

A slug is generated once, stored on the rows and never recomputed; the derived names below
are pure functions of the stored sandbox or cluster name, so they stay valid whatever the
display name was.
"""

from __future__ import annotations

import re
import secrets
import string
import unicodedata

SLUG_BASE_MAX = 20
SUFFIX_LENGTH = 8
FALLBACK_BASE = "project"
_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_UNUSABLE_RUNS = re.compile(r"[^a-z0-9]+")

# The home volume keeps the Sealos launchpad's naming ("vn-" + the mount path), so the
# Sealos app UI recognises it.
HOME_VOLUME = "vn-homevn-agent"
HOME_PATH = "/home/agent"
APP_PORT = 3000
TTYD_PORT = 7681
PROJECT_LABEL = "project.fullstackagent.io/name"


def is_dns1123_label(name: str) -> bool:
    return len(name) <= 63 and bool(_DNS1123_LABEL.match(name))


def is_dns1123_subdomain(name: str) -> bool:
    return len(name) <= 253 and bool(_DNS1123_SUBDOMAIN.match(name))


def slug_base(display_name: str) -> str:
    """The readable part of a slug: lowercase ASCII, runs of anything else → `-`, ≤ 20 chars.

    Accents are folded (`Café` → `cafe`); a name that starts with a digit gets a `p-` prefix
    because a label must start with a letter; a name with no usable character (Chinese,
    emoji, punctuation) becomes `project`.
    """
    folded = unicodedata.normalize("NFKD", display_name)
    ascii_text = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    base = _UNUSABLE_RUNS.sub("-", ascii_text).strip("-")
    if not base:
        return FALLBACK_BASE
    if not base[0].isalpha():
        base = f"p-{base}"
    return base[:SLUG_BASE_MAX].rstrip("-")


def random_suffix() -> str:
    return "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH))


def new_slug(display_name: str) -> str:
    """`{base}-{8 random lowercase alphanumerics}`: a DNS-1123 label of at most 29 chars."""
    return f"{slug_base(display_name)}-{random_suffix()}"


def service_name(sandbox_name: str) -> str:
    return f"{sandbox_name}-service"


def app_ingress_name(sandbox_name: str) -> str:
    return f"{sandbox_name}-app-ingress"


def ttyd_ingress_name(sandbox_name: str) -> str:
    return f"{sandbox_name}-ttyd-ingress"


def app_host(sandbox_name: str, domain: str) -> str:
    return f"{sandbox_name}-app.{domain}"


def ttyd_host(sandbox_name: str, domain: str) -> str:
    return f"{sandbox_name}-ttyd.{domain}"


def home_pvc_name(sandbox_name: str) -> str:
    """The claim the StatefulSet controller makes from the volume claim template for pod 0."""
    return f"{HOME_VOLUME}-{sandbox_name}-0"


def sandbox_pod_name(sandbox_name: str) -> str:
    return f"{sandbox_name}-0"


def database_pod_name(cluster_name: str) -> str:
    return f"{cluster_name}-postgresql-0"


def credential_secret_names(cluster_name: str) -> tuple[str, str]:
    """Where KubeBlocks puts the credentials: the classic name first, then KubeBlocks ≥ 0.9's."""
    return f"{cluster_name}-conn-credential", f"{cluster_name}-postgresql-account-postgres"
