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
# So is the patched mail-parser; its tests of the patch compare each patched function with
# upstream's (see vendor/mail-parser/PATCH.md).
cargo test --manifest-path vendor/mail-parser/Cargo.toml --lib --features serde,full_encoding patched
