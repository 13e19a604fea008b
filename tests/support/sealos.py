"""What the Sealos desktop hands to an app: an HS256 app JWT, a kubeconfig and the user."""

from __future__ import annotations

import time
from typing import Any

import jwt

from fullstack_agent.services import sealos_auth

JWT_SECRET = "test-sealos-app-token-secret-for-hs256-and-long-enough-for-hs512!"


def claims_for(user_id: str, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "workspaceUid": "7d9c8f2e-0000-4000-8000-000000000001",
        "workspaceId": f"ns-{user_id.lower()}",
        "regionUid": "0f3a1c2b-0000-4000-8000-000000000002",
        "userCrUid": "1b2c3d4e-0000-4000-8000-000000000003",
        "userCrName": user_id.lower()[:8],
        "userId": user_id,
        "userUid": "5e6f7a8b-0000-4000-8000-000000000004",
        "iat": now,
        "exp": now + 7 * 24 * 3600,
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def make_token(user_id: str, secret: str = JWT_SECRET, algorithm: str = "HS256", **overrides: Any) -> str:
    return jwt.encode(claims_for(user_id, **overrides), secret, algorithm=algorithm)


def kubeconfig_for(user_id: str, server: str = "https://127.0.0.1:6443") -> str:
    namespace = f"ns-{user_id.lower()}"
    return f"""apiVersion: v1
kind: Config
clusters:
- name: sealos
  cluster:
    server: {server}
    insecure-skip-tls-verify: true
users:
- name: {namespace}
  user:
    token: kube-token-of-{user_id}
contexts:
- name: {namespace}@sealos
  context:
    cluster: sealos
    user: {namespace}
    namespace: {namespace}
current-context: {namespace}@sealos
"""


def desktop_user(user_id: str, name: str = "") -> dict[str, str]:
    return {"id": user_id, "name": name or f"User {user_id}", "avatar": "", "k8sUsername": user_id.lower(),
            "nsid": f"ns-{user_id.lower()}"}


def sign_in_from_desktop(sealos_user_id: str) -> str:
    """Signs a Sealos user in as the desktop would (Sealos settings on); returns our user id."""
    return sealos_auth.sign_in(make_token(sealos_user_id), kubeconfig_for(sealos_user_id),
                               desktop_user(sealos_user_id)).user_id
