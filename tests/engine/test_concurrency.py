"""Several processes reconciling the same PostgreSQL database at once (SPEC §7 "Claim")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict

import pytest
import sqlalchemy as sa

from fullstack_agent import db
from fullstack_agent.models import Database, Project, ResourceStatus, Sandbox
from fullstack_agent.services import projects
from tests.conftest import ROOT
from tests.engine.conftest import NAMESPACE, make_user
from tests.support.fake_k8s import FakeKubernetes

PROCESSES = 4
USERS = 4
PROJECTS_PER_USER = 50


@pytest.mark.postgres
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_processes_share_the_work_without_overlap(database, engine_settings, tmp_path):
    settings = engine_settings(MAX_SANDBOXES_PER_RECONCILE="10", MAX_DATABASES_PER_RECONCILE="10")
    with FakeKubernetes(namespaces=[NAMESPACE]) as fake:
        for index in range(USERS):
            user_id = make_user(fake, f"user{index}")
            with db.session_scope() as session:
                for number in range(PROJECTS_PER_USER):
                    projects.create_project(session, user_id, f"Project {number}")
        env = {**os.environ, "DATABASE_URL": settings.database_url, "SANDBOX_DOMAIN": settings.SANDBOX_DOMAIN,
               "MAX_SANDBOXES_PER_RECONCILE": "10", "MAX_DATABASES_PER_RECONCILE": "10",
               "RECONCILE_HANDLER_THREADS": "4", "K8S_REQUEST_TIMEOUT_SECONDS": "10"}
        outputs = [tmp_path / f"worker{n}.jsonl" for n in range(PROCESSES)]
        workers = [subprocess.Popen([sys.executable, "-m", "tests.support.reconcile_loop", "--out", str(out)],
                                    cwd=ROOT, env=env) for out in outputs]
        try:
            codes = [worker.wait(timeout=240) for worker in workers]
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.kill()
        assert codes == [0] * PROCESSES

        total = USERS * PROJECTS_PER_USER
        with db.session_scope() as session:
            for model in (Sandbox, Database):
                counts = dict(session.execute(sa.select(model.status, sa.func.count()).group_by(model.status)).all())
                assert counts == {ResourceStatus.RUNNING: total}, (model.__name__, counts)
            assert session.execute(sa.select(sa.func.count()).select_from(Project)
                                   .where(Project.status == "RUNNING")).scalar_one() == total
        created = fake.created()
        assert max(created.values()) == 1, [item for item, count in created.items() if count > 1]
        assert len(created) == total * 8  # StatefulSet, Service, 2 Ingresses; ServiceAccount, Role, RoleBinding, Cluster

    handled = [json.loads(line) for out in outputs for line in out.read_text().splitlines()]
    assert len({event["pid"] for event in handled}) >= 2, "the work was not shared"
    by_row = defaultdict(list)
    for event in handled:
        by_row[event["resource_id"]].append(event)
    for events in by_row.values():
        events.sort(key=lambda event: event["started"])
        for earlier, later in zip(events, events[1:]):
            assert later["started"] >= earlier["finished"], (earlier, later)
