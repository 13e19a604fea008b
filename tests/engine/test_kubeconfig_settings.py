"""Settings' kubeconfig: validated against the fake API server, one precise message per failure."""

import pytest
from sqlmodel import select

from fullstack_agent import db
from fullstack_agent.k8s.kubeconfig import KubeconfigError
from fullstack_agent.models import AuditEvent, ConfigSource, User
from fullstack_agent.services import kubeconfig_settings, sealos_auth, user_config
from tests.engine.conftest import NAMESPACE
from tests.support.fake_k8s import FakeKubernetes
from tests.support.net import free_port
from tests.support.sealos import JWT_SECRET, desktop_user, kubeconfig_for, make_token

pytestmark = pytest.mark.usefixtures("engine_settings")


def _user() -> str:
    with db.session_scope() as session:
        user = User(name="self-hoster")
        session.add(user)
    return user.id


def _without(text: str, line: str) -> str:
    assert line in text
    return text.replace(line, "")


def failures(fake: FakeKubernetes) -> dict[str, tuple[str, str]]:
    """name → (kubeconfig text, the start of the message it must get)."""
    good = fake.kubeconfig(NAMESPACE)
    return {
        "garbage": ("clusters: [unclosed\n  - : :", "The kubeconfig is not valid YAML"),
        "no context": (_without(good, "current-context: fake\n"), "The kubeconfig has no current-context."),
        "no namespace": (_without(good, f"    namespace: {NAMESPACE}\n"),
                         'The current context "fake" has no namespace.'),
        "unreachable": (fake.kubeconfig(NAMESPACE, server=f"http://127.0.0.1:{free_port()}"),
                        "Cannot reach the Kubernetes API at http://127.0.0.1:"),
        "401": (fake.kubeconfig(NAMESPACE, token="expired-token"),
                "The Kubernetes API rejected the kubeconfig's credentials (401 Unauthorized)"),
        "403": (fake.kubeconfig("ns-someone-else"), 'No permission to access namespace "ns-someone-else" (403'),
    }


@pytest.mark.parametrize("case", ["garbage", "no context", "no namespace", "unreachable", "401", "403"])
def test_each_failure_has_its_message_and_stores_nothing(database, fake_k8s, case):
    user_id = _user()
    text, message = failures(fake_k8s)[case]
    with pytest.raises(KubeconfigError) as raised:
        kubeconfig_settings.save(user_id, text)
    assert str(raised.value).startswith(message)
    assert "expired-token" not in str(raised.value) and fake_k8s.token not in str(raised.value)
    assert kubeconfig_settings.summary(user_id) == kubeconfig_settings.KubeconfigSummary(present=False,
                                                                                        from_sealos=False)


def test_a_valid_kubeconfig_is_stored_encrypted_and_summarized(database, fake_k8s):
    user_id = _user()
    saved = kubeconfig_settings.save(user_id, fake_k8s.kubeconfig(NAMESPACE))
    assert saved.summary.namespace == NAMESPACE and saved.sandboxes_updating == 0
    summary = kubeconfig_settings.summary(user_id)
    assert (summary.present, summary.from_sealos, summary.namespace, summary.server, summary.problem) == (
        True, False, NAMESPACE, fake_k8s.url, "")
    assert summary.updated_at is not None and fake_k8s.token not in repr(summary)
    with db.session_scope() as session:
        entry = user_config.get_entry(session, user_id, user_config.KUBECONFIG)
        assert entry.source is ConfigSource.manual and fake_k8s.token not in entry.value
        event = session.exec(select(AuditEvent).where(AuditEvent.action == kubeconfig_settings.SAVED_ACTION)).one()
    assert event.detail == f"namespace {NAMESPACE} on 127.0.0.1"
    paths = [request.path.rstrip("/") for request in fake_k8s.requests]
    assert paths == ["/version", f"/api/v1/namespaces/{NAMESPACE}/pods"]


def test_a_stored_kubeconfig_that_no_longer_parses_is_explained(database):
    user_id = _user()
    with db.session_scope() as session:
        user_config.set_value(session, user_id, user_config.KUBECONFIG, "apiVersion: v1\n", source=ConfigSource.manual)
    summary = kubeconfig_settings.summary(user_id)
    assert summary.present and summary.namespace == "" and "current-context" in summary.problem


def test_an_oversized_kubeconfig_is_refused_before_parsing(database, fake_k8s):
    with pytest.raises(KubeconfigError, match="larger than 256 KiB"):
        kubeconfig_settings.save(_user(), fake_k8s.kubeconfig(NAMESPACE) + "#" * (256 * 1024))
    assert fake_k8s.requests == []


def test_a_sealos_users_kubeconfig_is_read_only(database, settings_env, fake_k8s):
    settings_env(SEALOS_JWT_SECRET=JWT_SECRET)
    user_id = sealos_auth.sign_in(make_token("u1"), kubeconfig_for("u1"), desktop_user("u1")).user_id
    summary = kubeconfig_settings.summary(user_id)
    assert summary.from_sealos and summary.namespace == "ns-u1" and summary.server == "https://127.0.0.1:6443"
    with pytest.raises(KubeconfigError, match="comes from the Sealos desktop"):
        kubeconfig_settings.save(user_id, fake_k8s.kubeconfig(NAMESPACE))
    assert fake_k8s.requests == []
    with db.session_scope() as session:
        assert user_config.get_value(session, user_id, user_config.KUBECONFIG) == kubeconfig_for("u1")
