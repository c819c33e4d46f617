package security

import (
	"net/netip"
	"strings"
)

// PeerKind says what the other side of a rule is.
type PeerKind string

// The three kinds of peer a rule can name.
const (
	PeerGroup      PeerKind = "group"      // another workload's security group, by ID
	PeerCIDR       PeerKind = "cidr"       // an address range: only 0.0.0.0/0, ::/0 and the VPN client range
	PeerPrefixList PeerKind = "prefixList" // an AWS-managed prefix list of a gateway endpoint
	// PeerLegacy is a security group from before a migration, by its ID: a
	// bridge between the platform's groups and the old ones while old and
	// new workloads run side by side. Every rule naming one is temporary.
	PeerLegacy PeerKind = "legacy"
)

// Peer is the other side of a rule. It can only be made inside this package,
// which is what keeps arbitrary CIDRs out of the graph. It is comparable.
type Peer struct {
	kind PeerKind
	key  string
	// CIDR is the range when Kind() is PeerCIDR, else the zero Prefix.
	CIDR netip.Prefix
}

var (
	anyIPv4 = netip.MustParsePrefix("0.0.0.0/0")
	anyIPv6 = netip.MustParsePrefix("::/0")
)

func groupPeer(workload string) Peer { return Peer{kind: PeerGroup, key: workload} }
func internetPeer() Peer             { return Peer{kind: PeerCIDR, key: "internet", CIDR: anyIPv4} }
func vpnClientsPeer(cidr netip.Prefix) Peer {
	return Peer{kind: PeerCIDR, key: FromVPNClients, CIDR: cidr.Masked()}
}
func prefixListPeer(service string) Peer { return Peer{kind: PeerPrefixList, key: service} }
func legacyPeer(groupID string) Peer     { return Peer{kind: PeerLegacy, key: groupID} }

// Key names the peer in rule names and docs: a workload name, "internet"
// (0.0.0.0/0), "internet6" (::/0), "vpn-clients" (the VPN client range),
// "s3" / "dynamodb" (prefix lists), or a legacy group's ID.
func (p Peer) Key() string { return p.key }

// Kind is group, cidr or prefixList.
func (p Peer) Kind() PeerKind { return p.kind }

// Workload is the workload name when the peer is a group, else "".
func (p Peer) Workload() string {
	if p.kind == PeerGroup {
		return p.key
	}
	return ""
}

// Legacy is the legacy group's ID when the peer is one, else "".
func (p Peer) Legacy() string {
	if p.kind == PeerLegacy {
		return p.key
	}
	return ""
}

// String is the peer as docs show it: "api", "internet (0.0.0.0/0)",
// "s3 (prefix list)".
func (p Peer) String() string {
	switch p.kind {
	case PeerCIDR:
		return p.key + " (" + p.CIDR.String() + ")"
	case PeerPrefixList:
		return p.key + " (prefix list)"
	case PeerLegacy:
		return p.key + " (legacy group)"
	}
	return p.key
}

// Direction is ingress or egress.
type Direction string

// The two directions of a rule.
const (
	Ingress Direction = "ingress"
	Egress  Direction = "egress"
)

// Rule is one security group rule, ready to become one resource.
type Rule struct {
	// Name is stable and unique in the graph: "database-in-api-tcp-5432",
	// "api-out-database-tcp-5432". It depends only on (Group, Direction, Peer,
	// Port), never on config order.
	Name      string
	Group     string // the workload whose group holds the rule
	Direction Direction
	Peer      Peer
	Port      Port
	Reason    string // the rule description
	// Until is the migration stage that removes the rule: set on every rule
	// of a bridge to a legacy group, and only there.
	Until string
}

// Temporary reports whether the rule is a migration bridge, removed at Until.
func (r Rule) Temporary() bool { return r.Until != "" }

func ruleName(group string, d Direction, peer Peer, port Port) string {
	sep := "-in-"
	if d == Egress {
		sep = "-out-"
	}
	return group + sep + peer.key + "-" + port.String()
}

func compareRules(a, b Rule) int {
	if c := strings.Compare(a.Group, b.Group); c != 0 {
		return c
	}
	if a.Direction != b.Direction {
		if a.Direction == Ingress {
			return -1
		}
		return 1
	}
	if c := strings.Compare(a.Peer.key, b.Peer.key); c != 0 {
		return c
	}
	return a.Port.compare(b.Port)
}

// Edge is one allowed flow: From may open connections to To on Port. An edge
// becomes an ingress rule on To when To is a workload and an egress rule on
// From when From is a workload.
type Edge struct {
	From, To Peer
	Port     Port
	Reason   string
	Implicit bool // added by Build (internet to alb, compute to endpoints, ...), not asked for by a grant
	// Until is the migration stage that removes a bridge to a legacy group.
	Until string
}

func compareEdges(a, b Edge) int {
	if c := strings.Compare(a.From.key, b.From.key); c != 0 {
		return c
	}
	if c := strings.Compare(a.To.key, b.To.key); c != 0 {
		return c
	}
	return a.Port.compare(b.Port)
}
