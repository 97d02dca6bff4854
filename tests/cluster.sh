#!/usr/bin/env bash
# Starts (or stops) a real Kubernetes API server + etcd on loopback, for the tests and for trying
# the plugin by hand. No kubelet, no controller-manager: objects are stored and served, RBAC is
# enforced, nothing runs.
#
#   tests/cluster.sh start [DIR]   start, write DIR/kubeconfig, print `export KUBECONFIG=...`
#   tests/cluster.sh stop  [DIR]   stop it and remove DIR
#
# DIR defaults to ${TMPDIR:-/tmp}/kubectl-kmcp-cluster. The kubeconfig has these contexts (users
# authenticate with static tokens):
#   admin       user "admin", group system:masters (current context)
#   restricted  user "restricted": no rights at all until a test grants some
#   alice, bob  ordinary users without rights, for RBAC tests
# With KMCP_CLUSTER_WATCH_PID=PID the cluster also stops by itself when process PID exits (the test
# harness uses this, so that the cluster goes away even when a test run panics or is killed).
# The MCPServer test CRD in tests/fixtures/ is installed on start, unless KMCP_CLUSTER_NO_CRD=1 (for
# tests of a cluster without kmcp), and kagent's RemoteMCPServer CRD with it, unless
# KMCP_CLUSTER_NO_REMOTE_CRD=1 (for tests of a cluster without kagent).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cmd="${1:-}"
dir="${2:-${TMPDIR:-/tmp}/kubectl-kmcp-cluster}"

stop() {
  local d="$1"
  for name in kube-apiserver etcd; do
    if [ -f "$d/$name.pid" ]; then
      kill "$(cat "$d/$name.pid")" 2>/dev/null || true
    fi
  done
  for name in kube-apiserver etcd; do
    if [ -f "$d/$name.pid" ]; then
      pid="$(cat "$d/$name.pid")"
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$d"
}

free_port() {
  local p
  while :; do
    p=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
}

case "$cmd" in
  stop) stop "$dir"; exit 0 ;;
  start) ;;
  *) echo "usage: tests/cluster.sh start|stop [DIR]" >&2; exit 2 ;;
esac

bins="${KUBEBUILDER_ASSETS:-${KMCP_TEST_BIN_DIR:-$HOME/.cache/kubectl-kmcp/bin}}"
if [ ! -x "$bins/kube-apiserver" ] || [ ! -x "$bins/etcd" ]; then
  echo "tests/cluster.sh: kube-apiserver and etcd are not in $bins." >&2
  echo "  Get them with: tests/setup   (installs etcd-server, builds kube-apiserver v1.20.2 once, ~7 min)" >&2
  echo "  or point KUBEBUILDER_ASSETS at a folder that holds both." >&2
  exit 1
fi

if [ -e "$dir/kube-apiserver.pid" ]; then
  echo "tests/cluster.sh: a cluster is already running in $dir (stop it with: tests/cluster.sh stop $dir)" >&2
  exit 1
fi
mkdir -p "$dir/certs" "$dir/etcd"

# Certificates: a CA, the API server's serving certificate for 127.0.0.1/localhost, and the
# service-account signing key.
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=kubectl-kmcp-test-ca" \
  -keyout "$dir/certs/ca.key" -out "$dir/certs/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" \
  -keyout "$dir/certs/server.key" -out "$dir/certs/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' > "$dir/certs/server.ext"
openssl x509 -req -in "$dir/certs/server.csr" -CA "$dir/certs/ca.crt" -CAkey "$dir/certs/ca.key" \
  -CAcreateserial -days 3650 -extfile "$dir/certs/server.ext" -out "$dir/certs/server.crt" 2>/dev/null
openssl genrsa -out "$dir/certs/sa.key" 2048 2>/dev/null
openssl rsa -in "$dir/certs/sa.key" -pubout -out "$dir/certs/sa.pub" 2>/dev/null

token() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
admin_token="$(token)"; restricted_token="$(token)"; alice_token="$(token)"; bob_token="$(token)"
cat > "$dir/tokens.csv" <<TOKENS
$admin_token,admin,uid-admin,"system:masters"
$restricted_token,restricted,uid-restricted
$alice_token,alice,uid-alice,"developers"
$bob_token,bob,uid-bob
TOKENS
chmod 600 "$dir/tokens.csv"

etcd_port="$(free_port)"; peer_port="$(free_port)"; api_port="$(free_port)"

setsid "$bins/etcd" --name kmcp-test --data-dir "$dir/etcd" \
  --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "kmcp-test=http://127.0.0.1:$peer_port" \
  </dev/null >"$dir/etcd.log" 2>&1 &
echo $! > "$dir/etcd.pid"

setsid "$bins/kube-apiserver" \
  --etcd-servers "http://127.0.0.1:$etcd_port" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" --insecure-port 0 \
  --cert-dir "$dir/certs" --tls-cert-file "$dir/certs/server.crt" --tls-private-key-file "$dir/certs/server.key" \
  --token-auth-file "$dir/tokens.csv" --authorization-mode RBAC \
  --service-account-key-file "$dir/certs/sa.pub" --service-account-signing-key-file "$dir/certs/sa.key" \
  --service-account-issuer https://kubernetes.default.svc \
  --service-cluster-ip-range 10.96.0.0/16 --disable-admission-plugins ServiceAccount \
  </dev/null >"$dir/kube-apiserver.log" 2>&1 &
echo $! > "$dir/kube-apiserver.pid"

if [ -n "${KMCP_CLUSTER_WATCH_PID:-}" ]; then
  watched="$KMCP_CLUSTER_WATCH_PID"
  setsid bash -c "while kill -0 $watched 2>/dev/null; do sleep 1; done; '$here/cluster.sh' stop '$dir'" \
    </dev/null >/dev/null 2>&1 &
fi

server="https://127.0.0.1:$api_port"
kc="$dir/kubeconfig"
{
  echo "apiVersion: v1"
  echo "kind: Config"
  echo "clusters:"
  echo "- name: kmcp-test"
  echo "  cluster: {server: \"$server\", certificate-authority: \"$dir/certs/ca.crt\"}"
  echo "users:"
  for u in admin restricted alice bob; do
    t="${u}_token"
    echo "- name: $u"
    echo "  user: {token: \"${!t}\"}"
  done
  echo "contexts:"
  for u in admin restricted alice bob; do
    echo "- name: $u"
    echo "  context: {cluster: kmcp-test, user: $u, namespace: default}"
  done
  echo "current-context: admin"
} > "$kc"
chmod 600 "$kc"

for _ in $(seq 600); do
  if [ "$(kubectl --kubeconfig "$kc" get --raw /readyz 2>/dev/null)" = "ok" ]; then ready=1; break; fi
  if ! kill -0 "$(cat "$dir/kube-apiserver.pid")" 2>/dev/null; then break; fi
  sleep 0.1
done
if [ -z "${ready:-}" ]; then
  echo "tests/cluster.sh: the API server did not become ready; last lines of $dir/kube-apiserver.log:" >&2
  tail -n 20 "$dir/kube-apiserver.log" >&2 || true
  tail -n 5 "$dir/etcd.log" >&2 || true
  stop "$dir"
  exit 1
fi

if [ "${KMCP_CLUSTER_NO_CRD:-}" != 1 ]; then
  kubectl --kubeconfig "$kc" apply -f "$here/fixtures/mcpserver-crd.yaml" >/dev/null
  kubectl --kubeconfig "$kc" wait --for condition=established --timeout=60s crd/mcpservers.kagent.dev >/dev/null
fi
if [ "${KMCP_CLUSTER_NO_CRD:-}" != 1 ] && [ "${KMCP_CLUSTER_NO_REMOTE_CRD:-}" != 1 ]; then
  kubectl --kubeconfig "$kc" apply -f "$here/fixtures/remotemcpserver-crd.yaml" >/dev/null
  kubectl --kubeconfig "$kc" wait --for condition=established --timeout=60s crd/remotemcpservers.kagent.dev >/dev/null
fi

echo "export KUBECONFIG=$kc"
