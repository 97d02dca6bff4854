#!/usr/bin/env bash
# Installs what a release build of a Linux binary needs, idempotently, and
# prints the folder to put in front of PATH on its last line:
#   - zig, from the PyPI package `ziglang` (pinned), in a virtualenv of its own
#   - cargo-zigbuild, from crates.io (pinned, `cargo install --locked`)
#   - objdump (Debian's binutils) and zip, to check and pack the binaries
# into ${KMCP_TOOLS_DIR:-$HOME/.cache/kubectl-kmcp/release-tools}. A run that
# finds the pinned versions there installs nothing. krew/build.sh and
# tests/setup call it.
#
#   krew/toolchain.sh            install what is missing; print the bin folder
#   krew/toolchain.sh --check    install nothing; exit 1 naming what is missing
#
# The versions are part of the release's reproducibility: the same zig and
# cargo-zigbuild (and Rust) give the same bytes. Change them here only.
# Exit: 0 done, 1 failed (--check: something missing), 2 usage error.
set -euo pipefail

ZIGLANG_VERSION=0.15.1
CARGO_ZIGBUILD_VERSION=0.24.1

tools="${KMCP_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-kmcp/release-tools}"
bin="$tools/bin"
venv="$tools/ziglang-$ZIGLANG_VERSION"
check=false

log() { printf 'krew/toolchain.sh: %s\n' "$*" >&2; }
die() { # exit code, message
    printf 'error: %s\n' "$2" >&2
    exit "$1"
}

case "${1:-}" in
"") ;;
--check) check=true ;;
-h | --help)
    sed -n '2,/^# Exit/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
*) die 2 "unknown argument '$1' (see krew/toolchain.sh --help)" ;;
esac

missing=()
zig_ok() { [[ -x $bin/zig ]] && [[ $("$bin/zig" version 2>/dev/null) == "$ZIGLANG_VERSION" ]]; }
zigbuild_ok() {
    [[ -x $bin/cargo-zigbuild ]] &&
        [[ $("$bin/cargo-zigbuild" --version 2>/dev/null) == "cargo-zigbuild $CARGO_ZIGBUILD_VERSION" ]]
}
zig_ok || missing+=("zig $ZIGLANG_VERSION")
zigbuild_ok || missing+=("cargo-zigbuild $CARGO_ZIGBUILD_VERSION")
command -v objdump >/dev/null || missing+=(objdump)
command -v zip >/dev/null || missing+=(zip)
if $check; then
    ((${#missing[@]} == 0)) || die 1 "missing in $bin or on PATH: ${missing[*]} (run krew/toolchain.sh)"
    echo "$bin"
    exit 0
fi
mkdir -p "$bin"

# Debian's packages, on a Debian or Ubuntu machine (a release job on another system brings its own).
apt_install() {
    local need=()
    for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
    ((${#need[@]} == 0)) && return 0
    command -v apt-get >/dev/null || die 1 "install ${need[*]} (no apt-get on this machine)"
    local sudo=""
    [[ $(id -u) == 0 ]] || sudo=sudo
    log "installing ${need[*]} (apt-get)"
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
}
command -v objdump >/dev/null || apt_install binutils
command -v zip >/dev/null || apt_install zip

if ! zig_ok; then
    command -v python3 >/dev/null || apt_install python3
    if [[ ! -x $venv/bin/python ]]; then
        log "creating a virtualenv for ziglang $ZIGLANG_VERSION in $venv"
        # Debian's python3 needs python3-venv for `-m venv` (ensurepip).
        if ! python3 -m venv "$venv" >&2 2>/dev/null; then
            rm -rf "$venv"
            apt_install python3-venv
            python3 -m venv "$venv" >&2 || die 1 "python3 -m venv $venv failed"
        fi
    fi
    log "installing ziglang==$ZIGLANG_VERSION (pip)"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "ziglang==$ZIGLANG_VERSION" >&2 ||
        die 1 "pip install ziglang==$ZIGLANG_VERSION failed"
    zig=$("$venv/bin/python" -c 'import ziglang, os; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))')
    [[ -x $zig ]] || die 1 "the ziglang package has no zig executable at $zig"
    ln -sfn "$zig" "$bin/zig"
    zig_ok || die 1 "$bin/zig does not report version $ZIGLANG_VERSION"
fi

if ! zigbuild_ok; then
    command -v cargo >/dev/null || die 1 "cargo is not on PATH (install Rust with rustup)"
    log "installing cargo-zigbuild $CARGO_ZIGBUILD_VERSION (cargo install --locked, about 2 minutes)"
    cargo install --locked --quiet --force --root "$tools" --version "$CARGO_ZIGBUILD_VERSION" cargo-zigbuild >&2 ||
        die 1 "cargo install cargo-zigbuild $CARGO_ZIGBUILD_VERSION failed"
    zigbuild_ok || die 1 "$bin/cargo-zigbuild does not report version $CARGO_ZIGBUILD_VERSION"
fi

echo "$bin"
