#!/usr/bin/env bash
# The whole test suite: starts the services it needs, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/services.sh
eval "$(scripts/dovecot.sh env)"
eval "$(scripts/postfix.sh env)"
cargo test --workspace --all-targets "$@"
# The patched whatlang is a workspace of its own (see vendor/whatlang/PATCH.md).
cargo test --manifest-path vendor/whatlang/Cargo.toml --lib
