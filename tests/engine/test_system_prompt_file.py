"""The sandbox's init step (a shell script in the manifest) really writes the system prompt."""

import os
import subprocess

from fullstack_agent.k8s import manifests, names


def _run_init_step(home, prompt: str) -> None:
    # As the test user: same script, minus the change of owner to the sandbox's uid.
    script = (manifests.INIT_SCRIPT.replace(names.HOME_PATH, str(home))
              .replace(f"chown {manifests.SANDBOX_UID}:{manifests.SANDBOX_UID}", "true"))
    env = {"PATH": os.environ["PATH"], manifests.INIT_KUBECONFIG_VAR: "apiVersion: v1",
           manifests.INIT_SYSTEM_PROMPT_VAR: prompt}
    subprocess.run(["sh", "-c", script], env=env, check=True, capture_output=True, timeout=30)


def test_the_prompt_file_is_refreshed_and_imported_once_next_to_the_users_own_notes(tmp_path):
    memory = tmp_path / ".claude" / "CLAUDE.md"
    prompt_file = tmp_path / manifests.SYSTEM_PROMPT_FILE
    _run_init_step(tmp_path, "first prompt")
    assert memory.read_text() == f"@~/{manifests.SYSTEM_PROMPT_FILE}\n"
    memory.write_text(memory.read_text() + "My own notes for Claude.\n")
    tricky = "Use 100% of `tests`, $HOME and %s literally.\n\nSecond paragraph."
    _run_init_step(tmp_path, tricky)
    _run_init_step(tmp_path, tricky)
    assert prompt_file.read_text() == tricky + "\n"
    assert memory.read_text() == f"@~/{manifests.SYSTEM_PROMPT_FILE}\nMy own notes for Claude.\n"
    assert (tmp_path / ".kube" / "config").read_text() == "apiVersion: v1\n"
