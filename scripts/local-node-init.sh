#!/usr/bin/env bash
# The first process of the local worker node (cli/local/node.ts starts it; see docs/local-node.md).
# It runs as PID 1 of new user, mount, PID and network namespaces (`unshare --user
# --mount --pid --fork --net --mount-proc`), so when it dies the kernel kills every process of the
# node, runsc sandboxes included, and the node's network and mounts disappear with it.
#
#   local-node-init.sh STATE_DIR
#
# STATE_DIR/node.env (written by node.ts) names the binaries and addresses. The host plugs a veth
# pair into this network namespace and writes STATE_DIR/net-ready; until then this script waits.
#
# Network, inside the node:
#   eth0     NODE_IP/30, the link to the host (the API server listens on HOST_IP)
#   cni0     the pod bridge (POD_CIDR), made by the bridge CNI plugin
#   world0   a veth to a second network namespace, "the world": the default route. It carries
#            the stand-in listeners (instance metadata, an allowlisted and a forbidden address, an
#            outside DNS resolver), so a pod's traffic to them is forwarded, as on a real node.
set -euo pipefail

# The host writes this namespace's uid and gid maps once it exists. This script was started before
# that, as an unmapped user, and lost its capabilities on exec: once mapped, start again as root.
if [ -z "${NODE_INIT_MAPPED:-}" ]; then
  for _ in $(seq 200); do
    [ "$(id -u)" = 0 ] && NODE_INIT_MAPPED=1 exec bash "$0" "$@"
    sleep 0.05
  done
  echo "[node-init] no uid map after 10 s" >&2
  exit 1
fi

STATE="$1"
# shellcheck source=/dev/null
source "$STATE/node.env"
ROOT="$STATE/root"
log() { echo "[node-init] $*" >&2; }

pids=()
stop() {
  log "stopping"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  exit 0
}
trap stop TERM INT

for _ in $(seq 300); do [ -e "$STATE/net-ready" ] && break; sleep 0.1; done
[ -e "$STATE/net-ready" ] || { log "the host did not plug in the network"; exit 1; }

# --- mounts: the node's own /run, /var/lib, /var/log, /etc/containerd, /etc/cni and /opt/cni -------
mount --make-rprivate /
mount -t tmpfs -o mode=0755 tmpfs /run
for d in var/lib var/log etc/containerd etc/cni opt/cni; do
  mkdir -p "$ROOT/$d" "/$d"
  mount --bind "$ROOT/$d" "/$d"
done
mkdir -p /var/lib/kubelet /var/lib/containerd /var/log/pods /etc/cni/net.d /opt/cni/bin /run/containerd
cp "$CNI_DIR"/* /opt/cni/bin/
cp "$STATE/containerd.toml" /etc/containerd/config.toml
cp "$STATE/runsc.toml" "$RUNSC_CONFIG_PATH"
cp "$STATE/cni.conflist" /etc/cni/net.d/10-bridge.conflist

# --- network -----------------------------------------------------------------------------------
ip link set lo up
ip addr add "$NODE_IP/30" dev eth0
ip link set eth0 up
echo 1 >/proc/sys/net/ipv4/ip_forward
# Bridged pod-to-pod traffic must traverse iptables, or NetworkPolicy would not see it.
echo 1 >/proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || log "no bridge-nf-call-iptables in this kernel"

# The world: its own network namespace behind world0, with every stand-in address on its loopback.
unshare --net sleep infinity &
world=$!
pids+=("$world")
# Until unshare has made its network namespace, the veth would land in the node's own.
for _ in $(seq 100); do
  [ "$(readlink "/proc/$world/ns/net")" != "$(readlink /proc/self/ns/net)" ] && break
  sleep 0.02
done
ip link add world0 type veth peer name eth0 netns "$world"
ip addr add 10.255.255.1/30 dev world0
ip link set world0 up
ip route add default via 10.255.255.2
in_world() { nsenter --target "$world" --net -- "$@"; }
in_world ip link set lo up
in_world ip addr add 10.255.255.2/30 dev eth0
in_world ip link set eth0 up
in_world ip route add default via 10.255.255.1
serve=()
for spec in $STANDINS; do
  addr="${spec#*:}"
  in_world ip addr add "${addr%:*}/32" dev lo 2>/dev/null || true
  serve+=("$spec")
done
in_world "$PROBE" serve "${serve[@]}" >"$STATE/logs/standins.log" 2>&1 &
pids+=("$!")

# --- cgroups: the kubelet's root, under every v1 controller --------------------------------------
for ctrl in /sys/fs/cgroup/*/; do
  [ -e "$ctrl/cgroup.procs" ] || continue
  mkdir -p "$ctrl/${CGROUP_ROOT#/}"
done

# --- containerd, images, kubelet, kube-proxy, kube-router ----------------------------------------
"$CONTAINERD" --config /etc/containerd/config.toml >"$STATE/logs/containerd.log" 2>&1 &
pids+=("$!")
for _ in $(seq 100); do [ -S /run/containerd/containerd.sock ] && break; sleep 0.1; done
# IMAGES holds ARCHIVE=REPO@DIGEST pairs. An archive imports as REPO:TAG; pods name images by
# digest, so each also gets the name REPO@DIGEST, after checking that DIGEST is what was imported.
for pair in $IMAGES; do
  archive="${pair%%=*}" ref="${pair#*=}"
  "$CTR" --namespace k8s.io images import --all-platforms "$archive" >&2
  repo="${ref%@*}" digest="${ref#*@}"
  listing="$("$CTR" --namespace k8s.io images ls 2>/dev/null)"
  name="$(awk -v r="$repo" 'index($1, r ":") == 1 { print $1; exit }' <<<"$listing")"
  [ -n "$name" ] || { log "$archive did not import as $repo:<tag>:"; echo "$listing" >&2; exit 1; }
  awk -v n="$name" -v d="$digest" '$1 == n && $3 == d { ok = 1 } END { exit !ok }' <<<"$listing" ||
    { log "$archive imported as $name but not with digest $digest:"; echo "$listing" >&2; exit 1; }
  "$CTR" --namespace k8s.io images tag --force "$name" "$ref" >&2
done

# Strict mode, as the EKS VPC CNI's network policy agent offers it: a pod's new connections are
# dropped until the NetworkPolicy controller has judged that pod. kube-router marks every packet
# that passed a pod's firewall chain (0x20000); one without the mark comes from a pod it has not
# seen yet. Without this, a new sandbox pod talks freely for the second or so before kube-router
# catches up (seen here: the probe reached the metadata stand-in). mangle POSTROUTING sees
# forwarded and bridged traffic after the filter verdicts; INPUT the traffic to the node itself.
# (The node's own address on the pod bridge is inside POD_CIDR too: its probes of pods are not
# pod traffic.)
strict=(-s "$POD_CIDR" -m addrtype ! --src-type LOCAL -m conntrack --ctstate NEW -m mark ! --mark 0x20000/0x20000
  -m comment --comment "eval-sandbox strict mode: pods are isolated until judged" -j DROP)
iptables -t mangle -A POSTROUTING "${strict[@]}"
iptables -A INPUT "${strict[@]}"

# keep NAME CMD...: runs CMD with its log in logs/NAME.log and starts it again 2 s after it exits
# (kube-router, for one, exits until the kubelet has registered the node).
keep() {
  local name="$1"; shift
  (
    trap 'kill -TERM "$child" 2>/dev/null; exit 0' TERM
    while true; do
      "$@" >>"$STATE/logs/$name.log" 2>&1 &
      child=$!
      wait "$child" || true
      echo "[node-init] $name exited; starting it again in 2 s" >>"$STATE/logs/$name.log"
      sleep 2
    done
  ) &
  pids+=("$!")
}
keep kubelet "$KUBELET" --config="$STATE/kubelet.yaml" --kubeconfig="$STATE/kubelet.kubeconfig" \
  --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" --node-labels="$NODE_LABELS" \
  --register-with-taints="$NODE_TAINTS" --root-dir=/var/lib/kubelet --v=1
keep kube-proxy "$KUBE_PROXY" --config="$STATE/kube-proxy.yaml" --hostname-override="$NODE_NAME" --v=1
keep kube-router "$KUBE_ROUTER" --kubeconfig="$STATE/kube-router.kubeconfig" \
  --hostname-override="$NODE_NAME" --run-firewall=true --run-router=false \
  --run-service-proxy=false --enable-cni=false --enable-ipv6=false --metrics-port=0 \
  --health-port=0 --v=1

touch "$STATE/node-started"
log "node processes started"
# PID 1 of the namespace: reap orphans until told to stop.
while true; do
  wait -n || true
done
