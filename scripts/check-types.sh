#!/usr/bin/env bash
# Fails when worker-configuration.d.ts is not exactly what `npm run types` generates from
# wrangler.toml (a binding added, renamed or removed without regenerating). Leaves the file as it was.
set -euo pipefail
cd "$(dirname "$0")/.."
file=worker-configuration.d.ts
saved="$(mktemp)"
trap 'rm -f "$saved"' EXIT
cp "$file" "$saved"
npm run --silent types >/dev/null
if ! cmp -s "$saved" "$file"; then
  diff -u "$saved" "$file" || true
  cp "$saved" "$file"
  echo "$file is out of date with wrangler.toml: run \`npm run types\` and commit the result." >&2
  exit 1
fi
echo "$file is up to date with wrangler.toml."
