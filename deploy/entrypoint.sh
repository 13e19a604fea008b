#!/bin/sh
# Entry point of the image (deploy/Dockerfile):
#   web      (default) apply migrations, then serve the app on $PORT: pages, websocket and API
#   worker   the reconciler alone, for a separate Deployment (RECONCILER_ENABLED=false on web)
#   migrate  apply migrations and exit (the Kubernetes init container)
# Anything else runs as given, e.g. `check-config` -> python -m fullstack_agent check-config.
set -eu

case "${1:-web}" in
    web)
        python -m fullstack_agent migrate
        # exec: reflex becomes PID 1 and handles SIGTERM (graceful stop of all workers).
        exec python -m reflex run --env prod --single-port --frontend-port "${PORT:-3000}"
        ;;
    worker | migrate | check-config)
        exec python -m fullstack_agent "$@"
        ;;
    *)
        exec "$@"
        ;;
esac
