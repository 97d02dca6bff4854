#!/usr/bin/env bash
# Benchmarks `kubectl kmcp deploy`: the client dry run (no cluster) and a re-deploy that finds
# nothing to change (every pre-flight check, server-side apply) against a cluster of our own.
#   tests/bench-deploy.sh            (builds the release binary, starts and stops a cluster)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
cargo build --release --quiet
bin="$PWD/target/release/kubectl-kmcp"
work="$(mktemp -d)"
cluster="$work/cluster"
trap 'bash "$here/cluster.sh" stop "$cluster" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
bash "$here/cluster.sh" start "$cluster" >/dev/null
export KUBECONFIG="$cluster/kubeconfig"
kubectl create namespace bench >/dev/null
kubectl -n bench create secret generic weather-secrets --from-literal=API_KEY=x >/dev/null
mkdir "$work/p"
cat > "$work/p/kmcp.yaml" <<YAML
name: weather_tool
version: 0.1.0
framework: fastmcp-python
secrets:
  staging:
    enabled: true
    provider: kubernetes
    secretName: weather-secrets
    namespace: bench
YAML
printf 'API_KEY=\nLOG_LEVEL=info\n' > "$work/p/.env.example"
cd "$work/p"
"$bin" deploy --environment staging >/dev/null 2>&1
hyperfine --warmup 3 --runs 30 -N \
  "$bin deploy --environment staging --dry-run" \
  "$bin deploy --environment staging" \
  "$bin deploy --environment staging --dry-run=server"
