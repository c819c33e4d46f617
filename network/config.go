package network

import (
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strings"

	"github.com/acme/platform/internal/awsenv"
	"github.com/acme/platform/internal/decode"
	"github.com/acme/platform/internal/problems"
)

// NATMode says how the private tier reaches the internet.
type NATMode string

const (
	// NATNone gives the private tier no route out; AWS services are reached through VPC endpoints.
	NATNone NATMode = "none"
	// NATSingle puts one NAT gateway in the first zone for every zone: cheaper,
	// but that zone's outage cuts every zone's egress. Not for production.
	NATSingle NATMode = "single"
	// NATPerAZ gives each zone its own NAT gateway, so zones fail independently.
	NATPerAZ NATMode = "perAz"
)

// NATModes lists the accepted values in the order they are documented.
var NATModes = []NATMode{NATNone, NATSingle, NATPerAZ}

// UnmarshalText rejects anything but the three modes.
func (m *NATMode) UnmarshalText(b []byte) error {
	for _, v := range NATModes {
		if string(b) == string(v) {
			*m = v
			return nil
		}
	}
	return fmt.Errorf("%q is not a NAT mode; use none, single or perAz", string(b))
}

// Config is the stack value `platform:network`.
type Config struct {
	// CIDR is the VPC's IPv4 block, /16 to /28.
	CIDR netip.Prefix `json:"cidr"`
	// AZCount takes the first N zones of the region by name (2-6). Use either this or AvailabilityZones.
	AZCount int `json:"azCount,omitempty"`
	// AvailabilityZones lists the zones explicitly (2-6): names (us-east-1a)
	// or zone IDs (use1-az1), which name the same physical zone in every
	// account. IDs are resolved to this account's names at preview; a zone's
	// subnets sit in the address slot of its name, so writing a zone's ID
	// instead of its name changes nothing.
	AvailabilityZones []string `json:"availabilityZones,omitempty"`
	// Tiers sizes each tier's subnets: public, private, isolated. Private is required.
	Tiers map[string]TierConfig `json:"tiers"`
	// NAT is none, single or perAz.
	NAT NATMode `json:"nat"`
	// Endpoints lists the interface endpoints to create in the private tier (ssm, logs, ...).
	// The S3 and DynamoDB gateway endpoints are always created: they are free.
	Endpoints []string `json:"endpoints,omitempty"`
	// FlowLogs configures VPC flow logs (all traffic, to an encrypted log group).
	FlowLogs FlowLogsConfig `json:"flowLogs"`
	// OtherNetworks lists address ranges this VPC must never overlap: peered VPCs,
	// on-premises networks, other stacks. Overlap makes routing between them impossible.
	OtherNetworks []netip.Prefix `json:"otherNetworks,omitempty"`
	// Existing adopts a VPC that already exists instead of creating one.
	Existing *ExistingConfig `json:"existing,omitempty"`
}

// ExistingSubnets returns the adopted subnets for the planner, sorted by ID.
func (c Config) ExistingSubnets() []ExistingSubnet {
	if c.Existing == nil {
		return nil
	}
	out := make([]ExistingSubnet, 0, len(c.Existing.Subnets))
	for _, e := range c.Existing.Subnets {
		out = append(out, ExistingSubnet{ID: e.ID, AZ: e.AZ, Prefix: e.CIDR, Public: e.Public, MapPublicIPOnLaunch: e.MapPublicIPOnLaunch})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Pinned returns the pinned subnet prefixes by subnet key ("private-us-east-1a").
func (c Config) Pinned() map[string]netip.Prefix {
	out := map[string]netip.Prefix{}
	for name, t := range c.Tiers {
		for az, p := range t.CIDRs {
			out[name+"-"+az] = p
		}
	}
	return out
}

var (
	vpcIDPattern    = regexp.MustCompile(`^vpc-[0-9a-f]{8,17}$`)
	igwIDPattern    = regexp.MustCompile(`^igw-[0-9a-f]{8,17}$`)
	subnetIDPattern = regexp.MustCompile(`^subnet-[0-9a-f]{8,17}$`)
)

func (c Config) validateExisting(key, region string, p *problems.List) {
	e := c.Existing
	if e == nil {
		for name, t := range c.Tiers {
			if len(t.CIDRs) > 0 {
				p.Add(key+".tiers."+name+".cidrs", "pinned subnet ranges are for adopted VPCs (network.existing); a VPC this program creates lays out its own")
			}
		}
		return
	}
	k := key + ".existing"
	if !vpcIDPattern.MatchString(e.VpcID) {
		p.Add(k+".vpcId", "%q is not a VPC ID like vpc-0a1b2c3d4e5f60718", e.VpcID)
	}
	if e.InternetGatewayID != "" && !igwIDPattern.MatchString(e.InternetGatewayID) {
		p.Add(k+".internetGatewayId", "%q is not an internet gateway ID like igw-0a1b2c3d4e5f60718", e.InternetGatewayID)
	}
	if len(c.Endpoints) > 0 && !e.EnableDNSHostnames {
		p.Add(k+".enableDnsHostnames", "interface endpoints need DNS hostnames for their private DNS names; set true (an in-place update of the adopted VPC) or drop the endpoints")
	}
	anyPublic := false
	seenID := map[string]bool{}
	for i, s := range e.Subnets {
		sk := fmt.Sprintf("%s.subnets[%d]", k, i)
		if !subnetIDPattern.MatchString(s.ID) {
			p.Add(sk+".id", "%q is not a subnet ID like subnet-0a1b2c3d4e5f60718", s.ID)
		}
		if seenID[s.ID] {
			p.Add(sk+".id", "%s is listed twice", s.ID)
		}
		seenID[s.ID] = true
		if !s.CIDR.IsValid() {
			p.Add(sk+".cidr", "required; the subnet's current range")
		} else if c.CIDR.IsValid() && (!c.CIDR.Contains(s.CIDR.Addr()) || s.CIDR.Bits() < c.CIDR.Bits()) {
			p.Add(sk+".cidr", "%s is not inside the VPC block %s", s.CIDR, c.CIDR)
		}
		if m := azName.FindStringSubmatch(s.AZ); m == nil {
			p.Add(sk+".az", "%q is not an availability zone name like us-east-1a", s.AZ)
		} else if region != "" && m[1] != region {
			p.Add(sk+".az", "%q is not in aws:region %s", s.AZ, region)
		}
		for j, o := range e.Subnets[:i] {
			if s.CIDR.IsValid() && o.CIDR.IsValid() && s.CIDR.Overlaps(o.CIDR) {
				p.Add(sk+".cidr", "%s overlaps subnets[%d] %s; copy the ranges from describe-subnets", s.CIDR, j, o.CIDR)
			}
		}
		anyPublic = anyPublic || s.Public
	}
	if anyPublic && e.InternetGatewayID == "" {
		p.Add(k+".internetGatewayId", "required: public subnets route to an internet gateway, and a VPC holds only one; import it")
	}
}

// TierConfig sizes one tier.
type TierConfig struct {
	// PrefixLength is each subnet's prefix length, e.g. 20 for /20.
	PrefixLength int `json:"prefixLength"`
	// CIDRs pins a zone's subnet to a prefix (adopted VPCs only): written by the
	// adopt-config generator so a subnet's range never moves once deployed.
	CIDRs map[string]netip.Prefix `json:"cidrs,omitempty"`
}

// ExistingConfig points the stack at a VPC that already exists (adopt mode).
type ExistingConfig struct {
	// VpcID is the VPC to import, e.g. vpc-0a1b2c3d4e5f60718.
	VpcID string `json:"vpcId"`
	// InternetGatewayID is its attached internet gateway, imported too (required
	// when any existing subnet is public: a VPC has at most one).
	InternetGatewayID string `json:"internetGatewayId,omitempty"`
	// EnableDNSHostnames is the VPC's setting; import it as found, then turn it on
	// (an in-place update) before adding interface endpoints.
	EnableDNSHostnames bool `json:"enableDnsHostnames"`
	// ManageDefaultSecurityGroup empties the default group; leave it off until
	// nothing uses the default group any more.
	ManageDefaultSecurityGroup bool `json:"manageDefaultSecurityGroup,omitempty"`
	// Subnets are the VPC's current subnets: imported and never renumbered.
	Subnets []ExistingSubnetConfig `json:"subnets"`
}

// ExistingSubnetConfig is one subnet of an adopted VPC, as it is today.
type ExistingSubnetConfig struct {
	ID                  string       `json:"id"`
	CIDR                netip.Prefix `json:"cidr"`
	AZ                  string       `json:"az"`
	Public              bool         `json:"public"`
	MapPublicIPOnLaunch bool         `json:"mapPublicIpOnLaunch"`
}

// FlowLogsConfig configures VPC flow logs.
type FlowLogsConfig struct {
	// Enabled defaults to true; turning flow logs off must be said explicitly.
	Enabled *bool `json:"enabled,omitempty"`
	// RetentionDays is the log group retention; one of CloudWatch's accepted values.
	RetentionDays int `json:"retentionDays,omitempty"`
}

// On reports whether flow logs are enabled (the default).
func (f FlowLogsConfig) On() bool { return f.Enabled == nil || *f.Enabled }

// DefaultFlowLogRetentionDays keeps a year of flow logs unless the stack says otherwise.
const DefaultFlowLogRetentionDays = 365

// Retention returns the configured retention or the default.
func (f FlowLogsConfig) Retention() int {
	if f.RetentionDays == 0 {
		return DefaultFlowLogRetentionDays
	}
	return f.RetentionDays
}

// RetentionDays lists the values CloudWatch Logs accepts for a log group's retention.
var RetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// ValidRetention reports whether CloudWatch accepts n days.
func ValidRetention(n int) bool {
	for _, v := range RetentionDays {
		if v == n {
			return true
		}
	}
	return false
}

// MinAZs and MaxAZs bound the number of zones.
const (
	MinAZs = 2
	MaxAZs = 6
)

// Decode reads the raw config object strictly into a Config.
func Decode(key string, raw any, p *problems.List) Config {
	var c Config
	decode.Into(key, raw, &c, p)
	return c
}

var azName = regexp.MustCompile(`^([a-z]{2}(-gov)?-[a-z]+-\d)([a-h])$`)

// zoneID matches an availability zone ID: the region's prefix and the zone's
// number, e.g. use1-az1. Local and Wavelength zones (use1-bos1-az1) are opt-in
// zones the platform does not use.
var zoneID = regexp.MustCompile(`^([a-z]+[0-9]+)-az([0-9]{1,2})$`)

// IsZoneID reports whether a configured zone is written as a zone ID
// (use1-az1), the same physical zone in every account, rather than a name
// (us-east-1a), which every account maps to a physical zone of its own.
func IsZoneID(s string) bool { return zoneID.MatchString(s) }

// Validate checks the network config on its own, recording every problem
// under key (normally "platform:network"). region is aws:region, or "" if unknown.
func (c Config) Validate(key, region string, protect bool, p *problems.List) {
	if !c.CIDR.IsValid() {
		p.Add(key+".cidr", "required; set the VPC block, e.g. 10.0.0.0/16")
	} else {
		switch {
		case !c.CIDR.Addr().Is4():
			p.Add(key+".cidr", "%q is not an IPv4 block; the VPC needs an IPv4 block such as 10.0.0.0/16", c.CIDR)
		case c.CIDR != c.CIDR.Masked():
			p.Add(key+".cidr", "%q has host bits set; did you mean %s?", c.CIDR, c.CIDR.Masked())
		case c.CIDR.Bits() < MinVPCBits || c.CIDR.Bits() > MaxVPCBits:
			p.Add(key+".cidr", "%q: a VPC block must be between /%d and /%d", c.CIDR, MinVPCBits, MaxVPCBits)
		case !IsPrivateRange(c.CIDR):
			p.Add(key+".cidr", "%q is not in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10); use RFC 1918 space", c.CIDR)
		}
	}

	for i, o := range c.OtherNetworks {
		k := fmt.Sprintf("%s.otherNetworks[%d]", key, i)
		if !o.IsValid() {
			p.Add(k, "empty; write the block of a network the VPC must not overlap, such as 10.1.0.0/16, or remove the entry")
			continue
		}
		if !o.Addr().Is4() {
			p.Add(k, "%s is not an IPv4 block; the VPC's block is IPv4, so list the IPv4 blocks of the networks it must not overlap", o)
			continue
		}
		if o != o.Masked() {
			p.Add(k, "%q has host bits set; did you mean %s?", o, o.Masked())
			continue
		}
		if c.CIDR.IsValid() && c.CIDR.Overlaps(o) {
			p.Add(k, "%s overlaps the VPC block %s; pick a VPC block outside every network it must reach", o, c.CIDR)
		}
	}

	switch {
	case c.AZCount != 0 && len(c.AvailabilityZones) != 0:
		p.Add(key+".azCount", "set either azCount or availabilityZones, not both")
	case len(c.AvailabilityZones) != 0:
		if n := len(c.AvailabilityZones); n < MinAZs || n > MaxAZs {
			p.Add(key+".availabilityZones", "%d zones listed; list between %d and %d", n, MinAZs, MaxAZs)
		}
		seen := map[string]bool{}
		slots := map[int]string{}
		for i, az := range c.AvailabilityZones {
			k := fmt.Sprintf("%s.availabilityZones[%d]", key, i)
			if id := zoneID.FindStringSubmatch(az); id != nil {
				// Resolved to this account's zone name at preview, from
				// getAvailabilityZones; the name then picks the address slot.
				if want := awsenv.ZoneIDPrefix(region); want != "" && id[1] != want {
					p.Add(k, "%q is a zone ID of another region (%s); the zone IDs of aws:region %s look like %s-az1", az, id[1], region, want)
				}
				if seen[az] {
					p.Add(k, "%q is listed twice", az)
				}
				seen[az] = true
				continue
			}
			m := azName.FindStringSubmatch(az)
			if m == nil {
				p.Add(k, "%q is neither an availability zone name like us-east-1a nor a zone ID like use1-az1", az)
				continue
			}
			if region != "" && m[1] != region {
				p.Add(k, "%q is not in aws:region %s", az, region)
			}
			if seen[az] {
				p.Add(k, "%q is listed twice", az)
			}
			seen[az] = true
			slot, _ := ZoneSlot(az)
			if other, ok := slots[slot]; ok && other != az {
				p.Add(k, "%q and %q end in the same letter", other, az)
			}
			slots[slot] = az
		}
	case c.AZCount == 0:
		p.Add(key+".azCount", "required; set how many availability zones to use (%d-%d), or list them in availabilityZones", MinAZs, MaxAZs)
	case c.AZCount < MinAZs || c.AZCount > MaxAZs:
		p.Add(key+".azCount", "%d is out of range; use %d to %d zones", c.AZCount, MinAZs, MaxAZs)
	}

	if len(c.Tiers) == 0 {
		p.Add(key+".tiers", "required; size at least the private tier, e.g. tiers: {public: {prefixLength: 24}, private: {prefixLength: 20}, isolated: {prefixLength: 24}}")
	}
	for _, name := range sortedTierNames(c.Tiers) {
		k := key + ".tiers." + name
		tier, err := ParseTier(name)
		if err != nil {
			p.Add(k, "unknown tier; use public, private or isolated")
			continue
		}
		bits := c.Tiers[name].PrefixLength
		switch {
		case bits <= 0:
			p.Add(k+".prefixLength", "must be a positive prefix length such as 24, got %d", bits)
		case bits > MaxSubnetBits:
			p.Add(k+".prefixLength", "/%d is smaller than AWS allows; use /%d or larger (a smaller number)", bits, MaxSubnetBits)
		case c.Existing == nil && c.CIDR.IsValid() && c.CIDR.Addr().Is4() && c.CIDR.Bits() >= MinVPCBits && c.CIDR.Bits() <= MaxVPCBits && bits < MaxTierBits(c.CIDR, tier):
			block, _ := TierBlock(c.CIDR, tier)
			if most := MaxTierBits(c.CIDR, tier); most > MaxSubnetBits {
				// Not even AWS's smallest subnet fits: a longer prefix is no fix.
				share, _ := tier.share()
				p.Add(k+".prefixLength", "/%d subnets do not fit: the %s tier owns %s in %s, too small for %d zones of even /%d, the smallest subnet AWS allows; use a VPC block of /%d or larger (a smaller number)",
					bits, tier, block, c.CIDR, SlotsPerTier, MaxSubnetBits, max(bits-share-slotBits, MinVPCBits))
				break
			}
			p.Add(k+".prefixLength", "/%d subnets do not fit: the %s tier owns %s in %s, room for %d zones of /%d or smaller; use a longer prefix or a larger VPC block",
				bits, tier, block, c.CIDR, SlotsPerTier, MaxTierBits(c.CIDR, tier))
		}
	}
	if len(c.Tiers) > 0 {
		if _, ok := c.Tiers["private"]; !ok {
			p.Add(key+".tiers.private", "required; compute runs in the private tier")
		}
	}

	switch c.NAT {
	case "":
		p.Add(key+".nat", "required; use none, single or perAz")
	case NATSingle, NATPerAZ:
		if _, ok := c.Tiers["public"]; !ok && len(c.Tiers) > 0 && !c.HasExistingPublic() {
			p.Add(key+".nat", "nat %s needs a public tier to hold the NAT gateways; add tiers.public or use nat: none", c.NAT)
		}
		if protect && c.NAT == NATSingle {
			p.Add(key+".nat", "a protected (production) stack needs perAz: with one NAT gateway, losing its zone cuts every zone's egress; use perAz")
		}
	}

	seen := map[string]int{}
	for i, e := range c.Endpoints {
		k := fmt.Sprintf("%s.endpoints[%d]", key, i)
		if _, ok := InterfaceServices[e]; !ok {
			msg := fmt.Sprintf("%q is not a supported interface endpoint", e)
			if e == "s3" || e == "dynamodb" {
				msg = fmt.Sprintf("%q is always created as a free gateway endpoint; remove it from this list", e)
			} else if best := decode.Closest(e, interfaceServiceNames()); best != "" {
				msg += fmt.Sprintf("; did you mean %q?", best)
			} else {
				msg += "; supported: " + strings.Join(interfaceServiceNames(), ", ")
			}
			p.Add(k, "%s", msg)
			continue
		}
		if j, dup := seen[e]; dup {
			p.Add(k, "%q is already listed at endpoints[%d]", e, j)
		}
		seen[e] = i
	}

	c.validateExisting(key, region, p)

	if r := c.FlowLogs.RetentionDays; r != 0 && !ValidRetention(r) {
		p.Add(key+".flowLogs.retentionDays", "%d is not a retention CloudWatch accepts; use one of %s", r, joinInts(RetentionDays))
	}
}

// HasExistingPublic reports whether an adopted VPC has a public subnet, which
// can hold the NAT gateways and the load balancer until a public tier exists.
func (c Config) HasExistingPublic() bool {
	if c.Existing == nil {
		return false
	}
	for _, s := range c.Existing.Subnets {
		if s.Public {
			return true
		}
	}
	return false
}

// InterfaceServices lists the interface endpoint services the program knows,
// with what each is for (shown in the docs and the plan).
var InterfaceServices = map[string]string{
	"ssm":                  "Session Manager and Parameter Store",
	"ssmmessages":          "Session Manager session channels, ECS Exec",
	"ec2messages":          "SSM agent commands",
	"logs":                 "CloudWatch Logs (awslogs, session logs)",
	"monitoring":           "CloudWatch metrics",
	"ecr.api":              "ECR registry API",
	"ecr.dkr":              "ECR image pulls",
	"secretsmanager":       "Secrets Manager",
	"kms":                  "KMS",
	"sts":                  "STS (IAM roles for tasks, IRSA-style web identity)",
	"sqs":                  "SQS",
	"sns":                  "SNS",
	"events":               "EventBridge",
	"lambda":               "Lambda invoke",
	"ecs":                  "ECS control plane",
	"ecs-agent":            "ECS agent (EC2 launch type)",
	"ecs-telemetry":        "ECS telemetry (EC2 launch type)",
	"elasticloadbalancing": "ELB API",
	"autoscaling":          "Auto Scaling API",
	"ec2":                  "EC2 API",
	"rds":                  "RDS API",
	"elasticache":          "ElastiCache API",
	"execute-api":          "API Gateway private APIs",
	"states":               "Step Functions",
	"xray":                 "X-Ray",
	"kinesis-streams":      "Kinesis Data Streams",
	"batch":                "AWS Batch API",
}

// GatewayServices are always created; they are free and carry S3/DynamoDB traffic off the NAT.
var GatewayServices = []string{"dynamodb", "s3"}

func interfaceServiceNames() []string {
	out := make([]string, 0, len(InterfaceServices))
	for k := range InterfaceServices {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TierSpecs turns the configured tiers into planner specs.
func (c Config) TierSpecs() []TierSpec {
	var out []TierSpec
	for _, t := range Tiers {
		if tc, ok := c.Tiers[t.String()]; ok {
			out = append(out, TierSpec{Tier: t, Bits: tc.PrefixLength})
		}
	}
	return out
}

// HasTier reports whether the tier is configured.
func (c Config) HasTier(t Tier) bool {
	_, ok := c.Tiers[t.String()]
	return ok
}

func sortedTierNames(m map[string]TierConfig) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("100.64.0.0/10"),
}

// IsPrivateRange reports whether p lies in RFC 1918 space or RFC 6598's
// shared address space (100.64.0.0/10): ranges no one routes on the internet.
func IsPrivateRange(p netip.Prefix) bool {
	for _, r := range privateRanges {
		if r.Bits() <= p.Bits() && r.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}
