#!/usr/bin/env bash
# Packs the plugin for Krew: builds the release binary (krew/build.sh), packs
# it as kubectl-kmcp_<tag>_<os>_<arch>.tar.gz (.zip for Windows; the binary and
# LICENSE) into DIST, then writes DIST/checksums.txt and DIST/kmcp.yaml, the
# Krew manifest rendered from krew/.krew.yaml with the real sha256 of every
# archive in DIST. A platform without an archive is left out.
#
#   krew/package.sh                    build and pack this machine's platform
#   krew/package.sh --os linux --arch arm64
#                                      build and pack another platform (Linux
#                                      ones build on any Linux machine)
#   krew/package.sh --binary PATH --os darwin --arch arm64
#                                      pack a binary built elsewhere
#   krew/package.sh --manifest-only    only write DIST/kmcp.yaml and
#                                      DIST/checksums.txt from DIST's archives
#
# Options:
#   --dist DIR    where the archives go (default target/krew)
#   --tag TAG     the release's git tag: must be v<the crate's version>
#   --complete    refuse unless every platform has its archive (a release)
#   --fresh       rebuild the plugin's own crate (krew/build.sh --fresh)
#
# The same binary gives the same archive, byte for byte: names sorted, no
# owners, every file time the commit's (SOURCE_DATE_EPOCH if set), gzip and
# zip without time stamps of their own. A binary is packed only if its header
# is the platform's (ELF, Mach-O or PE, for the arch), and a Linux one only if
# it runs on glibc 2.17 (krew/check-glibc.sh).
# Exit: 0 done, 1 failed (build, missing tools, a refused binary), 2 usage error.
set -euo pipefail

root=$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
template="$root/krew/.krew.yaml"
dist="$root/target/krew"
binary=""
os=""
arch=""
tag_given=""
manifest_only=false
complete=false
fresh=()

usage() {
    sed -n '2,/^# Exit/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}
die() { # exit code, message
    echo "error: $2" >&2
    exit "$1"
}

while (($#)); do
    case "$1" in
    --binary | --os | --arch | --dist | --tag)
        (($# >= 2)) || die 2 "$1 needs a value (see krew/package.sh --help)"
        case "$1" in
        --binary) binary=$2 ;;
        --os) os=$2 ;;
        --arch) arch=$2 ;;
        --dist) dist=$2 ;;
        --tag) tag_given=$2 ;;
        esac
        shift 2
        ;;
    --manifest-only) manifest_only=true; shift ;;
    --complete) complete=true; shift ;;
    --fresh) fresh=(--fresh); shift ;;
    -h | --help) usage; exit 0 ;;
    *) die 2 "unknown argument '$1' (see krew/package.sh --help)" ;;
    esac
done

# The crate's version is the plugin's: spec.version and the archive names carry v<version>.
version=$(sed -n '/^\[package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' "$root/Cargo.toml" | head -n1)
[[ -n $version ]] || die 1 "no version in the [package] section of $root/Cargo.toml"
tag="v$version"
if [[ -n $tag_given && $tag_given != "$tag" ]]; then
    die 1 "--tag $tag_given is not the crate's version $tag: set version = \"${tag_given#v}\" in Cargo.toml, or tag $tag"
fi

sha256() {
    if command -v sha256sum >/dev/null; then
        sha256sum "$1" | cut -d' ' -f1
    else
        shasum -a 256 "$1" | cut -d' ' -f1
    fi
}

# The bytes of FILE from OFFSET, COUNT of them, as lowercase hex without spaces.
hex_at() { od -An -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'; }

# Refuses a binary that is not an executable of os/arch: a mixed-up artifact would otherwise be
# released under another platform's name.
check_format() {
    local magic want got
    magic=$(hex_at "$binary" 0 4)
    case "$os" in
    linux)
        [[ $magic == 7f454c46 ]] || die 1 "--binary $binary is not a Linux (ELF) executable"
        # e_machine, little-endian: 0x3e x86-64, 0xb7 AArch64.
        want=$([[ $arch == amd64 ]] && echo 3e00 || echo b700)
        got=$(hex_at "$binary" 18 2)
        ;;
    darwin)
        [[ $magic == cffaedfe ]] || die 1 "--binary $binary is not a macOS (64-bit Mach-O) executable"
        # cputype: 0x01000007 x86_64, 0x0100000c arm64.
        want=$([[ $arch == amd64 ]] && echo 07000001 || echo 0c000001)
        got=$(hex_at "$binary" 4 4)
        ;;
    windows)
        [[ $(hex_at "$binary" 0 2) == 4d5a ]] || die 1 "--binary $binary is not a Windows (PE) executable"
        # The PE header's offset is at 0x3c; its machine field follows "PE\0\0": 0x8664 x64.
        local pe
        pe=$(hex_at "$binary" 60 4)
        pe=$((16#${pe:6:2}${pe:4:2}${pe:2:2}${pe:0:2}))
        [[ $(hex_at "$binary" "$pe" 4) == 50450000 ]] || die 1 "--binary $binary has no PE header"
        want=6486
        got=$(hex_at "$binary" $((pe + 4)) 2)
        ;;
    esac
    [[ $got == "$want" ]] || die 1 "--binary $binary is not a $os/$arch executable"
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
    [[ $os/$arch == windows/arm64 ]] && die 2 "--os windows --arch arm64: only windows/amd64 is released"
    local exe=kubectl-kmcp
    [[ $os == windows ]] && exe=kubectl-kmcp.exe

    if [[ -z $binary ]]; then
        binary=$(bash "$root/krew/build.sh" --os "$os" --arch "$arch" "${fresh[@]}" | tail -n1) ||
            die 1 "the release build failed"
    fi
    [[ -f $binary ]] || die 2 "--binary $binary: no such file"
    check_format
    if [[ $os == linux ]]; then
        bash "$root/krew/check-glibc.sh" "$binary" >&2 ||
            die 1 "--binary $binary needs a glibc newer than 2.17: build it with krew/build.sh"
    fi

    mkdir -p "$dist"
    # Every time in the archive: SOURCE_DATE_EPOCH, else the commit's (the date `kubectl kmcp
    # version` reports), else 2026-01-01 outside git.
    local mtime=${SOURCE_DATE_EPOCH:-}
    [[ -n $mtime ]] || mtime=$(git -C "$root" log -1 --format=%ct HEAD 2>/dev/null) || mtime=""
    [[ -n $mtime ]] || mtime=1767225600
    stage=$(mktemp -d)
    trap 'rm -rf "$stage"' EXIT
    install -m 0755 "$binary" "$stage/$exe"
    install -m 0644 "$root/LICENSE" "$stage/LICENSE"
    touch -d "@$mtime" "$stage/$exe" "$stage/LICENSE"
    # Absolute: zip runs in the staging folder.
    local archive
    archive="$(cd "$dist" && pwd)/kubectl-kmcp_${tag}_${os}_${arch}"
    if [[ $os == windows ]]; then
        archive+=.zip
        command -v zip >/dev/null || die 1 "zip is not installed (krew/toolchain.sh installs it)"
        # -X: no owners nor extra time fields; the DOS times are the staged files' in UTC.
        rm -f "$archive.tmp"
        (cd "$stage" && TZ=UTC zip -q -X -D -9 "$archive.tmp" "$exe" LICENSE) || die 1 "zip failed"
    else
        archive+=.tar.gz
        local reproducible=()
        if tar --version 2>/dev/null | grep -q 'GNU tar'; then
            reproducible=(--sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" --format=gnu)
        fi
        tar -C "$stage" "${reproducible[@]}" -cf - "$exe" LICENSE | gzip -9n >"$archive.tmp"
    fi
    mv "$archive.tmp" "$archive"
    echo "packed $archive ($(wc -c <"$archive" | tr -d ' ') bytes, sha256 $(sha256 "$archive"))" >&2
}

# Renders the template: the tag in place of TagName, each addURIAndSha line as the uri and the
# sha256 of the archive of that name in DIST; a platform whose archive is not in DIST is left out
# (refused under --complete). Writes checksums.txt (sha256sum's format) of the same archives.
render() {
    local shas
    shas=$(mktemp)
    for f in "$dist"/kubectl-kmcp_"${tag}"_*.tar.gz "$dist"/kubectl-kmcp_"${tag}"_*.zip; do
        [[ -e $f ]] && echo "$(sha256 "$f")  $(basename "$f")" >>"$shas"
    done
    LC_ALL=C sort -k2 -o "$shas" "$shas"
    local at
    at=$(git -C "$root" log -1 --format='commit %H (%cs)' HEAD 2>/dev/null) || at="a checkout outside git"
    awk -v tag="$tag" -v complete="$complete" -v shas="$shas" -v at="$at" '
        BEGIN {
            print "# The Krew manifest of kubectl-kmcp " tag ", rendered by krew/package.sh from krew/.krew.yaml"
            print "# and the archives in its folder, at " at "."
            while ((getline line < shas) > 0) { split(line, p, " "); sha[p[2]] = p[1] }
        }
        function flush() {
            if (block == "") return
            if (found) { printf "%s", block; kept++ } else missing = missing " " archive
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
                found = (archive in sha)
                # Quoted: a sha256 of digits only would otherwise be read as a number.
                out = indent "uri: " url "\n" indent "sha256: \"" sha[archive] "\""
            }
            gsub(/\{\{ *\.TagName *\}\}/, tag, out)
            if (inplatform) block = block out "\n"; else print out
        }
        END {
            flush()
            if (missing != "") {
                if (complete == "true") {
                    print "error: no archive in DIST for:" missing " (--complete: a release has every platform)" > "/dev/stderr"
                    exit 1
                }
                print "left out of the manifest, no archive in DIST:" missing > "/dev/stderr"
            }
            if (!kept) { print "error: no platform has an archive in DIST: nothing to install" > "/dev/stderr"; exit 1 }
        }' "$template" >"$dist/kmcp.yaml.tmp" || {
        rm -f "$shas" "$dist/kmcp.yaml.tmp"
        exit 1 # awk said why
    }
    install -m 0644 "$shas" "$dist/checksums.txt"
    rm -f "$shas"
    mv "$dist/kmcp.yaml.tmp" "$dist/kmcp.yaml"
    echo "wrote $dist/kmcp.yaml and $dist/checksums.txt" >&2
}

if ! $manifest_only; then
    pack
fi
mkdir -p "$dist"
render
