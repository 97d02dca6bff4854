#!/usr/bin/env bash
# Benchmarks `kubectl kmcp audit -A -o json` against the doc's one-liner (which checks nothing),
# on 2,000 MCPServers in 50 namespaces (40 each, 2,050 Secrets), on a test cluster of our own.
#   tests/bench-audit.sh                  (builds the release binary, starts and stops a cluster)
#   KMCP_BENCH_KUBECONFIG=PATH tests/bench-audit.sh   (reuse a running cluster, e.g. from
#                                         tests/cluster.sh start; the objects are created once)
#   KMCP_BENCH_BIN=PATH                   time that binary instead of a release build
# The script stops before measuring unless every fixture object exists (counted per kind).
# Prints hyperfine's table, the ratio audit/one-liner, and the audit's peak memory (maximum
# resident set size from GNU time, else from /proc/PID/status VmHWM).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
if [ -n "${KMCP_BENCH_BIN:-}" ]; then
  bin="$KMCP_BENCH_BIN"   # e.g. a debug build, to check this script; not for figures
else
  cargo build --release --quiet
  bin="$PWD/target/release/kubectl-kmcp"
fi
work="$(mktemp -d)"
namespaces=${KMCP_BENCH_NAMESPACES:-50}
per_ns=${KMCP_BENCH_SERVERS_PER_NS:-40}
if [ -n "${KMCP_BENCH_KUBECONFIG:-}" ]; then
  export KUBECONFIG="$KMCP_BENCH_KUBECONFIG"
  trap 'rm -rf "$work"' EXIT
else
  cluster="$work/cluster"
  trap 'bash "$here/cluster.sh" stop "$cluster" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
  bash "$here/cluster.sh" start "$cluster" >/dev/null
  export KUBECONFIG="$cluster/kubeconfig"
fi

# The objects: per namespace a registry Secret and one Secret per server (every 10th server's
# Secret is missing, every 7th lacks the key its volume needs), 40 servers each with secretRefs,
# a Secret volume with an item key and an image pull Secret.
make_namespace() {
  local ns="$1" i
  printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n' "$ns"
  printf -- '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: regcred\n  namespace: %s\n  labels:\n    app.kubernetes.io/managed-by: kubectl-kmcp\ntype: Opaque\nstringData:\n  token: bench\n' "$ns"
  for i in $(seq 1 "$per_ns"); do
    if [ $((i % 10)) -ne 0 ]; then
      local key=tls.crt
      [ $((i % 7)) -eq 0 ] && key=other
      printf -- '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: srv-%s-secrets\n  namespace: %s\n  labels:\n    app.kubernetes.io/managed-by: kubectl-kmcp\nstringData:\n  API_KEY: bench\n  %s: bench\n' "$i" "$ns" "$key"
    fi
    cat <<YAML
---
apiVersion: kagent.dev/v1alpha1
kind: MCPServer
metadata:
  name: srv-$i
  namespace: $ns
spec:
  transportType: stdio
  stdioTransport: {}
  deployment:
    image: ghcr.io/example/srv:0.1.0
    port: 3000
    secretRefs:
    - name: srv-$i-secrets
    imagePullSecrets:
    - name: regcred
    volumes:
    - name: tls
      secret:
        secretName: srv-$i-secrets
        items:
        - key: tls.crt
          path: tls.crt
YAML
  done
}

# Counts the rows of `kubectl get -A --no-headers` in the fixture's namespaces bench-1..bench-N.
in_bench() { awk '$1 ~ /^bench-[0-9]+$/ { split($1, p, "-"); if (p[2] + 0 <= n + 0) c++ } END { print c + 0 }' n="$namespaces"; }
have=$(kubectl get mcpserver -A --no-headers 2>/dev/null | in_bench)
if [ "$have" -lt $((namespaces * per_ns)) ]; then
  echo "creating $((namespaces * per_ns)) MCPServers in $namespaces namespaces..." >&2
  for n in $(seq 1 "$namespaces"); do
    make_namespace "bench-$n" > "$work/ns-$n.yaml"
  done
  # Four kubectl processes at a time (namespaces first: each file starts with its namespace).
  # `apply` is idempotent (a cluster reused after a partial run); any error stops the script.
  if ! ls "$work"/ns-*.yaml | xargs -P 4 -I{} sh -c 'kubectl apply -f "$1" >/dev/null' _ {}; then
    echo "creating the fixture objects failed (see kubectl's errors above)" >&2
    exit 1
  fi
fi
# Every fixture object must be there, or the figures compare different work.
want_servers=$((namespaces * per_ns))
want_secrets=$((namespaces * (1 + per_ns - per_ns / 10)))
got_servers=$(kubectl get mcpserver -A --no-headers | in_bench)
got_secrets=$(kubectl get secret -A --no-headers --field-selector type=Opaque | in_bench)
echo "fixture: $got_servers/$want_servers MCPServers, $got_secrets/$want_secrets Secrets in bench-1..bench-$namespaces" >&2
if [ "$got_servers" -ne "$want_servers" ] || [ "$got_secrets" -ne "$want_secrets" ]; then
  echo "the fixture is incomplete: not measuring" >&2
  exit 1
fi

one_liner="kubectl get mcpserver -A -o jsonpath='{range .items[*]}{.metadata.namespace}{\"\\t\"}{.metadata.name}{\"\\t\"}{.spec.deployment.secretRefs[*].name}{\"\\n\"}{end}'"
audit="$bin audit -A -o json --fail-on never"
hyperfine --warmup 2 --runs "${KMCP_BENCH_RUNS:-15}" --export-json "$work/hf.json" \
  "$one_liner" "$audit"

python3 - "$work/hf.json" <<'PY' 2>/dev/null || jq -r '.results | "ratio audit/one-liner: \(.[1].mean / .[0].mean)"' "$work/hf.json"
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(f"one-liner mean {r[0]['mean']:.3f} s, audit mean {r[1]['mean']:.3f} s, ratio audit/one-liner: {r[1]['mean'] / r[0]['mean']:.2f}")
PY

# Peak memory of one audit run.
if command -v /usr/bin/time >/dev/null && /usr/bin/time -v true >/dev/null 2>&1; then
  /usr/bin/time -v $audit > "$work/out.json" 2> "$work/time.txt"
  echo "audit peak RSS: $(grep 'Maximum resident' "$work/time.txt" | awk '{print $NF}') KiB (GNU time)"
else
  $audit > "$work/out.json" & pid=$!
  peak=0
  while kill -0 $pid 2>/dev/null; do
    v=$(awk '/VmHWM/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0)
    [ "${v:-0}" -gt "$peak" ] && peak=$v
    sleep 0.01
  done
  echo "audit peak RSS: $peak KiB (/proc VmHWM, sampled)"
fi
jq -c '.summary' "$work/out.json" 2>/dev/null || head -c 300 "$work/out.json"
