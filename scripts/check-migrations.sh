#!/usr/bin/env bash
# Fails when src/db/schema.ts and migrations/ disagree: drizzle-kit is asked to generate a migration
# into a scratch copy of migrations/, and must say there is nothing to generate.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=.tmp/migrations-check
rm -rf "$scratch" && mkdir -p "$scratch"
cp -r migrations "$scratch/migrations"
npx drizzle-kit generate --dialect sqlite --schema ./src/db/schema.ts --out "$scratch/migrations" >"$scratch/log" 2>&1 || true
if ! grep -q "No schema changes" "$scratch/log"; then
  echo "src/db/schema.ts and migrations/ disagree (or drizzle-kit failed). Run: npm run db:generate" >&2
  cat "$scratch/log" >&2
  exit 1
fi
echo "migrations match src/db/schema.ts"
