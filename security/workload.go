package security

import (
	"net/netip"
	"regexp"
	"sort"
	"strings"
)

// Kind is what a workload is. It decides whether the workload accepts
// connections, whether it may open any, and which implicit rules it gets.
type Kind string

// User workloads, declared in the compute config.
const (
	KindALB    Kind = "alb"
	KindEC2    Kind = "ec2"
	KindECS    Kind = "ecs"
	KindLambda Kind = "lambda"
	KindBatch  Kind = "batch"
	KindAurora Kind = "aurora"
	KindCache  Kind = "cache"
)

// Built-in workloads, added by the stack from the network config. Their
// workload name is the kind itself.
const (
	KindEndpoints Kind = "endpoints" // the interface VPC endpoints
	KindVPN       Kind = "vpn"       // the Client VPN endpoint
)

// userKinds is sorted, for messages.
var userKinds = []Kind{KindALB, KindAurora, KindBatch, KindCache, KindEC2, KindECS, KindLambda}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	switch k {
	case KindALB, KindEC2, KindECS, KindLambda, KindBatch, KindAurora, KindCache, KindEndpoints, KindVPN:
		return true
	}
	return false
}

// IsCompute reports whether k runs code (ec2, ecs, lambda, batch): only these
// reach the endpoints, the gateway prefix lists and the internet.
func (k Kind) IsCompute() bool {
	return k == KindEC2 || k == KindECS || k == KindLambda || k == KindBatch
}

// IsDataStore reports whether k is a data store (aurora, cache).
func (k Kind) IsDataStore() bool { return k == KindAurora || k == KindCache }

// BuiltIn reports whether k is added by the stack rather than declared.
func (k Kind) BuiltIn() bool { return k == KindEndpoints || k == KindVPN }

// AcceptsConnections reports whether a workload of kind k can ever be the
// target of a rule. lambda, batch and the vpn have no listener in the VPC.
func (k Kind) AcceptsConnections() bool {
	return k != KindLambda && k != KindBatch && k != KindVPN
}

// HasEgress reports whether a workload of kind k may open connections. Data
// stores and interface endpoints only answer, so they have no egress rule at all.
func (k Kind) HasEgress() bool { return !k.IsDataStore() && k != KindEndpoints }

// article is the kind with "a" or "an", for messages: "an aurora", "a lambda".
func (k Kind) article() string {
	if k != "" && strings.ContainsRune("aeiou", rune(k[0])) {
		return "an " + string(k)
	}
	return "a " + string(k)
}

// needsPort reports whether a workload of kind k must have a service port.
// ec2 and ecs may have none (a worker that only calls out).
func (k Kind) needsPort() bool {
	return k == KindALB || k == KindAurora || k == KindCache || k == KindEndpoints
}

// Workload is one thing that gets its own security group.
type Workload struct {
	Name           string // the config key of the workload, e.g. "api"; stable identity
	Kind           Kind
	Port           Port // the service port; zero value = accepts nothing (lambda, batch, vpn)
	InternetEgress bool // needs the internet through NAT: gets egress 0.0.0.0/0 on 443 only
	InternetFacing bool // alb only: receives 0.0.0.0/0 on 443 and 80 (80 only redirects)
	ExtraGroups    int  // legacy security groups still attached during a migration; counts towards the groups-per-interface quota

	// Key is the full config key the workload was declared at, e.g.
	// "platform:compute.services.api"; problems about the workload itself are
	// reported there. Empty means "platform:compute.<Name>" for user kinds and
	// "platform:network.<Name>" for built-ins.
	Key string
}

func (w Workload) key() string {
	if w.Key != "" {
		return w.Key
	}
	if w.Kind.BuiltIn() {
		return "platform:network." + w.Name
	}
	return "platform:compute." + w.Name
}

// Config is the stack value `platform:security`.
type Config struct {
	// Allow maps a target workload to who may reach it.
	Allow map[string][]Grant `json:"allow"`
	// MaxRulesPerGroup caps the rules of one group in each direction. Default
	// 60, the AWS default quota; raise it only after raising the account quota
	// (max 1000).
	MaxRulesPerGroup int `json:"maxRulesPerGroup,omitempty"`
	// MaxGroupsPerInterface caps the groups on one network interface (the
	// workload's own plus its ExtraGroups). Default 5, max 16.
	MaxGroupsPerInterface int `json:"maxGroupsPerInterface,omitempty"`
}

// Grant lets sources reach the target it is listed under.
type Grant struct {
	// From lists workload names, or the keywords "internet" and "vpn-clients".
	From []string `json:"from"`
	// Port defaults to the target's service port; "5432", "tcp/5432",
	// "8000-8010", "udp/53". It must lie inside the target's service port.
	Port PortText `json:"port,omitempty"`
	// Reason becomes the rule description; a sensible default when empty.
	Reason string `json:"reason,omitempty"`
	// Until is the migration stage that removes the grant: required on a
	// bridge, a grant naming a legacy security group (by ID, imported in
	// platform:migration.groups) as its target or a source, and only there.
	Until string `json:"until,omitempty"`
}

// PortText is a grant's port as the stack file writes it ("5432",
// "tcp/5432", "8000-8010", "udp/53"); a single port may also be written as a
// plain number (port: 5432), as a workload's own port is.
type PortText string

// NumberText lets the config decoder take port: 5432 as "5432".
func (PortText) NumberText() {}

// Source keywords of Grant.From.
const (
	FromInternet   = "internet"
	FromVPNClients = "vpn-clients"
)

// Env is what the network layer provides.
type Env struct {
	VPNClientCIDR      netip.Prefix // valid only when the Client VPN is enabled
	InterfaceEndpoints bool         // interface endpoints exist: the "endpoints" workload is present
	GatewayEndpoints   []string     // "s3", "dynamodb": gateway endpoints whose prefix lists compute may reach on 443
	// Legacy are the security groups from before a migration that bridges
	// may name, by ID, with their names (platform:migration.groups).
	Legacy map[string]string
	// Snapshot are the groups of the migration's snapshot, by ID, with
	// their names: a bridge naming one of them that is not in Legacy is
	// told to import it, one that is in neither does not exist.
	Snapshot map[string]string
}

// Limits are the quotas Build enforced, after defaults.
type Limits struct {
	MaxRulesPerGroup      int
	MaxGroupsPerInterface int
}

// Defaults and hard maxima of the quotas.
const (
	DefaultMaxRulesPerGroup      = 60
	DefaultMaxGroupsPerInterface = 5
	maxRulesPerGroupCap          = 1000
	maxGroupsPerInterfaceCap     = 16
	maxRulesPerInterface         = 1000
)

// gatewayServices are the services that have gateway endpoints.
var gatewayServices = map[string]bool{"s3": true, "dynamodb": true}

// reservedNames are peer keys no workload may take.
var reservedNames = map[string]bool{
	"internet": true, "internet6": true, FromVPNClients: true, "s3": true, "dynamodb": true,
}

// reservedWords may not be a hyphen-separated word of a workload name, so that
// rule names ("<target>-in-<peer>-<port>") can never collide.
var reservedWords = map[string]bool{"in": true, "out": true, "tcp": true, "udp": true}

const maxNameLen = 32

// groupIDPattern is a security group ID: how a bridge names a legacy group.
var groupIDPattern = regexp.MustCompile(`^sg-[0-9a-f]{8,17}$`)

// checkName returns why name cannot be a workload name, or "".
func checkName(name string) string {
	if name == "" {
		return "a workload has an empty name; every workload needs its stable name (its config key)"
	}
	ok := len(name) <= maxNameLen && name[0] >= 'a' && name[0] <= 'z' && name[len(name)-1] != '-'
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && name[i-1] != '-')
	}
	if !ok {
		return `workload name "` + name + `" is not valid; use 1 to 32 lowercase letters, digits and single hyphens, starting with a letter (e.g. "api")`
	}
	if groupIDPattern.MatchString(name) {
		return `workload name "` + name + `" reads as a security group ID, which the allow graph takes for a legacy group; rename the workload`
	}
	for _, w := range strings.Split(name, "-") {
		if reservedWords[w] {
			return `workload name "` + name + `" has "` + w + `" as a word, which rule names reserve (in, out, tcp, udp); rename the workload`
		}
	}
	return ""
}

func kindList(ks []Kind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}
