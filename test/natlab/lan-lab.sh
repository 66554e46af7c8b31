#!/usr/bin/env bash
# The LAN and roaming lab (docs/nat.md, "LAN and roaming"): one router with several hosts on its LAN
# bridge (no hairpinning), a second router to roam to, a public bootstrap and a public host. Root
# only; namespaces prefixed nl- (NLLAB_PREFIX); nothing is added to the root namespace and the
# lab's internet has no uplink. Separate from lab.sh so the two labs can run side by side.
#
#   lan-lab.sh up | down | status
#   lan-lab.sh roam      move nl-m's uplink from router 1's LAN to router 2's (a laptop changing networks)
#
#   nl-inet   bridge br0 198.51.100.1/24 (the internet)
#   nl-boot   198.51.100.10: nance bootstrap :3490 (plain STUN)
#   nl-pub    198.51.100.30: public host, no NAT
#   nl-r1     router: wan0 198.51.100.21, LAN bridge lan 10.77.0.1/24, masquerade (port-restricted),
#             no hairpinning: a LAN host cannot reach another through 198.51.100.21
#   nl-a nl-b nl-c nl-d   hosts on nl-r1's LAN: 10.77.0.11 .12 .13 .14
#   nl-r2     router: wan0 198.51.100.22, LAN bridge lan 10.78.0.1/24, masquerade
#   nl-m      roaming host: eth0 on nl-r1's LAN (10.77.0.20), eth1 on nl-r2's LAN (down until `roam`,
#             then 10.78.0.20 with the default route via 10.78.0.1, and eth0 down)
set -eEuo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
P=${NLLAB_PREFIX:-nl-}
[[ "$P" =~ ^[a-z][a-z0-9]{0,5}-$ ]] || { echo "NLLAB_PREFIX must look like nl-" >&2; exit 2; }
DIR=${NLLAB_DIR:-${TMPDIR:-/tmp}/nance-lanlab}
NODE=${NODE:-node}
NAMESPACES="${P}inet ${P}boot ${P}pub ${P}r1 ${P}r2 ${P}a ${P}b ${P}c ${P}d ${P}m"

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
mkns() {
  ip netns add "$1"
  nsx "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$1" link set lo up
}
bridge() { # ns name [address]
  ip -n "$1" link add "$2" type bridge mcast_snooping 0
  ip -n "$1" link set "$2" up
  if [ -n "${3:-}" ]; then ip -n "$1" addr add "$3" dev "$2"; fi
}
plug() { # bridge-ns bridge port-name host-ns ifname
  ip link add name "$3" netns "$1" type veth peer name "$5" netns "$4"
  ip -n "$1" link set "$3" master "$2" up
  ip -n "$4" link set "$5" up
}
router() { # name wan-ip lan-cidr-address
  local r=${P}$1
  mkns "$r"
  nsx "$r" sysctl -qw net.ipv4.ip_forward=1
  plug "${P}inet" br0 "p-$1" "$r" wan0
  ip -n "$r" addr add "$2/24" dev wan0
  ip -n "$r" route add default via 198.51.100.1
  bridge "$r" lan "$3"
  nsx "$r" nft -f - <<NFT
table inet nl_fw {
  chain input { type filter hook input priority filter; policy accept;
    ct state established,related accept
    iifname "wan0" meta l4proto icmp accept
    iifname "wan0" drop
  }
  chain forward { type filter hook forward priority filter; policy accept;
    ct state established,related accept
    iifname "lan" oifname "wan0" accept
    iifname "wan0" drop
  }
}
table ip nl_nat {
  chain postrouting { type nat hook postrouting priority srcnat; policy accept;
    oifname "wan0" masquerade
  }
}
NFT
}
lan_host() { # name router ip gw
  mkns "${P}$1"
  plug "${P}$2" lan "h-$1" "${P}$1" eth0
  ip -n "${P}$1" addr add "$3/24" dev eth0
  ip -n "${P}$1" route add default via "$4"
}

do_down() {
  if [ -f "$DIR/boot.pid" ]; then kill "$(cat "$DIR/boot.pid")" 2>/dev/null || true; rm -f "$DIR/boot.pid"; fi
  local ns
  for ns in $NAMESPACES; do
    if ip netns pids "$ns" >/dev/null 2>&1; then
      for pid in $(ip netns pids "$ns"); do kill "$pid" 2>/dev/null || true; done
      ip netns del "$ns" 2>/dev/null || true
    fi
  done
}

do_up() {
  do_down
  trap 'do_down' ERR
  mkdir -p "$DIR"
  mkns "${P}inet"
  bridge "${P}inet" br0 198.51.100.1/24
  mkns "${P}boot"; plug "${P}inet" br0 p-boot "${P}boot" eth0
  ip -n "${P}boot" addr add 198.51.100.10/24 dev eth0
  mkns "${P}pub"; plug "${P}inet" br0 p-pub "${P}pub" eth0
  ip -n "${P}pub" addr add 198.51.100.30/24 dev eth0
  router r1 198.51.100.21 10.77.0.1/24
  router r2 198.51.100.22 10.78.0.1/24
  lan_host a r1 10.77.0.11 10.77.0.1
  lan_host b r1 10.77.0.12 10.77.0.1
  lan_host c r1 10.77.0.13 10.77.0.1
  lan_host d r1 10.77.0.14 10.77.0.1
  lan_host m r1 10.77.0.20 10.77.0.1
  plug "${P}r2" lan h-m2 "${P}m" eth1
  ip -n "${P}m" link set eth1 down
  rm -rf "$DIR/boot"; mkdir -p "$DIR/boot"
  setsid bash -c 'echo $$ >"$0"; exec ip netns exec "$1" "${@:2}"' "$DIR/boot.pid" "${P}boot" \
    "$NODE" "$ROOT/bin/nance.js" --bootstrap --host 198.51.100.10 --port 3490 --data-dir "$DIR/boot" \
    --no-stun >"$DIR/boot.log" 2>&1 </dev/null &
  local i
  for i in $(seq 200); do
    [ -n "$(nsx "${P}boot" ss -Hlun 'sport = :3490')" ] && break
    sleep 0.05
  done
  [ -n "$(nsx "${P}boot" ss -Hlun 'sport = :3490')" ] || { echo "bootstrap did not start (see $DIR/boot.log)" >&2; return 1; }
  trap - ERR
}

do_roam() {
  local m=${P}m
  ip -n "$m" addr flush dev eth0
  ip -n "$m" link set eth0 down
  ip -n "$m" link set eth1 up
  ip -n "$m" addr add 10.78.0.20/24 dev eth1
  ip -n "$m" route replace default via 10.78.0.1
}

case ${1:-} in
up) do_up ;;
down) do_down ;;
roam) do_roam ;;
status) for ns in $NAMESPACES; do echo "== $ns"; ip -n "$ns" -br addr 2>/dev/null || true; done ;;
*) echo "usage: $0 up|down|roam|status" >&2; exit 2 ;;
esac
