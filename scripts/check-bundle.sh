#!/usr/bin/env bash
# Builds the Worker exactly as `wrangler deploy` would (--dry-run: nothing is uploaded, no account
# needed), prints the size of what would be uploaded, and fails when it is over the budget.
#   scripts/check-bundle.sh [environment]   (default: production)
set -euo pipefail
cd "$(dirname "$0")/.."
environment="${1:-production}"
budget_bytes=$((1024 * 1024)) # 1 MiB gzipped; Workers allow 3 MiB (free) / 10 MiB (paid)
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
npx wrangler deploy --dry-run --env "$environment" --outdir "$out" >"$out.log" 2>&1 || {
  cat "$out.log" >&2
  rm -f "$out.log"
  exit 1
}
rm -f "$out.log"
raw=0
gzipped=0
modules=0
while IFS= read -r -d '' module; do
  raw=$((raw + $(wc -c <"$module")))
  gzipped=$((gzipped + $(gzip -9 -c "$module" | wc -c)))
  modules=$((modules + 1))
done < <(find "$out" -type f ! -name '*.map' ! -name 'README.md' -print0)
kib() { awk -v b="$1" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }
echo "bundle ($environment): $modules modules, $(kib "$raw") raw, $(kib "$gzipped") gzipped (budget $(kib "$budget_bytes") gzipped)"
if [ "$gzipped" -gt "$budget_bytes" ]; then
  echo "The bundle is over budget: find what grew with \`npx wrangler deploy --dry-run --outdir dist --env $environment\`." >&2
  exit 1
fi
