#!/usr/bin/env bash
# The whole test suite, from a fresh clone on a fresh machine: installs what is missing,
# builds, and runs unit and end-to-end tests. README's test command and .ci/run call this.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/npm-deps.sh

# End-to-end prerequisites (Debian packages for lab nodes) are installed by the lab's setup
# script when running as root (lab nodes need it).
if [ -f scripts/lab-setup.sh ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "== lab prerequisites"
    bash scripts/lab-setup.sh
    # Kubernetes v1.20.2 for the lab images: a no-op with the machine's cache, ~6 min without it.
    bash scripts/build-k8s.sh >/dev/null
  else
    echo "!! ============================================================== !!"
    echo "!! not root: END-TO-END TESTS WILL SKIP (lab nodes need root)     !!"
    echo "!! ============================================================== !!"
  fi
fi

echo "== build"
npm run build --silent
echo "== tests"
report=$(mktemp -t drover-vitest-XXXXXX.json)
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# One plain closing line, whatever the runner printed above.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' "$report" || true
rm -f "$report"
exit "$status"
