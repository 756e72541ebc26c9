#!/usr/bin/env bash
# Simulated hosts for the scale-out suites (docs/scale-out.md): network namespaces on a private bridge.
#
#   topology.sh up ID HOSTS   make w3s<ID>-lan (the bridge), w3s<ID>-redis, w3s<ID>-client and
#                             w3s<ID>-h1 .. w3s<ID>-h<HOSTS>, each with one veth port on the bridge
#   topology.sh down ID       delete every namespace of that ID (the processes in them are killed first)
#   topology.sh addresses ID  print "namespace address" per line
#
# Addresses are on 10.213.0.0/24, which exists only on that bridge: redis .2, client .250, host n .(10+n).
# Nothing is routed anywhere else (no default route), so no test traffic can leave the namespaces. Several
# topologies can exist at once (each ID has its own bridge and namespaces). Needs root (ip netns).
set -euo pipefail

SUBNET=10.213.0
cmd=${1:-}
id=${2:-}
[[ "$id" =~ ^[a-z0-9]{1,8}$ ]] || { echo "usage: topology.sh up|down|addresses ID [HOSTS] (ID: 1-8 of a-z0-9)" >&2; exit 2; }
prefix="w3s${id}"
lan="${prefix}-lan"

members() {
  echo "redis ${SUBNET}.2"
  echo "client ${SUBNET}.250"
  local hosts
  hosts=$(ip netns list | awk '{print $1}' | grep -c "^${prefix}-h[0-9]*$" || true)
  for ((n = 1; n <= hosts; n++)); do echo "h${n} ${SUBNET}.$((10 + n))"; done
}

attach() { # name address: a namespace with one port on the bridge
  local ns="${prefix}-$1"
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  # Both ends are made inside namespaces: nothing is ever created in the root namespace.
  ip -n "$lan" link add "$1" type veth peer name eth0 netns "$ns"
  ip -n "$lan" link set "$1" master br0 up
  ip -n "$ns" addr add "$2/24" dev eth0
  ip -n "$ns" link set eth0 up
}

case "$cmd" in
  up)
    hosts=${3:-}
    [[ "$hosts" =~ ^[1-9][0-9]?$ ]] || { echo "topology.sh up ID HOSTS: HOSTS is 1-99" >&2; exit 2; }
    ip netns add "$lan"
    ip -n "$lan" link set lo up
    ip -n "$lan" link add br0 type bridge
    ip -n "$lan" link set br0 up
    attach redis "${SUBNET}.2"
    attach client "${SUBNET}.250"
    for ((n = 1; n <= hosts; n++)); do attach "h${n}" "${SUBNET}.$((10 + n))"; done
    ;;
  addresses)
    members | sed "s/^/${prefix}-/"
    ;;
  down)
    for ns in $(ip netns list | awk '{print $1}' | grep "^${prefix}-" || true); do
      pids=$(ip netns pids "$ns" || true)
      [ -n "$pids" ] && kill -9 $pids 2>/dev/null || true
      ip netns delete "$ns"
    done
    ;;
  *)
    echo "usage: topology.sh up|down|addresses ID [HOSTS]" >&2
    exit 2
    ;;
esac
