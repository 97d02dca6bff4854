#!/usr/bin/env bash
# Checks that a Linux binary runs on glibc MAX (default 2.17) and later: no
# dynamic symbol of it needs a newer GLIBC_x.y version (objdump -T; what the
# loader reports as "GLIBC_2.34 not found").
#
#   krew/check-glibc.sh BINARY [MAX]
#
# Prints the newest glibc version the binary needs. When objdump cannot read
# the binary's architecture, readelf's version references are read instead
# (they name the same GLIBC_x.y versions).
# Exit: 0 fits, 1 needs a newer glibc (or cannot be read), 2 usage error.
set -euo pipefail

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
    sed -n '2,/^# Exit/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
fi
(($# == 1 || $# == 2)) || {
    echo "usage: krew/check-glibc.sh BINARY [MAX]" >&2
    exit 2
}
binary=$1
max=${2:-2.17}
[[ -f $binary ]] || {
    echo "error: $binary: no such file" >&2
    exit 2
}

if ! symbols=$(objdump -T "$binary" 2>/dev/null); then
    symbols=$(readelf --version-info --wide "$binary") || {
        echo "error: neither objdump -T nor readelf can read $binary" >&2
        exit 1
    }
fi
versions=$(grep -o 'GLIBC_[0-9][0-9.]*' <<<"$symbols" | sed 's/^GLIBC_//; s/\.$//' | sort -u -V)
[[ -n $versions ]] || {
    echo "error: $binary names no GLIBC_ version: not a dynamically linked glibc binary" >&2
    exit 1
}
newer() { [[ $1 != "$max" && $(printf '%s\n%s\n' "$1" "$max" | sort -V | tail -n1) == "$1" ]]; }
newest=$(tail -n1 <<<"$versions")
if newer "$newest"; then
    echo "error: $binary needs a glibc newer than $max, for:" >&2
    while read -r v; do
        newer "$v" && grep -E "GLIBC_${v//./\\.}([^0-9.]|$)" <<<"$symbols" | sed 's/^/  /' >&2
    done <<<"$versions"
    exit 1
fi
echo "$binary needs GLIBC_$newest at most (limit $max)"
