#!/usr/bin/env bash
# Packs the plugin for Krew: builds the release binary for this machine, packs
# kubectl-kmcp_<tag>_<os>_<arch>.tar.gz (the binary and LICENSE) into DIST, and writes DIST/kmcp.yaml,
# the Krew manifest rendered from krew/.krew.yaml with the real sha256 of every archive in DIST.
#
#   krew/package.sh                         build (cargo build --release) and pack for this machine
#   krew/package.sh --binary PATH           pack a binary built elsewhere (e.g. the test's debug build)
#   krew/package.sh --binary PATH --os darwin --arch arm64
#                                           pack another platform's binary (a release job per platform)
#   krew/package.sh --manifest-only         only render DIST/kmcp.yaml from the archives already there
#
# Options: --dist DIR (default target/krew), --keep-missing (platforms without an archive keep their
# entry, with an all-zero sha256 that Krew will refuse to install, instead of being left out).
# A release collects the archives of the five platforms in one DIST, renders once, and submits
# DIST/kmcp.yaml (later releases: krew-release-bot renders krew/.krew.yaml itself).
# Exit: 0 done, 1 failed (build, missing tools), 2 usage error.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
template="$root/krew/.krew.yaml"
dist="$root/target/krew"
binary=""
os=""
arch=""
manifest_only=false
keep_missing=false

usage() {
    sed -n '2,/^# Exit/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}
die() { # exit code, message
    echo "error: $2" >&2
    exit "$1"
}

while (($#)); do
    case "$1" in
    --binary | --os | --arch | --dist)
        (($# >= 2)) || die 2 "$1 needs a value (see krew/package.sh --help)"
        case "$1" in
        --binary) binary=$2 ;;
        --os) os=$2 ;;
        --arch) arch=$2 ;;
        --dist) dist=$2 ;;
        esac
        shift 2
        ;;
    --manifest-only) manifest_only=true; shift ;;
    --keep-missing) keep_missing=true; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die 2 "unknown argument '$1' (see krew/package.sh --help)" ;;
    esac
done

# The crate's version is the plugin's: spec.version and the archive names carry v<version>.
version=$(sed -n '/^\[package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' "$root/Cargo.toml" | head -n1)
[[ -n $version ]] || die 1 "no version in the [package] section of $root/Cargo.toml"
tag="v$version"

sha256() {
    if command -v sha256sum >/dev/null; then
        sha256sum "$1" | cut -d' ' -f1
    else
        shasum -a 256 "$1" | cut -d' ' -f1
    fi
}

pack() {
    case "$os" in
    "") case "$(uname -s)" in
        Linux) os=linux ;;
        Darwin) os=darwin ;;
        MINGW* | MSYS* | CYGWIN*) os=windows ;;
        *) die 1 "unknown system $(uname -s): give --os" ;;
        esac ;;
    linux | darwin | windows) ;;
    *) die 2 "--os $os: expected linux, darwin or windows" ;;
    esac
    case "$arch" in
    "") case "$(uname -m)" in
        x86_64 | amd64) arch=amd64 ;;
        aarch64 | arm64) arch=arm64 ;;
        *) die 1 "unknown machine $(uname -m): give --arch" ;;
        esac ;;
    amd64 | arm64) ;;
    *) die 2 "--arch $arch: expected amd64 or arm64" ;;
    esac
    local exe=kubectl-kmcp
    [[ $os == windows ]] && exe=kubectl-kmcp.exe

    if [[ -z $binary ]]; then
        echo "building the release binary (cargo build --release --locked)" >&2
        (cd "$root" && cargo build --release --locked --bin kubectl-kmcp) || die 1 "the release build failed"
        binary="$root/target/release/$exe"
    fi
    [[ -f $binary ]] || die 2 "--binary $binary: no such file"

    mkdir -p "$dist"
    local archive
    stage=$(mktemp -d)
    trap 'rm -rf "$stage"' EXIT
    install -m 0755 "$binary" "$stage/$exe"
    install -m 0644 "$root/LICENSE" "$stage/LICENSE"
    archive="$dist/kubectl-kmcp_${tag}_${os}_${arch}.tar.gz"
    # The same binary gives the same archive: sorted names, no owners, a fixed time
    # (SOURCE_DATE_EPOCH, else 2026-01-01: not the commit's, which changes with the manifest
    # itself), and gzip without a name or time stamp.
    local mtime=${SOURCE_DATE_EPOCH:-1767225600}
    local reproducible=()
    if tar --version 2>/dev/null | grep -q 'GNU tar'; then
        reproducible=(--sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime")
    fi
    tar -C "$stage" "${reproducible[@]}" -cf - "$exe" LICENSE | gzip -9n >"$archive.tmp"
    mv "$archive.tmp" "$archive"
    echo "packed $archive ($(wc -c <"$archive" | tr -d ' ') bytes, sha256 $(sha256 "$archive"))" >&2
}

# Renders the template: the tag in place of TagName, each addURIAndSha line as the uri and the
# sha256 of the archive of that name in DIST. A platform whose archive is not in DIST is left out
# (or kept with an all-zero sha256 under --keep-missing).
render() {
    local shas
    shas=$(mktemp)
    for f in "$dist"/kubectl-kmcp_"${tag}"_*.tar.gz; do
        [[ -e $f ]] && echo "$(sha256 "$f") $(basename "$f")" >>"$shas"
    done
    awk -v tag="$tag" -v keep="$keep_missing" -v shas="$shas" '
        BEGIN {
            print "# The Krew manifest of kubectl-kmcp " tag ", rendered by krew/package.sh from krew/.krew.yaml."
            while ((getline line < shas) > 0) { split(line, p, " "); sha[p[2]] = p[1] }
            zeros = sprintf("%064d", 0)
        }
        function flush() {
            if (block == "") return
            if (found || keep == "true") { printf "%s", block; kept++ } else missing = missing " " archive
            block = ""
        }
        # The template explains itself in its first comment lines: not copied.
        !started && /^#/ { next }
        { started = 1 }
        # A platform entry runs from "  - selector:" to the next entry or the next spec field.
        /^  - selector:/ { flush(); inplatform = 1; found = 0 }
        /^  [a-zA-Z]/ { flush(); inplatform = 0 }
        /^[a-zA-Z]/ { flush(); inplatform = 0 }
        {
            out = $0
            if (match(out, /\{\{ *addURIAndSha "[^"]*" *\.TagName *\}\}/)) {
                indent = substr(out, 1, RSTART - 1)
                url = substr(out, RSTART, RLENGTH)
                sub(/^[^"]*"/, "", url); sub(/".*$/, "", url)
                gsub(/\{\{ *\.TagName *\}\}/, tag, url)
                archive = url; sub(/.*\//, "", archive)
                if (archive in sha) { found = 1; s = sha[archive] } else { s = zeros }
                out = indent "uri: " url "\n" indent "sha256: " s
                if (!(archive in sha)) out = out "  # not packed: Krew refuses this entry until the release fills it in"
            }
            gsub(/\{\{ *\.TagName *\}\}/, tag, out)
            if (inplatform) block = block out "\n"; else print out
        }
        END {
            flush()
            if (missing != "") print "left out of the manifest, no archive in DIST:" missing > "/dev/stderr"
            if (!kept) { print "error: no platform has an archive in DIST: nothing to install" > "/dev/stderr"; exit 1 }
        }' "$template" >"$dist/kmcp.yaml.tmp" || { rm -f "$shas" "$dist/kmcp.yaml.tmp"; die 1 "cannot render $template"; }
    rm -f "$shas"
    mv "$dist/kmcp.yaml.tmp" "$dist/kmcp.yaml"
    echo "wrote $dist/kmcp.yaml" >&2
}

if ! $manifest_only; then
    pack
fi
mkdir -p "$dist"
render
