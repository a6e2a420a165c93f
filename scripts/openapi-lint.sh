#!/usr/bin/env bash
# Lints the generated OpenAPI document with Redocly's recommended rules; fails on any error.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tmp
npx tsx scripts/openapi-dump.ts > .tmp/openapi.json
npx redocly lint --format=summary .tmp/openapi.json
