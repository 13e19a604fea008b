#!/usr/bin/env bash
# Installs what is missing, applies migrations and serves the app on one port
# (default 3000; PORT=... to change). SQLite under ./data and password sign-in by default.
source "$(dirname "$0")/setup.sh"
ensure_python ""
ensure_bun
python -m fullstack_agent check-config
python -m fullstack_agent migrate
exec reflex run --env prod --single-port --frontend-port "${PORT:-3000}"
