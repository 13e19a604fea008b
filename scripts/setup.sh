# Shared set-up, sourced by scripts/run.sh and scripts/test.sh. Safe to run again:
# each step checks whether its result is already there.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

BUN_VERSION="1.4.5"
case "$(uname -m)" in
    x86_64) BUN_PACKAGE="@oven/bun-linux-x64" ;;
    aarch64|arm64) BUN_PACKAGE="@oven/bun-linux-aarch64" ;;
    *) echo "setup: no bun build for $(uname -m)" >&2; exit 1 ;;
esac
BUN_BIN="$ROOT/.tools/node_modules/$BUN_PACKAGE/bin"

export PATH="$BUN_BIN:$ROOT/.venv/bin:$PATH"
export REFLEX_TELEMETRY_ENABLED=false
export REFLEX_CHECK_LATEST_VERSION=false
export NPM_CONFIG_REGISTRY="${NPM_CONFIG_REGISTRY:-$(npm config get registry 2>/dev/null || echo https://registry.npmjs.org/)}"

# Installs the Python environment with the given extras ("" or "test"); reinstalls only
# when pyproject.toml changed since the last install.
ensure_python() {
    local extras="$1"
    local stamp=".venv/.installed-$extras"
    if [ ! -x .venv/bin/python ]; then
        python3.11 -m venv .venv 2>/dev/null || python3 -m venv .venv
    fi
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        local target="."
        [ -n "$extras" ] && target=".[$extras]"
        # This machine's pip configuration warns about absent local indexes; drop that noise.
        .venv/bin/pip install --quiet --disable-pip-version-check -e "$target" 2>&1 \
            | { grep -v "^WARNING: Location" || true; }
        touch "$stamp"
    fi
}

# Reflex builds its front end with bun; its own installer downloads bun from GitHub, so
# we take the platform package from the npm registry instead (SPEC §1).
ensure_bun() {
    if [ ! -x "$BUN_BIN/bun" ] || [ "$("$BUN_BIN/bun" --version)" != "$BUN_VERSION" ]; then
        npm install --prefix .tools --no-audit --no-fund --ignore-scripts --silent \
            "$BUN_PACKAGE@$BUN_VERSION"
    fi
}

ensure_chromium() {
    if [ ! -x /usr/bin/chromium ]; then
        local sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
    fi
}
