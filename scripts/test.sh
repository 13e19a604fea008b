#!/usr/bin/env bash
# Installs what is missing (Python test extras, bun, Debian's chromium) and runs the
# whole test suite. Extra arguments go to pytest.
source "$(dirname "$0")/setup.sh"
ensure_python "test"
ensure_bun
ensure_chromium
exec python -m pytest "$@"
