#!/bin/sh
# One-shot cluster initialisation, run by the hera-init Job (init-job.yaml) in the hera-mesh
# image: build the model repository, register its models, set the demand, apply a plan.
# Every step is idempotent: the build is deterministic (same seed, same bytes), registering
# replaces the records, and an apply that changes nothing writes no new plan version.
#
#   HERA_INIT_MODELS   models to build and register, comma-separated
#   HERA_INIT_SCALE    embedding table scale, in (0, 1]
#   HERA_INIT_DEMAND   `hera plan demand --units` entries; empty: no demand, no plan
#   HERA_MODEL_REPO, REDIS_URL, HERA_REDIS_PREFIX, HERA_PLACEMENT: where things are
set -eu
cd /app
hera() { node --enable-source-maps apps/cli/dist/main.js "$@"; }

# Tries a step until it works: placement and the node agents may still be starting.
retry() {
  n=0
  until "$@"; do
    n=$((n + 1))
    if [ "$n" -ge 60 ]; then echo "giving up: $*" >&2; return 1; fi
    sleep 5
  done
}

hera models build --repo "$HERA_MODEL_REPO" --only "$HERA_INIT_MODELS" --scale "$HERA_INIT_SCALE"
node /init/register-models.js
if [ -z "${HERA_INIT_DEMAND:-}" ]; then
  echo "HERA_INIT_DEMAND is empty: leaving the demand and the plan alone"
  exit 0
fi
retry hera health "$HERA_PLACEMENT"
# shellcheck disable=SC2086 # entries are separate words
retry hera plan demand --units --replace $HERA_INIT_DEMAND
# Needs registered nodes: retried until the node agents have joined.
retry hera plan apply
hera plan show
