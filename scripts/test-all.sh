#!/usr/bin/env bash
# Sets up and runs every test suite, then prints one closing line "N passed, N failed".
# Used by the README's test command and by .ci/run. Safe to run again.
set -uo pipefail
cd "$(dirname "$0")/.."
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

step() { printf '\n== %s\n' "$*"; }

step "system packages"
bash scripts/setup-system.sh $(cat scripts/system-packages.txt) || { echo "system setup failed"; echo "0 passed, 1 failed"; exit 1; }

step "npm ci"
npm ci --no-audit --no-fund || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }

# Each check below is one suite; vitest's and Playwright's own counts are added to them.
checks_passed=0
checks_failed=0
check() {
  local name=$1; shift
  step "$name"
  if "$@"; then checks_passed=$((checks_passed + 1)); else checks_failed=$((checks_failed + 1)); echo "FAILED: $name"; fi
}

check "build" npm run build --silent
check "typecheck" npm run typecheck --silent
check "lint" npx biome check .

# Two runs: everything that is not timing-sensitive in parallel, then the suites that load the
# machine or measure it (NAT lab: up to 10 peers in namespaces; hardening: floods, fuzzing, loss;
# hostile: attacks on real sockets with spoofed sources, a full tmpfs, long real-time sessions;
# scale: a few hundred simulated peers, CPU-bound)
# one file at a time, so a lab's start-up never starves a flood test's monitor on 2 cores.
SERIAL=(test/natlab test/hardening test/hostile test/scale)
step "vitest"
npx vitest run --reporter=default --reporter=json --outputFile.json="$results/vitest.json" \
  $(printf -- '--exclude=%s/** ' "${SERIAL[@]}")
step "vitest (lab, hardening and hostile network, one file at a time)"
npx vitest run --no-file-parallelism --reporter=default --reporter=json \
  --outputFile.json="$results/vitest-serial.json" "${SERIAL[@]}"

# End-to-end: Chromium against the web host, and the Electron build where its binary exists
# (playwright.config.ts). Uses the build from above; screenshots land in test-results/screenshots/.
step "playwright"
PW_JSON_OUTPUT="$results/playwright.json" npx playwright test

node scripts/summarize.mjs "$checks_passed" "$checks_failed" "$results/vitest.json,$results/vitest-serial.json" \
  "$results/playwright.json"
