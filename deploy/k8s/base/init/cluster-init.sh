#!/bin/sh
# One-shot cluster initialisation, run by the hera-init Job (init-job.yaml) in the hera-mesh
# image: build the model repository, register its models, set the demand, apply a plan.
# Every step is safe to repeat: the build is deterministic (same seed, same bytes), registering
# replaces the records, the demand is set only when none is, and an apply that changes nothing
# writes no new plan version.
#
#   HERA_INIT_MODELS   models to build and register, comma-separated
#   HERA_INIT_SCALE    embedding table scale, in (0, 1]
#   HERA_INIT_DEMAND   `hera plan demand --units` entries, set when no demand is; empty: no plan
#   HERA_MODEL_REPO, REDIS_URL, HERA_REDIS_PREFIX, HERA_PLACEMENT: where things are
#   HERA_CLI           the CLI's entry point (default: where the image has it)
set -eu
here=$(dirname "$0")
hera() { node --enable-source-maps "${HERA_CLI:-/app/apps/cli/dist/main.js}" "$@"; }

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
node "$here/register-models.js"
if [ -z "${HERA_INIT_DEMAND:-}" ]; then
  echo "HERA_INIT_DEMAND is empty: leaving the demand and the plan alone"
  exit 0
fi
retry hera health "$HERA_PLACEMENT"
# The demand is set once: a demand already in Redis (an operator's, or an earlier run's) stands.
demand=$(hera plan demand --json)
if [ "$(echo "$demand" | tr -d ' \n')" = "[]" ]; then
  # shellcheck disable=SC2086 # entries are separate words
  hera plan demand --units --replace $HERA_INIT_DEMAND
else
  echo "a demand is already set: leaving it (change it with hera plan demand)"
fi
# Needs registered nodes: retried until the node agents have joined.
retry hera plan apply
hera plan show
