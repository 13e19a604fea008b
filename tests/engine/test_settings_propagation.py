"""Settings changes reach running sandboxes (SPEC §5.3): RUNNING → UPDATING → RUNNING with the
new values in the StatefulSet of the fake API server, through `reconcile_once()`."""

import pytest

from fullstack_agent.k8s import manifests
from fullstack_agent.models import utcnow
from fullstack_agent.reconcile.scheduler import ReconcilerScheduler
from fullstack_agent.services import agent_settings, aiproxy, kubeconfig_settings, key_health, sealos_auth
from fullstack_agent.services.system_prompt import DEFAULT_SYSTEM_PROMPT
from tests.engine.conftest import NAMESPACE, RUNNING, create_project, make_user, project_detail, settle, statuses
from tests.support.fake_aiproxy import aiproxy_platform, fake_aiproxy  # noqa: F401  (fixtures)
from tests.support.sealos import desktop_user, make_token

pytestmark = pytest.mark.usefixtures("engine_settings")


def _containers(fake, project_id: str) -> tuple[dict[str, str], dict[str, str]]:
    """(main container env, init container env) of the project's StatefulSet."""
    slug = project_detail(project_id).project.slug
    pod = fake.get("statefulsets", NAMESPACE, slug)["spec"]["template"]["spec"]
    return ({item["name"]: item["value"] for item in pod["containers"][0]["env"]},
            {item["name"]: item["value"] for item in pod["initContainers"][0]["env"]})


def _running_project(clock, user_id: str) -> str:
    project_id = create_project(user_id)
    settle(clock)
    assert statuses(project_id) == RUNNING
    return project_id


def _save(user_id: str, **fields: str):
    values = {"api_key": "", "base_url": "", "model": "", "small_fast_model": "", **fields}
    return agent_settings.save(user_id, **values)


def _goes_through_updating(project_id: str, clock) -> None:
    assert statuses(project_id)[:2] == ("UPDATING", "UPDATING")
    settle(clock)
    assert statuses(project_id) == RUNNING


def test_a_new_key_base_url_and_models_reach_the_running_sandbox(database, fake_k8s, clock):
    user_id = make_user(fake_k8s)
    project_id = _running_project(clock, user_id)
    change = _save(user_id, api_key="sk-ant-brand-new-key-0042", base_url="https://api.anthropic.com",
                   model="claude-opus-4-1", small_fast_model="claude-haiku-4-5")
    assert change.sandboxes_updating == 1
    _goes_through_updating(project_id, clock)
    env, _ = _containers(fake_k8s, project_id)
    assert env["ANTHROPIC_AUTH_TOKEN"] == "sk-ant-brand-new-key-0042"
    assert env["ANTHROPIC_BASE_URL"] == "https://api.anthropic.com"
    assert (env["ANTHROPIC_MODEL"], env["ANTHROPIC_SMALL_FAST_MODEL"]) == ("claude-opus-4-1", "claude-haiku-4-5")

    # Clearing values removes the variables; removing the key removes ANTHROPIC_AUTH_TOKEN.
    _save(user_id, base_url="https://api.anthropic.com")
    _goes_through_updating(project_id, clock)
    agent_settings.remove_key(user_id)
    _goes_through_updating(project_id, clock)
    env, _ = _containers(fake_k8s, project_id)
    assert {"ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_MODEL", "ANTHROPIC_SMALL_FAST_MODEL"}.isdisjoint(env)
    assert env["ANTHROPIC_BASE_URL"] == "https://api.anthropic.com"


def test_an_unchanged_save_leaves_sandboxes_alone(database, fake_k8s, clock):
    user_id = make_user(fake_k8s)
    project_id = _running_project(clock, user_id)
    assert _save(user_id, api_key="", base_url="https://aiproxy.test/anthropic").sandboxes_updating == 0
    assert statuses(project_id) == RUNNING


def test_the_system_prompt_reaches_the_home_volume_step(database, fake_k8s, clock):
    user_id = make_user(fake_k8s)
    project_id = _running_project(clock, user_id)
    assert _containers(fake_k8s, project_id)[1][manifests.INIT_SYSTEM_PROMPT_VAR] == DEFAULT_SYSTEM_PROMPT
    assert agent_settings.save_system_prompt(user_id, "Always answer in French.").sandboxes_updating == 1
    _goes_through_updating(project_id, clock)
    assert _containers(fake_k8s, project_id)[1][manifests.INIT_SYSTEM_PROMPT_VAR] == "Always answer in French.\n"
    agent_settings.reset_system_prompt(user_id)
    _goes_through_updating(project_id, clock)
    assert _containers(fake_k8s, project_id)[1][manifests.INIT_SYSTEM_PROMPT_VAR] == DEFAULT_SYSTEM_PROMPT


def test_a_new_kubeconfig_reaches_the_running_sandbox(database, fake_k8s, clock):
    user_id = make_user(fake_k8s)
    project_id = _running_project(clock, user_id)
    fake_k8s.tokens.add("rotated-token")
    rotated = fake_k8s.kubeconfig(NAMESPACE, token="rotated-token")
    assert kubeconfig_settings.save(user_id, rotated).sandboxes_updating == 1
    _goes_through_updating(project_id, clock)
    assert _containers(fake_k8s, project_id)[1][manifests.INIT_KUBECONFIG_VAR] == rotated


def test_a_key_replaced_by_the_health_job_reaches_the_running_sandbox(database, fake_k8s, clock,
                                                                       aiproxy_platform):  # noqa: F811
    fake_aiproxy = aiproxy_platform
    user_id = sealos_auth.sign_in(make_token("u1"), fake_k8s.kubeconfig(NAMESPACE), desktop_user("u1")).user_id
    project_id = _running_project(clock, user_id)
    name = aiproxy.token_name("u1")
    old_key = fake_aiproxy.key_for(name)
    assert _containers(fake_k8s, project_id)[0]["ANTHROPIC_AUTH_TOKEN"] == old_key
    fake_aiproxy.delete(name)
    assert key_health.run_key_health().outcomes == {key_health.HealthStatus.PROVISIONED: 1}
    _goes_through_updating(project_id, clock)
    env, _ = _containers(fake_k8s, project_id)
    assert env["ANTHROPIC_AUTH_TOKEN"] == fake_aiproxy.key_for(name) != old_key


def test_the_key_health_job_shares_the_reconcilers_scheduler(database, engine_settings):
    engine_settings(KEY_HEALTH_INTERVAL_SECONDS="900")
    scheduler = ReconcilerScheduler(leader_election=False)
    scheduler.start()
    try:
        job = scheduler._scheduler.get_job("key-health")  # noqa: SLF001 (the job table is what is checked)
        assert job.trigger.interval.total_seconds() == 900
        assert (job.next_run_time - utcnow()).total_seconds() > 800  # the first run waits one interval
    finally:
        scheduler.shutdown()
