"""Names (SPEC §6.2) and the manifest builders (§6.3, §6.4): golden files and name validity.

Golden files live in tests/engine/golden/; after an intended change, regenerate them with
`UPDATE_GOLDEN=1 ./scripts/test.sh tests/engine/test_manifests.py` and review the diff.
"""

from __future__ import annotations

import json
import os
import string
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fullstack_agent.k8s import manifests, names
from fullstack_agent.k8s.database import DatabaseCredentials, build_database_url
from fullstack_agent.models import Database, Sandbox

GOLDEN = Path(__file__).parent / "golden"
SLUG = "my-app-ab12cd34"
AT = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _sandbox() -> Sandbox:
    return Sandbox(id="s1", project_id="p1", name="My App", k8s_namespace="ns-alice", sandbox_name=SLUG,
                   runtime_image="registry.example/runtime:v1", public_url=f"https://{SLUG}-app.sandbox.test",
                   ttyd_url=f"https://{SLUG}-ttyd.sandbox.test", cpu_request="200m", cpu_limit="2000m",
                   memory_request="512Mi", memory_limit="4Gi", storage_size="10Gi", created_at=AT, updated_at=AT,
                   status_changed_at=AT)


def _database() -> Database:
    return Database(id="d1", project_id="p1", name="My App", k8s_namespace="ns-alice", cluster_name=SLUG,
                    cpu_request="100m", cpu_limit="1000m", memory_request="256Mi", memory_limit="1Gi",
                    storage_size="3Gi", created_at=AT, updated_at=AT, status_changed_at=AT)


BUILDERS = {
    "statefulset": lambda: manifests.statefulset(_sandbox(), SLUG, {"PROJECT_NAME": "My App", "A": "1"},
                                                 "apiVersion: v1\nkind: Config\n", "Be helpful.\n"),
    "service": lambda: manifests.service(_sandbox(), SLUG),
    "app_ingress": lambda: manifests.app_ingress(_sandbox(), SLUG),
    "ttyd_ingress": lambda: manifests.ttyd_ingress(_sandbox(), SLUG),
    "service_account": lambda: manifests.service_account(_database(), SLUG),
    "role": lambda: manifests.role(_database(), SLUG),
    "role_binding": lambda: manifests.role_binding(_database(), SLUG),
    "cluster": lambda: manifests.cluster(_database(), SLUG, "openebs-backup"),
}


@pytest.mark.parametrize("builder", sorted(BUILDERS))
def test_golden(builder):
    built = BUILDERS[builder]()
    path = GOLDEN / f"{builder}.json"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(built, indent=2, ensure_ascii=False) + "\n")
    assert built == json.loads(path.read_text())


def test_builders_are_pure():
    for build in BUILDERS.values():
        assert build() == build()


def test_the_statefulset_wiring_holds_together():
    built = BUILDERS["statefulset"]()
    spec = built["spec"]
    pod = spec["template"]["spec"]
    assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
    assert pod["containers"][0]["volumeMounts"][0]["name"] == spec["volumeClaimTemplates"][0]["metadata"]["name"]
    assert spec["persistentVolumeClaimRetentionPolicy"]["whenDeleted"] == "Delete"
    assert pod["securityContext"]["runAsUser"] == 1001 and pod["securityContext"]["runAsNonRoot"] is True
    assert [p["containerPort"] for p in pod["containers"][0]["ports"]] == [3000, 7681]
    assert built["metadata"]["labels"] == {"app": SLUG, names.PROJECT_LABEL: SLUG,
                                           "cloud.sealos.io/app-deploy-manager": SLUG}


def test_database_url_percent_encodes_user_and_password():
    url = build_database_url(DatabaseCredentials(host="db.ns.svc", port=5432, username="us@r:x",
                                                 password="p@ss:w/rd?#%&+ é"))
    assert url == "postgresql://us%40r%3Ax:p%40ss%3Aw%2Frd%3F%23%25%26%2B%20%C3%A9@db.ns.svc:5432/postgres"


@pytest.mark.parametrize("display_name, base", [
    ("My App", "my-app"),
    ("Café Über", "cafe-uber"),
    ("2048 game", "p-2048-game"),
    ("项目", "project"),
    ("🚀🔥", "project"),
    ("!!!---???", "project"),
    ("a" * 64, "a" * 20),
    ("hello---world__x", "hello-world-x"),
    ("ends with dash at twenty-", "ends-with-dash-at-tw"),
    ("abcdefghijklmnopqrs-tuv", "abcdefghijklmnopqrs"),
])
def test_slug_base(display_name, base):
    assert names.slug_base(display_name) == base


def _all_generated_names(slug: str) -> list[str]:
    return [slug, names.service_name(slug), names.app_ingress_name(slug), names.ttyd_ingress_name(slug),
            names.home_pvc_name(slug), names.sandbox_pod_name(slug), names.database_pod_name(slug),
            *names.credential_secret_names(slug)]


@pytest.mark.parametrize("display_name", ["日本語のプロジェクト", "🎉🎉🎉", "42", "9lives", "x" * 64, "—", " . ",
                                          "Ünïcödé Ñame", "a" * 63 + "é", "-leading-dash", "UPPER CASE"])
def test_generated_names_are_valid_for_awkward_display_names(display_name):
    slug = names.new_slug(display_name)
    assert len(slug) <= 29 and slug[0].isalpha() and names.is_dns1123_label(slug)
    for generated in _all_generated_names(slug):
        assert names.is_dns1123_label(generated), generated
    assert names.is_dns1123_subdomain(names.app_host(slug, "usw.sealos.io"))


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=64))
def test_any_display_name_gives_valid_names(display_name):
    slug = names.new_slug(display_name)
    assert slug[0] in string.ascii_lowercase
    for generated in _all_generated_names(slug):
        assert names.is_dns1123_label(generated), (display_name, generated)
