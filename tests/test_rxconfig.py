"""rxconfig.py hands our settings to Reflex: REDIS_URL alone switches on the redis state
manager (several workers), CORS_ALLOWED_ORIGINS restricts the origins of a static front end."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.project_copy import child_env, project_copy

_SHOW_CONFIG = """
import json
from reflex.istate.manager import StateManager
from reflex_base.config import get_config
config = get_config()
print(json.dumps({"redis_url": config.redis_url, "cors": config.cors_allowed_origins,
                  "state_manager": type(StateManager.create()).__name__}))
"""


@pytest.fixture(scope="module")
def reflex_config():
    with project_copy() as project_dir:
        def show(**env: str) -> dict:
            result = subprocess.run([sys.executable, "-c", _SHOW_CONFIG], cwd=project_dir,
                                    env=child_env({"REDIS_URL": "", "CORS_ALLOWED_ORIGINS": "", **env}),
                                    capture_output=True, text=True, timeout=120)
            assert result.returncode == 0, result.stderr[-2000:]
            return json.loads(result.stdout.strip().splitlines()[-1])
        yield show


def test_without_redis_reflex_keeps_state_in_the_process_and_allows_every_origin(reflex_config):
    config = reflex_config()
    assert config["redis_url"] is None
    assert config["state_manager"] == "StateManagerDisk"
    assert config["cors"] == ["*"]


def test_redis_url_alone_switches_reflex_to_the_redis_state_manager(reflex_config):
    config = reflex_config(REDIS_URL="redis://127.0.0.1:6379/7")
    assert config["redis_url"] == "redis://127.0.0.1:6379/7"
    assert config["state_manager"] == "StateManagerRedis"


def test_cors_allowed_origins_reach_reflex(reflex_config):
    config = reflex_config(CORS_ALLOWED_ORIGINS="https://app.example.com, https://static.example.com/")
    assert config["cors"] == ["https://app.example.com", "https://static.example.com"]


def test_a_wrong_value_stops_reflex_with_the_variable_named():
    with project_copy() as project_dir:
        result = subprocess.run([sys.executable, "-m", "reflex", "compile", "--dry"], cwd=project_dir,
                                env=child_env({"CORS_ALLOWED_ORIGINS": "app.example.com"}),
                                capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "Invalid setting CORS_ALLOWED_ORIGINS" in result.stdout + result.stderr
