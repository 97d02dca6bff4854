#!/usr/bin/env bash
# Builds the release binary of one platform; prints its path on the last line
# of stdout.
#
#   krew/build.sh                          this machine's platform
#   krew/build.sh --os linux --arch arm64  another one (Linux ones build on
#                                          any Linux machine)
#
# linux    cargo zigbuild --target <arch>-unknown-linux-gnu.2.17: runs on glibc
#          2.17 and later (RHEL 7, Ubuntu 18.04, Debian 9, Amazon Linux 2); zig
#          and cargo-zigbuild come from krew/toolchain.sh; the result is
#          checked with krew/check-glibc.sh.
# darwin   cargo build --target <arch>-apple-darwin, on macOS (Apple's SDK;
#          both arches build on either kind of Mac).
# windows  cargo build --target x86_64-pc-windows-msvc, on Windows, with the C
#          runtime linked in (no Visual C++ redistributable needed).
#
# Options:
#   --out DIR         also copy the binary there (a release job uploads it)
#   --target-dir DIR  default target/release-build: not target/, so that a
#                     build started by `cargo test` does not wait for the lock
#                     of the test's own build
#   --fresh           rebuild the plugin's own crate and re-run its build
#                     script (the dependencies stay built): a second build of
#                     one commit, to check that both are byte for byte the same
#
# Reproducible: the version's commit and date come from git (build.rs); the
# paths of this checkout and of CARGO_HOME are remapped; so the same commit and
# toolchain give the same bytes on any machine.
# Exit: 0 built, 1 failed (build, missing tools), 2 usage error.
set -euo pipefail

root=$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
os=""
arch=""
target_dir="$root/target/release-build"
out=""
fresh=false

die() { # exit code, message
    echo "error: $2" >&2
    exit "$1"
}

while (($#)); do
    case "$1" in
    --os | --arch | --target-dir | --out)
        (($# >= 2)) || die 2 "$1 needs a value (see krew/build.sh --help)"
        case "$1" in
        --os) os=$2 ;;
        --arch) arch=$2 ;;
        --target-dir) target_dir=$2 ;;
        --out) out=$2 ;;
        esac
        shift 2
        ;;
    --fresh) fresh=true; shift ;;
    -h | --help)
        sed -n '2,/^# Exit/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *) die 2 "unknown argument '$1' (see krew/build.sh --help)" ;;
    esac
done

host_os() {
    case "$(uname -s)" in
    Linux) echo linux ;;
    Darwin) echo darwin ;;
    MINGW* | MSYS* | CYGWIN*) echo windows ;;
    *) die 1 "unknown system $(uname -s): give --os" ;;
    esac
}
host_arch() {
    case "$(uname -m)" in
    x86_64 | amd64) echo amd64 ;;
    aarch64 | arm64) echo arm64 ;;
    *) die 1 "unknown machine $(uname -m): give --arch" ;;
    esac
}
[[ -n $os ]] || os=$(host_os)
[[ -n $arch ]] || arch=$(host_arch)
case "$arch" in
amd64) cpu=x86_64 ;;
arm64) cpu=aarch64 ;;
*) die 2 "--arch $arch: expected amd64 or arm64" ;;
esac
case "$os/$arch" in
linux/*) triple=$cpu-unknown-linux-gnu ;;
darwin/*) triple=$cpu-apple-darwin ;;
windows/amd64) triple=x86_64-pc-windows-msvc ;;
windows/*) die 2 "--os windows --arch $arch: only windows/amd64 is released" ;;
*) die 2 "--os $os: expected linux, darwin or windows" ;;
esac
if [[ $os != linux && $os != "$(host_os)" ]]; then
    die 1 "a $os binary builds on $os (this is $(host_os)): see .github/workflows/release.yml"
fi

# Paths as rustc sees them (on Windows, C:\... rather than /c/...).
native() { if command -v cygpath >/dev/null; then cygpath -w "$1"; else printf '%s' "$1"; fi; }
cargo_home=${CARGO_HOME:-$HOME/.cargo}
flags=(
    "--remap-path-prefix=$(native "$root")=/kubectl-kmcp"
    "--remap-path-prefix=$(native "$cargo_home")=/cargo"
)
[[ $os == windows ]] && flags+=("-Ctarget-feature=+crt-static")
CARGO_ENCODED_RUSTFLAGS=$(
    IFS=$'\x1f'
    echo "${flags[*]}"
)
export CARGO_ENCODED_RUSTFLAGS
unset RUSTFLAGS

if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx "$triple"; then
    echo "adding the Rust target $triple (rustup)" >&2
    rustup target add "$triple" >&2 || die 1 "rustup target add $triple failed"
fi

build=(build)
target=$triple
if [[ $os == linux ]]; then
    tools=$(bash "$root/krew/toolchain.sh") || die 1 "krew/toolchain.sh failed"
    export PATH="$tools:$PATH"
    build=(zigbuild)
    target=$triple.2.17
fi
if $fresh; then
    (cd "$root" && cargo clean --quiet --release --package kubectl-kmcp --target "$triple" \
        --target-dir "$target_dir" >&2) || die 1 "cannot forget the earlier build in $target_dir"
fi
echo "building the release binary for $os/$arch (cargo ${build[*]} --release --target $target)" >&2
(cd "$root" && cargo "${build[@]}" --release --locked --bin kubectl-kmcp --target "$target" \
    --target-dir "$target_dir" >&2) || die 1 "the release build for $os/$arch failed"

exe=kubectl-kmcp
[[ $os == windows ]] && exe=kubectl-kmcp.exe
binary="$target_dir/$triple/release/$exe"
[[ -f $binary ]] || die 1 "the build left no $binary"
if [[ $os == linux ]]; then
    bash "$root/krew/check-glibc.sh" "$binary" >&2 || die 1 "$binary needs a glibc newer than 2.17"
fi
if [[ -n $out ]]; then
    mkdir -p "$out"
    cp "$binary" "$out/$exe"
    binary="$out/$exe"
fi
echo "$binary"
