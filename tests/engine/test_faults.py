"""Failures of the Kubernetes API and of handlers: each ends in the status SPEC §7 names, with a
readable message, and nothing is created twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from fullstack_agent import db
from fullstack_agent.k8s.errors import Failure, FailureKind
from fullstack_agent.models import ConfigSource, ResourceStatus, Sandbox
from fullstack_agent.reconcile.driver import BACKOFF_CAP_SECONDS, failure_outcome
from fullstack_agent.services import projects, user_config
from tests.engine.conftest import (
    NAMESPACE,
    RUNNING,
    create_project,
    make_user,
    project_detail,
    reconcile_once,
    run_passes,
    running_project,
    settle,
    statuses,
)
from tests.support.fake_k8s import FakeKubernetes

pytestmark = pytest.mark.usefixtures("engine_settings")


def _sandbox(project_id: str) -> Sandbox:
    return project_detail(project_id).sandbox


def _assert_created_once(fake: FakeKubernetes) -> None:
    created = fake.created()
    assert created and max(created.values()) == 1, created


@pytest.mark.parametrize("fault, expected", [
    (dict(status=500, message="etcdserver: leader changed"), "HTTP 500"),
    (dict(status=503, reason="ServiceUnavailable"), "HTTP 503"),
    (dict(drop=True), "connection dropped"),
    (dict(delay=1.5), "timed out"),
])
def test_transient_failures_keep_the_status_and_retry(database, fake_k8s, clock, fault, expected):
    user_id = make_user(fake_k8s)
    fake_k8s.inject("POST", r"/services$", **fault)
    project_id = create_project(user_id)

    reconcile_once(clock.advance(1))

    sandbox = _sandbox(project_id)
    assert sandbox.status is ResourceStatus.CREATING
    assert expected in sandbox.status_message and "retry 1 in 2 s" in sandbox.status_message
    assert sandbox.attempts == 1
    assert sandbox.locked_until == clock.now + timedelta(seconds=2)

    settle(clock)
    assert statuses(project_id) == RUNNING
    assert _sandbox(project_id).attempts == 0
    _assert_created_once(fake_k8s)


def test_conflict_on_a_patch_is_retried(database, fake_k8s, clock):
    user_id, project_id, _ = running_project(fake_k8s, clock)
    fake_k8s.inject("PATCH", r"/statefulsets/", status=409, reason="Conflict", message="the object has been modified")
    with db.session_scope() as session:
        projects.stop_project(session, user_id, project_id)

    reconcile_once(clock.advance(1))
    sandbox = _sandbox(project_id)
    assert sandbox.status is ResourceStatus.STOPPING and "conflicting change (409)" in sandbox.status_message

    settle(clock)
    assert statuses(project_id) == ("STOPPED",) * 3


@pytest.mark.parametrize("status, reason, message, expected", [
    (422, "Invalid", 'StatefulSet.apps "x" is invalid: spec.replicas: Invalid value', "HTTP 422"),
    (403, "Forbidden", 'exceeded quota: quota-ns, requested: limits.cpu=2', "exceeded quota"),
])
def test_permanent_failures_set_error_with_the_reason(database, fake_k8s, clock, status, reason, message, expected):
    user_id = make_user(fake_k8s)
    fake_k8s.inject("POST", r"/statefulsets$", status=status, reason=reason, message=message)
    project_id = create_project(user_id)

    settle(clock)

    sandbox = _sandbox(project_id)
    assert sandbox.status is ResourceStatus.ERROR and expected in sandbox.status_message
    assert statuses(project_id) == ("ERROR", "ERROR", "RUNNING")
    assert sandbox.locked_until is None
    # The objects after the failed one were never attempted, so nothing is half-created twice.
    _assert_created_once(fake_k8s)


def test_missing_kubeblocks_is_permanent(database, engine_settings, clock):
    with FakeKubernetes(namespaces=[NAMESPACE], kubeblocks_installed=False) as fake:
        project_id = create_project(make_user(fake))
        settle(clock)
        database_row = project_detail(project_id).database
        assert database_row.status is ResourceStatus.ERROR
        assert "KubeBlocks is not installed" in database_row.status_message
        assert statuses(project_id)[1] == "RUNNING"


def test_a_stale_kubeconfig_waits_for_a_new_sign_in(database, fake_k8s, clock):
    user_id = make_user(fake_k8s)
    project_id = create_project(user_id)
    fake_k8s.tokens = {"rotated-token"}  # Sealos rotated the user's kubeconfig

    run_passes(clock, 3, step=60)

    detail = project_detail(project_id)
    for row in (detail.sandbox, detail.database):
        assert row.status is ResourceStatus.CREATING
        assert "401" in row.status_message and "sign in again" in row.status_message
    assert not fake_k8s.created()

    with db.session_scope() as session:
        user_config.set_value(session, user_id, user_config.KUBECONFIG,
                              fake_k8s.kubeconfig(NAMESPACE, token="rotated-token"), source=ConfigSource.sealos)
    settle(clock)
    assert statuses(project_id) == RUNNING
    _assert_created_once(fake_k8s)


def test_without_a_kubeconfig_resources_wait_with_a_message(database, fake_k8s, clock):
    user_id = make_user(fake_k8s)
    project_id = create_project(user_id)
    with db.session_scope() as session:
        user_config.delete_value(session, user_id, user_config.KUBECONFIG)

    reconcile_once(clock.advance(1))

    sandbox = _sandbox(project_id)
    assert sandbox.status is ResourceStatus.CREATING and "Add your kubeconfig in Settings" in sandbox.status_message


def test_a_handler_crashing_midway_resumes_without_duplicates(database, fake_k8s, clock):
    user_id = make_user(fake_k8s)
    # The StatefulSet is created, then the Service's answer is garbage: the handler stops there.
    fake_k8s.inject("POST", r"/services$", raw_body=b"<html>proxy error</html>")
    project_id = create_project(user_id)

    reconcile_once(clock.advance(1))
    sandbox = _sandbox(project_id)
    assert sandbox.status is ResourceStatus.CREATING and "malformed answer" in sandbox.status_message

    # A readable answer that breaks our own code: an internal error, logged, retried.
    fake_k8s.inject("GET", r"/statefulsets/", raw_body=b'{"spec": {"replicas": 1}, "status": {"replicas": "many"}}')
    reconcile_once(clock.advance(5))
    reconcile_once(clock.advance(5))
    assert "Internal error while reconciling (ValueError)" in _sandbox(project_id).status_message

    settle(clock)
    assert statuses(project_id) == RUNNING
    _assert_created_once(fake_k8s)


def test_resources_deleted_behind_our_back_become_errors(database, fake_k8s, clock, engine_settings):
    user_id, project_id, slug = running_project(fake_k8s, clock)
    fake_k8s.remove("statefulsets", NAMESPACE, slug)
    fake_k8s.remove("clusters", NAMESPACE, slug)

    reconcile_once(clock.advance(10))
    assert statuses(project_id) == RUNNING  # not checked before the drift interval

    reconcile_once(clock.advance(61))

    detail = project_detail(project_id)
    assert statuses(project_id) == ("ERROR",) * 3
    assert detail.sandbox.status_message == "The sandbox was deleted outside Fullstack Agent."
    assert detail.database.status_message == "The database was deleted outside Fullstack Agent."


def test_a_start_that_never_becomes_ready_hits_the_deadline(database, engine_settings, clock):
    with FakeKubernetes(namespaces=[NAMESPACE], auto_ready=False, kubeblocks="manual") as fake:
        project_id = create_project(make_user(fake))
        run_passes(clock, 3)
        slug = project_detail(project_id).project.slug
        assert statuses(project_id) == ("STARTING",) * 3
        fake.add_event(NAMESPACE, f"{slug}-0", "Scheduled", "Successfully assigned", type_="Normal")
        fake.add_event(NAMESPACE, f"{slug}-0", "Failed",
                       'Failed to pull image "runtime:v1": ErrImagePull: not found')
        fake.add_event(NAMESPACE, f"{slug}-postgresql-0", "FailedScheduling", "0/3 nodes are available: "
                       "3 Insufficient memory.")

        reconcile_once(clock.advance(30))
        assert "ErrImagePull" in project_detail(project_id).sandbox.status_message  # progress while waiting

        reconcile_once(clock.advance(601))

        detail = project_detail(project_id)
        assert statuses(project_id) == ("ERROR",) * 3
        assert detail.sandbox.status_message.startswith("Not ready after")
        assert "ErrImagePull" in detail.sandbox.status_message
        assert "Insufficient memory" in detail.database.status_message


def test_a_delete_during_a_slow_create_is_not_overwritten(database, engine_settings, fake_k8s, clock):
    engine_settings(K8S_REQUEST_TIMEOUT_SECONDS="5")
    user_id = make_user(fake_k8s)
    project_id = create_project(user_id)
    fake_k8s.inject("POST", r"/statefulsets$", delay=1.0)
    pass_done = threading.Event()
    worker = threading.Thread(target=lambda: (reconcile_once(clock.advance(1)), pass_done.set()))
    worker.start()
    try:
        fake_k8s.wait_for_request("POST", r"/statefulsets$")
        with db.session_scope() as session:
            projects.delete_project(session, user_id, project_id)
    finally:
        worker.join(timeout=30)
    assert pass_done.is_set()

    # The late create finished its calls but could not write STARTING over the user's Delete
    # (the database pass of the same reconcile already removed the untouched database).
    assert statuses(project_id)[:2] == ("TERMINATING", "TERMINATING")
    assert fake_k8s.objects("statefulsets", NAMESPACE)

    settle(clock)
    assert statuses(project_id) == (None, None, None)
    for plural in ("statefulsets", "services", "ingresses", "persistentvolumeclaims", "clusters"):
        assert fake_k8s.objects(plural, NAMESPACE) == {}, plural


def test_backoff_doubles_up_to_five_minutes(settings_env):
    settings = settings_env(SANDBOX_START_TIMEOUT_SECONDS="600")
    delays = []
    for attempts in range(12):
        row = Sandbox(project_id="p", name="n", k8s_namespace="ns", sandbox_name="s", runtime_image="i",
                      status=ResourceStatus.RUNNING, attempts=attempts)
        outcome = failure_outcome(Failure(FailureKind.TRANSIENT, "Kubernetes API unreachable"), row,
                                  row.status_changed_at, settings)
        assert outcome.status is None and outcome.attempts == attempts + 1
        delays.append(outcome.recheck_in)
    assert delays[:4] == [2, 4, 8, 16]
    assert max(delays) == BACKOFF_CAP_SECONDS == 300 and delays[-1] == 300
