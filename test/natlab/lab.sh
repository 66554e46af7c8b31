#!/usr/bin/env bash
# Nance's NAT lab: a small "internet" of Linux network namespaces with one LAN host behind each kind
# of NAT, a STUN host with two addresses, and Nance bootstraps serving STUN. Root only. Nothing is
# added to the root namespace and nothing can leave the lab: the lab's internet has no uplink.
#
#   lab.sh check            exit 0 if the lab can run here, else print ONE reason line, exit 1
#   lab.sh up               build it (runs `down` first, so it is idempotent; tears down on failure)
#   lab.sh down             stop lab processes (by PID), delete the lab's namespaces
#   lab.sh status           namespaces, addresses, processes
#   lab.sh exec NS CMD...   `ip netns exec NS CMD...`
#
# Topology (every namespace is prefixed nz-):
#
#   nz-inet    the internet: bridge br0 = 198.51.100.1/24 + 203.0.113.1/24; forwards only between
#              those two TEST-NET ranges (a leaked private source is dropped)
#   nz-stun    public, TWO addresses 198.51.100.10 + .11:
#                stund              3478 (alt port 3479)   RFC 3489 server, the reference
#                nance bootstrap    3490 (alt port 3491)   --stun-alt-address .11: RFC 5780 STUN
#                nance bootstrap    3500                   plain STUN (no second address)
#   nz-pub     public 203.0.113.20: nance bootstrap 3490, plain STUN (one address)
#   nz-h-open  public 203.0.113.30, no NAT, no firewall
#   nz-r-X     NAT router, wan0 = 198.51.100.2N/24, lan0 = 10.N.0.1/24
#   nz-h-X     its LAN host, eth0 = 10.N.0.10/24
#     X=full  N=1  full cone                EIM + endpoint-independent filtering
#     X=addr  N=2  address-restricted cone  EIM + address-dependent filtering
#     X=port  N=3  port-restricted cone     EIM + address-and-port-dependent filtering (masquerade)
#     X=sym   N=4  symmetric                masquerade random,fully-random
#
# With NZLAB_TWINS=1 a second site of every kind, so that a pair of the same kind (port<->port,
# sym<->sym) crosses two different routers, and a second public host:
#   nz-r-X2    NAT router like nz-r-X, wan0 = 198.51.100.3N/24, lan0 = 10.(N+5).0.1/24
#   nz-h-X2    its LAN host, eth0 = 10.(N+5).0.10/24        (full2 10.6, addr2 10.7, port2 10.8, sym2 10.9)
#   nz-h-open2 public 203.0.113.31, no NAT, no firewall
# `down` deletes them whether or not NZLAB_TWINS is set.
#
# With NZLAB_REACH=1 (issue 15) two harder sites:
#   nz-r-t30   port-restricted router (masquerade) whose conntrack forgets a UDP flow after 30 s,
#              replied or not (home routers often do); wan0 = 198.51.100.26, lan0 = 10.13.0.1/24
#   nz-h-t30   its LAN host 10.13.0.10
#   nz-r-cgn   carrier-grade NAT (masquerade): wan0 = 198.51.100.27, lan0 = 100.64.0.1/10
#   nz-r-home  home router (masquerade) behind it: wan0 = 100.64.0.2/10, lan0 = 10.14.0.1/24
#   nz-h-cgn   the double-NAT host 10.14.0.10
#   nz-r-port6, nz-r-sym6  port-restricted / symmetric routers like nz-r-port / nz-r-sym, wan0 =
#              198.51.100.28 / .29, lan0 = 10.15.0.1/24 / 10.16.0.1/24, with dual-stack LAN hosts
#              nz-h-port6 / nz-h-sym6 (the matrix's `--reach` sites; IPv6 as for nz-h-port below)
# and IPv6 beside IPv4 on every public link (documentation prefix 2001:db8::/32; everywhere else
# IPv6 stays off):
#   nz-inet    br0 = 2001:db8::1/64, routes each site's /64 to its router; forwards 2001:db8::/32 only
#   nz-stun 2001:db8::10 (its plain bootstrap also serves STUN and Nance on [2001:db8::10]:3500;
#   the one peers join through stays IPv4-only), nz-pub 2001:db8::20, nz-h-open 2001:db8::30,
#   nz-h-open2 2001:db8::131
#   every router's wan0 (198.51.100.N) is also 2001:db8::N; the routers' LANs stay IPv4 but for:
#   nz-r-port, nz-r-sym  lan0 = 2001:db8:3::1/64 / 2001:db8:4::1/64: IPv6 routed, not NATed, through
#              the routers' stateful firewall (nz_fw is `inet`: from the WAN only established/related,
#              as home routers do)
#   nz-h-port, nz-h-sym  dual-stack: 10.N.0.10 (NATed) and 2001:db8:N::10 (global); the same for
#              nz-r-port6 / nz-r-sym6 and their hosts (2001:db8:15::10 / :16::10)
# `down` deletes them whether or not NZLAB_REACH is set.
#
# Routers drop unsolicited WAN packets addressed to themselves, as home routers do. (A router that
# accepts them lets Linux conntrack record the first incoming punch as a flow to the router, which
# then collides with the LAN host's own flow: simultaneous hole punching between two port-restricted
# NATs fails most of the time. Not what real NATs do.)
#
# Environment:
#   NZLAB_DIR       where run/ (pids, data dirs) and logs/ go (default: $TMPDIR/nance-natlab)
#   NZLAB_SERVICES  daemons `up` starts (default "stund nance"); nance needs `npm run build`;
#                   "miniupnpd" adds the router nz-r-upnp (N=5, wan 198.51.100.25, port-restricted
#                   like nz-r-port) running miniupnpd (UPnP IGD + NAT-PMP; needs stund and
#                   miniupnpd-nftables) and its LAN host nz-h-upnp = 10.5.0.10
#   NZLAB_TWINS     1: also build the twin sites above (test/natlab/matrix.mjs uses them)
#   NZLAB_REACH     1: also build the 30 s router and the double NAT above
#   NZLAB_PREFIX    namespace prefix instead of nz- (two labs, e.g. two test files, side by side)
#   NODE            node binary (default: node)
set -eEuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LAB_DIR=${NZLAB_DIR:-${TMPDIR:-/tmp}/nance-natlab}
RUN=$LAB_DIR/run
LOGS=$LAB_DIR/logs
SERVICES=${NZLAB_SERVICES:-stund nance}
NODE=${NODE:-node}
P=${NZLAB_PREFIX:-nz-}
[[ "$P" =~ ^[a-z][a-z0-9]{0,5}-$ ]] || { echo "NZLAB_PREFIX must look like nz- (letters/digits, then -)" >&2; exit 2; }

INET=${P}inet
STUN=${P}stun; STUN_IP1=198.51.100.10; STUN_IP2=198.51.100.11
PUB=${P}pub;   PUB_IP=203.0.113.20
OPEN=${P}h-open; OPEN_IP=203.0.113.30
OPEN2=${P}h-open2; OPEN2_IP=203.0.113.31
TWINS=${NZLAB_TWINS:-0}
REACH=${NZLAB_REACH:-0}
GW_A=198.51.100.1; GW_B=203.0.113.1
STUND_PORT=3478; STUND_ALT_PORT=3479
NANCE_PORT=3490
NANCE_PLAIN_PORT=3500

# name:type:wan_ip:index
ROUTERS=(
  full:full-cone:198.51.100.21:1
  addr:addr-restricted:198.51.100.22:2
  port:port-restricted:198.51.100.23:3
  sym:symmetric:198.51.100.24:4
)
# The twins (NZLAB_TWINS=1): same kinds, other routers. Always known to `down`.
TWIN_ROUTERS=(
  full2:full-cone:198.51.100.31:6
  addr2:addr-restricted:198.51.100.32:7
  port2:port-restricted:198.51.100.33:8
  sym2:symmetric:198.51.100.34:9
)
UPNP_HTTP_PORT=5000

all_namespaces() {
  local r
  echo "$INET $STUN $PUB $OPEN $OPEN2 ${P}r-t30 ${P}h-t30 ${P}r-cgn ${P}r-home ${P}h-cgn"
  echo "${P}r-port6 ${P}h-port6 ${P}r-sym6 ${P}h-sym6"
  for r in "${ROUTERS[@]}" "${TWIN_ROUTERS[@]}"; do echo "${P}r-${r%%:*} ${P}h-${r%%:*}"; done |
    awk '!s[$0]++'
}

log() { printf '[nz-lab] %s\n' "$*" >&2; }
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# ---------------------------------------------------------------- building blocks
mkns() {
  local ns=$1
  echo "$ns" >>"$RUN/namespaces" # recorded first: `down` deletes it even if the add half-failed
  ip netns add "$ns"
  nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$ns" link set lo up
}

# A veth from the internet bridge into namespace $2 (named $3 there); both ends are created inside
# namespaces, so deleting the namespaces removes them.
plug_inet() {
  local port=$1 ns=$2 ifname=$3
  ip link add name "$port" netns "$INET" type veth peer name "$ifname" netns "$ns"
  ip -n "$INET" link set "$port" master br0 up
  ip -n "$ns" link set "$ifname" up
}

public_host() {
  local ns=$1 port=$2 gw=$3; shift 3
  local a
  mkns "$ns"
  plug_inet "$port" "$ns" eth0
  for a in "$@"; do ip -n "$ns" addr add "$a/24" dev eth0; done
  ip -n "$ns" route add default via "$gw"
}

router_nft() {
  local name=$1 type=$2 wan_ip=$3 host_ip=$4 nat
  case $type in
  full-cone)
    # EIM: SNAT to the WAN address, keeping the port when it can. EIF: while the mapping lives
    # (every outgoing packet refreshes it), ANY remote may send to the external port.
    nat="
  map mapped { type inet_service : inet_service; flags dynamic,timeout; timeout 180s; }
  chain prerouting { type nat hook prerouting priority dstnat; policy accept;
    iifname \"wan0\" meta l4proto udp dnat to $host_ip : udp dport map @mapped
  }
  chain postrouting { type nat hook postrouting priority srcnat; policy accept;
    oifname \"wan0\" snat to $wan_ip
  }
  chain track { type filter hook postrouting priority 200; policy accept;
    oifname \"wan0\" meta l4proto udp update @mapped { udp sport : ct original proto-src }
  }"
    ;;
  addr-restricted)
    # EIM as above. ADF: remote IP R may send to external port P once the LAN host has sent from P
    # to R (any port of R).
    nat="
  map contacted { type ipv4_addr . inet_service : inet_service; flags dynamic,timeout; timeout 180s; }
  chain prerouting { type nat hook prerouting priority dstnat; policy accept;
    iifname \"wan0\" meta l4proto udp dnat to $host_ip : ip saddr . udp dport map @contacted
  }
  chain postrouting { type nat hook postrouting priority srcnat; policy accept;
    oifname \"wan0\" snat to $wan_ip
  }
  chain track { type filter hook postrouting priority 200; policy accept;
    oifname \"wan0\" meta l4proto udp update @contacted { ip daddr . udp sport : ct original proto-src }
  }"
    ;;
  port-restricted|upnp)
    # Linux masquerade: EIM (port kept when free) and conntrack's filtering: only the exact remote
    # IP:port a flow was opened to may answer.
    nat="
  chain postrouting { type nat hook postrouting priority srcnat; policy accept;
    oifname \"wan0\" masquerade
  }"
    ;;
  symmetric)
    # A fresh random external port for every remote IP:port.
    nat="
  chain postrouting { type nat hook postrouting priority srcnat; policy accept;
    oifname \"wan0\" masquerade random,fully-random
  }"
    ;;
  *) log "unknown NAT type $type"; return 1 ;;
  esac
  local extra_input=""
  if [ "$type" = upnp ]; then
    # miniupnpd learns its WAN address by STUN (ext_perform_stun): let stund's change-IP/port answers in
    extra_input="iifname \"wan0\" ip saddr { $STUN_IP1, $STUN_IP2 } udp sport { $STUND_PORT, $STUND_ALT_PORT } accept"
  fi
  nsx "${P}r-$name" nft -f - <<EOF
table inet nz_fw {
  chain input { type filter hook input priority filter; policy accept;
    ct state established,related accept
    iifname "wan0" meta l4proto icmp accept
    $extra_input
    iifname "wan0" drop
  }
  chain forward { type filter hook forward priority filter; policy accept;
    ct state established,related accept
    iifname "lan0" oifname "wan0" accept
    iifname "wan0" ct status dnat accept
    iifname "wan0" drop
  }
}
table ip nz_nat {$nat
}
EOF
  if [ "$type" = upnp ]; then
    # The table and chains miniupnpd 2.3 (nftables backend) fills; Debian lacks the helper its
    # nft_init.sh sources, so they are made here. Its forward rules run before nz_fw's drop.
    nsx "${P}r-$name" nft -f - <<'EOF'
table inet miniupnpd {
  chain forward { type filter hook forward priority filter - 1; policy accept; jump miniupnpd; }
  chain miniupnpd { }
  chain prerouting { type nat hook prerouting priority dstnat - 1; policy accept; jump prerouting_miniupnpd; }
  chain postrouting { type nat hook postrouting priority srcnat - 1; policy accept; jump postrouting_miniupnpd; }
  chain prerouting_miniupnpd { }
  chain postrouting_miniupnpd { }
}
EOF
  fi
}

nat_site() {
  local spec=$1 name type wan_ip idx
  IFS=: read -r name type wan_ip idx <<<"$spec"
  local r=${P}r-$name h=${P}h-$name lan=10.$idx.0
  mkns "$r"
  mkns "$h"
  nsx "$r" sysctl -qw net.ipv4.ip_forward=1
  plug_inet "p-r-$name" "$r" wan0
  ip -n "$r" addr add "$wan_ip/24" dev wan0
  ip -n "$r" route add default via "$GW_A"
  ip link add name lan0 netns "$r" type veth peer name eth0 netns "$h"
  ip -n "$r" addr add "$lan.1/24" dev lan0
  ip -n "$r" link set lan0 up
  ip -n "$h" addr add "$lan.10/24" dev eth0
  ip -n "$h" link set eth0 up
  ip -n "$h" route add default via "$lan.1"
  router_nft "$name" "$type" "$wan_ip" "$lan.10"
}

# NZLAB_REACH: a port-restricted router that forgets an idle UDP flow after 30 s (the conntrack
# sysctls are per namespace), and a host behind two NATs: a home router whose WAN is a carrier-grade
# NAT's LAN (RFC 6598 shared space, 100.64.0.0/10).
reach_sites() {
  nat_site t30:port-restricted:198.51.100.26:13
  nsx "${P}r-t30" sysctl -qw net.netfilter.nf_conntrack_udp_timeout=30 \
    net.netfilter.nf_conntrack_udp_timeout_stream=30
  local cgn=${P}r-cgn home=${P}r-home h=${P}h-cgn
  mkns "$cgn"
  mkns "$home"
  mkns "$h"
  nsx "$cgn" sysctl -qw net.ipv4.ip_forward=1
  nsx "$home" sysctl -qw net.ipv4.ip_forward=1
  plug_inet p-r-cgn "$cgn" wan0
  ip -n "$cgn" addr add 198.51.100.27/24 dev wan0
  ip -n "$cgn" route add default via "$GW_A"
  ip link add name lan0 netns "$cgn" type veth peer name wan0 netns "$home"
  ip -n "$cgn" addr add 100.64.0.1/10 dev lan0
  ip -n "$cgn" link set lan0 up
  ip -n "$home" addr add 100.64.0.2/10 dev wan0
  ip -n "$home" link set wan0 up
  ip -n "$home" route add default via 100.64.0.1
  ip link add name lan0 netns "$home" type veth peer name eth0 netns "$h"
  ip -n "$home" addr add 10.14.0.1/24 dev lan0
  ip -n "$home" link set lan0 up
  ip -n "$h" addr add 10.14.0.10/24 dev eth0
  ip -n "$h" link set eth0 up
  ip -n "$h" route add default via 10.14.0.1
  # router_nft names the router ${P}r-NAME: both are port-restricted masquerades.
  router_nft cgn port-restricted 198.51.100.27 100.64.0.2
  router_nft home port-restricted 100.64.0.2 10.14.0.10
  # Dual-stack sites of their own, so the matrix (--reach) can pair them with every textbook site.
  nat_site port6:port-restricted:198.51.100.28:15
  nat_site sym6:symmetric:198.51.100.29:16
}

# NZLAB_REACH: IPv6 on the internet bridge, the public hosts and two NAT sites (see the top).
V6_GW=2001:db8::1
STUN_IP6=2001:db8::10
v6_on() { # undo mkns's disable_ipv6 on every interface of the namespace; no DAD: usable at once
  nsx "$1" sh -c 'for f in /proc/sys/net/ipv6/conf/*/accept_dad; do echo 0 >"$f"; done
    for f in /proc/sys/net/ipv6/conf/*/disable_ipv6; do echo 0 >"$f"; done'
}
reach_v6() {
  local spec ns n r h wan
  v6_on "$INET"
  nsx "$INET" sysctl -qw net.ipv6.conf.all.forwarding=1
  ip -n "$INET" addr add "$V6_GW/64" dev br0 nodad
  # Bridged frames cross nz_core's forward chain too (br_netfilter): neighbour discovery must pass.
  nsx "$INET" nft add rule inet nz_core forward icmpv6 type '{ nd-neighbor-solicit, nd-neighbor-advert }' accept
  nsx "$INET" nft add rule inet nz_core forward ip6 saddr 2001:db8::/32 ip6 daddr 2001:db8::/32 accept
  # Every public link: the public hosts, and every router's WAN (198.51.100.N is 2001:db8::N).
  for spec in "$STUN:10" "$PUB:20" "$OPEN:30" "$OPEN2:131"; do
    ns=${spec%%:*}
    [ "$ns" != "$OPEN2" ] || [ "$TWINS" = 1 ] || continue
    v6_on "$ns"
    ip -n "$ns" addr add "2001:db8::${spec##*:}/64" dev eth0 nodad
    ip -n "$ns" -6 route add default via "$V6_GW"
  done
  for spec in "${ROUTERS[@]}" t30:-:198.51.100.26 cgn:-:198.51.100.27 port6:-:198.51.100.28 sym6:-:198.51.100.29; do
    IFS=: read -r n _ wan _ <<<"$spec"
    r=${P}r-$n
    v6_on "$r"
    ip -n "$r" addr add "2001:db8::${wan##*.}/64" dev wan0 nodad
    ip -n "$r" -6 route add default via "$V6_GW"
    # Neighbour discovery to the router itself (its input chain drops the rest of the WAN).
    nsx "$r" nft insert rule inet nz_fw input meta l4proto ipv6-icmp accept
  done
  # The dual-stack sites: IPv6 routed (not NATed) to the LAN host through the router's firewall.
  for spec in port:3:23 sym:4:24 port6:15:28 sym6:16:29; do
    IFS=: read -r n idx wan <<<"$spec"
    r=${P}r-$n h=${P}h-$n
    v6_on "$h"
    nsx "$r" sysctl -qw net.ipv6.conf.all.forwarding=1
    ip -n "$r" addr add "2001:db8:$idx::1/64" dev lan0 nodad
    ip -n "$h" addr add "2001:db8:$idx::10/64" dev eth0 nodad
    ip -n "$h" -6 route add default via "2001:db8:$idx::1"
    ip -n "$INET" -6 route add "2001:db8:$idx::/64" via "2001:db8::$wan"
  done
}

# Starts a daemon in a namespace; its PID (the process itself: exec'd) goes to run/NAME.pid.
start_bg() {
  local name=$1 ns=$2 i; shift 2
  setsid bash -c 'echo $$ >"$0"; exec ip netns exec "$1" "${@:2}"' \
    "$RUN/$name.pid" "$ns" "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  for i in $(seq 100); do [ -s "$RUN/$name.pid" ] && break; sleep 0.02; done
  echo "$ns" >"$RUN/$name.ns"
}

wait_udp() { # ns ip port [seconds]
  local ns=$1 ip=$2 port=$3 t=${4:-10} i
  for i in $(seq $((t * 20))); do
    nsx "$ns" ss -Hlun "sport = :$port" 2>/dev/null | awk -v ip="$ip" \
      'index($4, ip":")==1 {f=1} END{exit !f}' && return 0
    sleep 0.05
  done
  log "nothing listening on $ip:$port in $ns after ${t}s (see $LOGS)"
  return 1
}

want() { [[ " $SERVICES " == *" $1 "* ]]; }
if want miniupnpd; then ROUTERS+=(upnp:upnp:198.51.100.25:5); fi
if [ "$TWINS" = 1 ]; then ROUTERS+=("${TWIN_ROUTERS[@]}"); fi

start_services() {
  if want stund; then
    command -v stund >/dev/null || { log "stund missing (apt-get install stun-server)"; return 1; }
    start_bg stund "$STUN" stund -h "$STUN_IP1" -a "$STUN_IP2" -p $STUND_PORT -o $STUND_ALT_PORT
  fi
  if want nance; then
    [ -f "$ROOT/build/src-main/host/cli/main.js" ] || { log "nance is not built (npm run build)"; return 1; }
    mkdir -p "$RUN/nance-stun" "$RUN/nance-plain" "$RUN/nance-pub"
    local stun6=()
    if [ "$REACH" = 1 ]; then stun6=(--host6 "$STUN_IP6"); fi
    start_bg nance-stun "$STUN" "$NODE" "$ROOT/bin/nance.js" --bootstrap --host "$STUN_IP1" \
      --port $NANCE_PORT --stun-alt-address "$STUN_IP2" --data-dir "$RUN/nance-stun" --no-stun
    start_bg nance-plain "$STUN" "$NODE" "$ROOT/bin/nance.js" --bootstrap --host "$STUN_IP1" \
      --port $NANCE_PLAIN_PORT --data-dir "$RUN/nance-plain" --no-stun "${stun6[@]}"
    start_bg nance-pub "$PUB" "$NODE" "$ROOT/bin/nance.js" --bootstrap --host "$PUB_IP" \
      --port $NANCE_PORT --data-dir "$RUN/nance-pub" --no-stun
  fi
  if want stund; then wait_udp "$STUN" "$STUN_IP2" $STUND_ALT_PORT; fi
  if want miniupnpd; then start_miniupnpd; fi
  if want nance; then
    wait_udp "$STUN" "$STUN_IP2" $((NANCE_PORT + 1))
    wait_udp "$STUN" "$STUN_IP1" $NANCE_PLAIN_PORT
    wait_udp "$PUB" "$PUB_IP" $NANCE_PORT
    if [ "$REACH" = 1 ]; then wait_udp "$STUN" "[$STUN_IP6]" $NANCE_PLAIN_PORT; fi
  fi
}

# miniupnpd 2.3.1 (Debian miniupnpd-nftables) in ${P}r-upnp, serving the LAN 10.5.0.0/24.
start_miniupnpd() {
  cat >"$RUN/miniupnpd.conf" <<EOF
ext_ifname=wan0
listening_ip=lan0
http_port=$UPNP_HTTP_PORT
enable_upnp=yes
enable_natpmp=yes
secure_mode=yes
ipv6_disable=yes
# 198.51.100.0/24 is TEST-NET-2, which miniupnpd counts as reserved (no forwarding; ext_ip= refuses
# it); learning the address by STUN gets past that.
ext_perform_stun=yes
ext_stun_host=$STUN_IP1
ext_stun_port=$STUND_PORT
upnp_table_name=miniupnpd
upnp_nat_table_name=miniupnpd
upnp_forward_chain=miniupnpd
upnp_nat_chain=prerouting_miniupnpd
upnp_nat_postrouting_chain=postrouting_miniupnpd
lease_file=$RUN/miniupnpd.leases
uuid=6a1c7a52-8cf0-11e0-98ee-001a6bd2d07b
friendly_name=nance lab upnp router
system_uptime=no
notify_interval=60
clean_ruleset_interval=600
allow 1024-65535 10.5.0.0/24 1024-65535
deny 0-65535 0.0.0.0/0 0-65535
EOF
  # Its own pid file (-P): two labs (two prefixes) must not share /var/run/miniupnpd.pid.
  start_bg miniupnpd "${P}r-upnp" miniupnpd -f "$RUN/miniupnpd.conf" -d -P "$RUN/miniupnpd.daemon.pid"
  local i # ready when NAT-PMP (5351) and the IGD's HTTP port listen, on whatever address
  for i in $(seq 200); do
    [ -n "$(nsx "${P}r-upnp" ss -Hlun 'sport = :5351')" ] &&
      [ -n "$(nsx "${P}r-upnp" ss -Hltn "sport = :$UPNP_HTTP_PORT")" ] && return 0
    sleep 0.05
  done
  log "miniupnpd is not listening after 10s (see $LOGS/miniupnpd.log)"
  return 1
}

# ---------------------------------------------------------------- subcommands
do_check() {
  local ns=${P}check-$$
  [ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)"; return 1; }
  command -v ip >/dev/null || { echo "ip (iproute2) is not installed"; return 1; }
  command -v nft >/dev/null || { echo "nft is not installed (apt-get install nftables)"; return 1; }
  if ! ip netns add "$ns" 2>/dev/null; then echo "ip netns is not usable here (no CAP_SYS_ADMIN?)"; return 1; fi
  if ! ip netns exec "$ns" nft list tables >/dev/null 2>&1; then
    ip netns del "$ns" 2>/dev/null || true
    echo "nftables does not work in a network namespace here"; return 1
  fi
  ip netns del "$ns"
  if want stund; then command -v stund >/dev/null || { echo "stund is not installed (apt-get install stun-server)"; return 1; }; fi
  if want miniupnpd; then
    command -v miniupnpd >/dev/null || { echo "miniupnpd is not installed (apt-get install miniupnpd-nftables)"; return 1; }
    want stund || { echo "miniupnpd needs stund in NZLAB_SERVICES (ext_perform_stun)"; return 1; }
  fi
  return 0
}

do_up() {
  local t0 r
  t0=$(date +%s.%N)
  do_down quiet
  trap 'log "up FAILED (line $LINENO); tearing down"; do_down quiet; exit 1' ERR
  mkdir -p "$RUN" "$LOGS"
  rm -f "$LOGS"/*.log
  : >"$RUN/namespaces"

  mkns "$INET"
  nsx "$INET" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
    net.ipv4.conf.default.send_redirects=0
  ip -n "$INET" link add br0 type bridge
  ip -n "$INET" link set br0 up
  ip -n "$INET" addr add "$GW_A/24" dev br0
  ip -n "$INET" addr add "$GW_B/24" dev br0
  nsx "$INET" nft -f - <<'EOF'
table inet nz_core {
  chain forward { type filter hook forward priority filter; policy drop;
    ip saddr { 198.51.100.0/24, 203.0.113.0/24 } ip daddr { 198.51.100.0/24, 203.0.113.0/24 } accept
  }
}
EOF
  public_host "$STUN" p-stun "$GW_A" "$STUN_IP1" "$STUN_IP2"
  public_host "$PUB" p-pub "$GW_B" "$PUB_IP"
  public_host "$OPEN" p-open "$GW_B" "$OPEN_IP"
  if [ "$TWINS" = 1 ]; then public_host "$OPEN2" p-open2 "$GW_B" "$OPEN2_IP"; fi
  for r in "${ROUTERS[@]}"; do nat_site "$r"; done
  if [ "$REACH" = 1 ]; then reach_sites; reach_v6; fi
  start_services
  trap - ERR
  log "lab up in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b-a}')s (logs in $LOGS)"
}

# Alive and not a zombie.
alive() { local st; st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1); [ -n "$st" ] && [ "$st" != Z ]; }

kill_pid() { # pid [namespace it must be in]
  local pid=$1 ns=${2:-} i
  [ -n "$pid" ] && alive "$pid" || return 0
  if [ -n "$ns" ] && [ "$(ip netns identify "$pid" 2>/dev/null)" != "$ns" ]; then
    return 0 # the PID was reused by something that is not ours
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 60); do alive "$pid" || return 0; sleep 0.05; done
  kill -KILL "$pid" 2>/dev/null || true
}

lab_namespaces() { (all_namespaces; cat "$RUN/namespaces" 2>/dev/null || true) | tr ' ' '\n' | awk 'NF && !s[$0]++'; }

do_down() {
  local quiet=${1:-} f pid ns existing
  # 1) daemons started by `up`, by recorded PID (checked to still live in the lab namespace)
  if [ -d "$RUN" ]; then
    for f in "$RUN"/*.pid; do
      [ -e "$f" ] || continue
      pid=$(cat "$f" 2>/dev/null || true)
      ns=$(cat "${f%.pid}.ns" 2>/dev/null || true)
      kill_pid "$pid" "$ns"
      rm -f "$f" "${f%.pid}.ns"
    done
  fi
  existing=" $(ip netns list 2>/dev/null | awk '{print $1}' | tr '\n' ' ') "
  # 2) anything else still running inside a lab namespace (a test's client left behind), by PID
  for ns in $(lab_namespaces); do
    [[ "$existing" == *" $ns "* ]] || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill_pid "$pid" "$ns"; done
  done
  # 3) the namespaces; deleting one destroys its interfaces and so both ends of each veth
  for ns in $(lab_namespaces); do
    [[ "$existing" == *" $ns "* ]] || continue
    ip netns del "$ns" 2>/dev/null || log "could not delete namespace $ns"
  done
  rm -rf "$RUN"
  [ -n "$quiet" ] || log "lab down"
}

do_status() {
  local ns f
  for ns in $(all_namespaces); do
    if ip netns list | awk '{print $1}' | grep -qx "$ns"; then
      printf '%-10s %s\n' "$ns" "$(ip -n "$ns" -4 -br addr | awk '$1!="lo"{$2=""; print}' | tr -s ' ' | tr '\n' ';')"
    fi
  done
  for f in "$RUN"/*.pid; do
    [ -e "$f" ] || continue
    printf '%-12s pid %-7s %s\n' "$(basename "$f" .pid)" "$(cat "$f")" \
      "$(alive "$(cat "$f")" && echo running || echo DEAD)"
  done
}

case ${1:-} in
check) do_check ;;
up) [ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }; do_up ;;
down) [ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }; do_down ;;
status) do_status ;;
exec) shift; ns=$1; shift; exec ip netns exec "$ns" "$@" ;;
*) sed -n '2,/^set -eEuo/p' "$0" | sed '$d'; exit 2 ;;
esac
