#!/usr/bin/env bash
# Fleet-scale benchmark of `kubectl kmcp audit` (issue #16), on a test cluster of our own:
#   1. 20,000 MCPServers in 200 namespaces (100 each): `audit -A -o json` against a raw read of the
#      same MCPServer list (curl with the admin token: the API server serving the list is the
#      floor), side by side in one hyperfine run, then alternating pair by pair (1b), and the
#      audit's peak RSS (GNU time -v).
#   2. A namespace with 32 MB of Helm release Secrets (64 Secrets of 512 KiB) and 20 servers,
#      against an identical namespace without them: `audit -n` of each, and peak RSS of each.
#   tests/bench-audit-scale.sh                  (release build; starts and stops a cluster)
#   KMCP_BENCH_KUBECONFIG=PATH tests/bench-audit-scale.sh   (reuse a running cluster; the
#                                               objects are created once)
#   KMCP_BENCH_NAMESPACES / KMCP_BENCH_SERVERS_PER_NS / KMCP_BENCH_RUNS / KMCP_BENCH_PAIRS scale
#                                               it down.
#   KMCP_BENCH_FIXTURE_ONLY=1: create the objects on KMCP_BENCH_KUBECONFIG's cluster and stop
#                                               (the fixture takes minutes; build meanwhile).
# A benchmark, not a test: it prints figures and asserts nothing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
bin="$PWD/target/release/kubectl-kmcp"
work="$(mktemp -d)"
namespaces=${KMCP_BENCH_NAMESPACES:-200}
per_ns=${KMCP_BENCH_SERVERS_PER_NS:-100}
runs=${KMCP_BENCH_RUNS:-10}
pairs=${KMCP_BENCH_PAIRS:-20}
if [ -n "${KMCP_BENCH_KUBECONFIG:-}" ]; then
  export KUBECONFIG="$KMCP_BENCH_KUBECONFIG"
  trap 'rm -rf "$work"' EXIT
else
  cluster="$work/cluster"
  trap 'bash "$here/cluster.sh" stop "$cluster" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
  bash "$here/cluster.sh" start "$cluster" >/dev/null
  export KUBECONFIG="$cluster/kubeconfig"
fi

# One namespace: its Secrets (an env Secret, a docker-registry Secret) and N servers, each with
# secretRefs, a Secret volume item and an image pull Secret; every 10th server references a
# missing Secret.
make_namespace() {
  local ns="$1" n="$2" i
  printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n' "$ns"
  printf -- '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: regcred\n  namespace: %s\n  labels:\n    app.kubernetes.io/managed-by: kubectl-kmcp\ntype: kubernetes.io/dockerconfigjson\nstringData:\n  .dockerconfigjson: "{\\"auths\\":{}}"\n' "$ns"
  printf -- '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: env\n  namespace: %s\n  labels:\n    app.kubernetes.io/managed-by: kubectl-kmcp\nstringData:\n  API_KEY: bench\n  tls.crt: bench\n' "$ns"
  for i in $(seq 1 "$n"); do
    local secret=env
    [ $((i % 10)) -eq 0 ] && secret="gone-$i"
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
    env: {LOG_LEVEL: info}
    secretRefs:
    - name: $secret
    imagePullSecrets:
    - name: regcred
    volumes:
    - name: tls
      secret:
        secretName: env
        items:
        - key: tls.crt
          path: tls.crt
YAML
  done
}

want=$((namespaces * per_ns + 40))
have=$(kubectl get --raw "/apis/kagent.dev/v1alpha1/mcpservers?limit=1" | jq -r '(.items | length) + (.metadata.remainingItemCount // 0)')
if [ "$have" -lt "$want" ]; then
  echo "creating $((namespaces * per_ns)) MCPServers in $namespaces namespaces, and the Helm namespaces..." >&2
  for n in $(seq 1 "$namespaces"); do
    make_namespace "scale-$n" "$per_ns" > "$work/ns-$n.yaml"
  done
  make_namespace helm-light 20 > "$work/helm-light.yaml"
  make_namespace helm-heavy 20 > "$work/helm-heavy.yaml"
  # 64 Helm release Secrets of 512 KiB each (random, incompressible): 32 MiB in helm-heavy.
  for r in $(seq 1 64); do
    printf -- '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: sh.helm.release.v1.app.v%s\n  namespace: helm-heavy\n  labels: {owner: helm, name: app}\ntype: helm.sh/release.v1\ndata:\n  release: %s\n' \
      "$r" "$(head -c 393216 /dev/urandom | base64 -w0)"
  done > "$work/helm-secrets.yaml"
  ls "$work"/ns-*.yaml "$work"/helm-light.yaml "$work"/helm-heavy.yaml | xargs -P 4 -I{} kubectl create -f {} >/dev/null 2>&1 || true
  kubectl create -f "$work/helm-secrets.yaml" >/dev/null
fi
if [ -n "${KMCP_BENCH_FIXTURE_ONLY:-}" ]; then
  echo "fixture ready: $(kubectl get --raw "/apis/kagent.dev/v1alpha1/mcpservers?limit=1" | jq -r '(.items | length) + (.metadata.remainingItemCount // 0)') MCPServers" >&2
  exit 0
fi
cargo build --release --quiet
echo "MCPServers on the cluster: $(kubectl get --raw "/apis/kagent.dev/v1alpha1/mcpservers?limit=1" | jq -r '(.items | length) + (.metadata.remainingItemCount // 0)')" >&2
echo "Secret bytes in helm-heavy: $(kubectl get --raw /api/v1/namespaces/helm-heavy/secrets | wc -c)" >&2

server=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
ca=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.certificate-authority}')
token=$(kubectl config view --minify --raw -o jsonpath='{.users[0].user.token}')
raw="curl -sS --fail --cacert $ca -H 'Authorization: Bearer $token' -o /dev/null $server/apis/kagent.dev/v1alpha1/mcpservers"
raw_cache="$raw?resourceVersion=0"
audit="$bin audit -A -o json --fail-on never"
kubectl_get="kubectl get mcpserver -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name} {.spec.deployment.secretRefs[*].name}{\"\\n\"}{end}'"

echo "== 1. audit -A over every MCPServer vs a raw read of the list (and kubectl), one hyperfine run" >&2
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
hyperfine --style basic --warmup 1 --runs "$runs" --export-json "$work/hf1.json" \
  -n "raw read (curl, quorum read)" "$raw" -n "raw read (curl, watch cache: ?resourceVersion=0)" "$raw_cache" \
  -n "kubectl kmcp audit -A -o json" "$audit >/dev/null" \
  -n "kubectl get mcpserver -A -o jsonpath (secretRefs only)" "$kubectl_get >/dev/null"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# The list read itself varies by about 10% from one run to the next (the API server's garbage
# collector, its caches), and hyperfine times all runs of one command before the next: the same
# two commands again, alternating, each audit compared with the list read just before it.
echo "== 1b. the watch-cache read and audit -A alternating, $pairs pairs" >&2
python3 - "$pairs" "$raw_cache" "$audit" <<'PY'
import statistics, subprocess, sys, time
pairs, raw, audit = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def once(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start
once(raw); once(audit)  # warm-up
runs = [(once(raw), once(audit)) for _ in range(pairs)]
ratios = [a / r for r, a in runs]
reads = [r for r, _ in runs]
audits = [a for _, a in runs]
print(f"list read {statistics.mean(reads):.3f} s (median {statistics.median(reads):.3f}), audit {statistics.mean(audits):.3f} s (median {statistics.median(audits):.3f})")
q = statistics.quantiles(ratios, n=4)
print(f"ratio audit / list read, pair by pair: median {statistics.median(ratios):.2f}, quartiles {q[0]:.2f}-{q[2]:.2f}, ratio of the means {statistics.mean(audits) / statistics.mean(reads):.2f} (goal <= 1.3)")
PY
echo "== 2. audit -n of a namespace with 32 MB of Helm release Secrets vs one without" >&2
hyperfine --style basic --warmup 1 --runs "$runs" --export-json "$work/hf2.json" \
  -n "audit -n helm-light" "$bin audit -n helm-light -o json --fail-on never >/dev/null" \
  -n "audit -n helm-heavy" "$bin audit -n helm-heavy -o json --fail-on never >/dev/null"

peak() { /usr/bin/time -v "$@" > /dev/null 2> "$work/time.txt"; awk '/Maximum resident/ {print $NF}' "$work/time.txt"; }
python3 - "$work/hf1.json" "$work/hf2.json" <<PY
import json, sys
a = json.load(open(sys.argv[1]))["results"]
b = json.load(open(sys.argv[2]))["results"]
print(f"raw read (quorum) {a[0]['mean']:.3f} s, raw read (watch cache) {a[1]['mean']:.3f} s, audit -A {a[2]['mean']:.3f} s, kubectl get {a[3]['mean']:.3f} s")
print(f"ratio audit / raw read: {a[2]['mean'] / a[0]['mean']:.2f} against the quorum read, {a[2]['mean'] / a[1]['mean']:.2f} against the watch-cache read (goal <= 1.3)")
print(f"helm-light {b[0]['mean']:.3f} s, helm-heavy {b[1]['mean']:.3f} s: ratio {b[1]['mean'] / b[0]['mean']:.2f} (goal <= 1.3)")
PY
for o in table wide json yaml sarif; do
  echo "peak RSS, audit -A -o $o: $(peak $bin audit -A -o $o --fail-on never) KiB (goal <= 65536)"
done
echo "peak RSS, audit -n helm-light: $(peak $bin audit -n helm-light -o json --fail-on never) KiB"
echo "peak RSS, audit -n helm-heavy: $(peak $bin audit -n helm-heavy -o json --fail-on never) KiB"
