package audit

import (
	"slices"
	"strings"
)

// OwnerKind is the kind of service that created a network interface.
// describe-network-interfaces has no "owner" field, so the kind is inferred
// from InterfaceType, Description, RequesterId and tags (see ownerRules).
type OwnerKind string

const (
	OwnerELB         OwnerKind = "elb"
	OwnerNAT         OwnerKind = "nat"
	OwnerEC2         OwnerKind = "ec2"
	OwnerECS         OwnerKind = "ecs"
	OwnerBatch       OwnerKind = "batch"
	OwnerLambda      OwnerKind = "lambda"
	OwnerRDS         OwnerKind = "rds"
	OwnerElastiCache OwnerKind = "elasticache"
	OwnerVPCEndpoint OwnerKind = "vpc-endpoint"
	OwnerClientVPN   OwnerKind = "client-vpn"
	OwnerOther       OwnerKind = "other"
)

// ownerKindOrder is the order kinds are listed in: entry points first, then
// compute, then data stores, then plumbing, so a reader scans a subnet the
// way traffic flows through it.
var ownerKindOrder = []OwnerKind{
	OwnerELB, OwnerNAT,
	OwnerEC2, OwnerECS, OwnerBatch, OwnerLambda,
	OwnerRDS, OwnerElastiCache,
	OwnerVPCEndpoint, OwnerClientVPN, OwnerOther,
}

var ownerLabels = map[OwnerKind]string{
	OwnerELB:         "ELB",
	OwnerNAT:         "NAT gateway",
	OwnerEC2:         "EC2",
	OwnerECS:         "ECS",
	OwnerBatch:       "Batch",
	OwnerLambda:      "Lambda",
	OwnerRDS:         "RDS",
	OwnerElastiCache: "ElastiCache",
	OwnerVPCEndpoint: "VPC endpoint",
	OwnerClientVPN:   "Client VPN",
	OwnerOther:       "other",
}

// Label is the name used for the kind in human-readable output.
func (k OwnerKind) Label() string {
	if l, ok := ownerLabels[k]; ok {
		return l
	}
	return string(k)
}

// IsWorkload reports whether interfaces of this kind run the application or
// hold its data, and so have no business in a public subnet. Load balancers
// and NAT gateways are the reason public subnets exist; endpoints and VPN
// attachments are plumbing whose placement is a design choice, not a leak.
func (k OwnerKind) IsWorkload() bool {
	switch k {
	case OwnerEC2, OwnerECS, OwnerBatch, OwnerLambda, OwnerRDS, OwnerElastiCache:
		return true
	}
	return false
}

// IsDataStore reports whether the kind holds data; those belong in isolated
// subnets and must never share rules with compute.
func (k OwnerKind) IsDataStore() bool {
	return k == OwnerRDS || k == OwnerElastiCache
}

func sortKinds(kinds []OwnerKind) {
	slices.SortFunc(kinds, func(a, b OwnerKind) int {
		ra, rb := slices.Index(ownerKindOrder, a), slices.Index(ownerKindOrder, b)
		if ra < 0 {
			ra = len(ownerKindOrder)
		}
		if rb < 0 {
			rb = len(ownerKindOrder)
		}
		if ra != rb {
			return ra - rb
		}
		return strings.Compare(string(a), string(b))
	})
}

// ownerRule is one line of the classification table: the first rule whose
// test matches decides the kind.
type ownerRule struct {
	kind OwnerKind
	test func(Interface) bool
}

// ownerRules is the whole heuristic in one place. Order matters: the
// strongest, AWS-assigned signals come first, and rules that match loosely
// (Batch, EC2) come after every rule they could shadow.
var ownerRules = []ownerRule{
	// InterfaceType is set by AWS for the interfaces it creates itself and
	// cannot be edited, so it beats anything a person can type into a
	// description. The API documents camelCase values (natGateway) while the
	// CLI prints snake_case (nat_gateway); typeIs accepts both.
	{OwnerNAT, typeIs("nat_gateway")},
	{OwnerVPCEndpoint, typeIs("vpc_endpoint", "gateway_load_balancer_endpoint")},
	{OwnerELB, typeIs("load_balancer", "network_load_balancer", "gateway_load_balancer")},
	{OwnerLambda, typeIs("lambda")},

	// Application and classic load balancers still use InterfaceType
	// "interface"; their description is "ELB app/<name>/<id>" (ALB),
	// "ELB net/..." (NLB), "ELB gwy/..." (GWLB) or "ELB <name>" (classic),
	// and the requester is the ELB service.
	{OwnerELB, anyOf(descPrefix("ELB "), requesterIs("amazon-elb"))},
	// Every RDS and Aurora instance interface carries this fixed description.
	{OwnerRDS, anyOf(descIs("RDSNetworkInterface"), requesterIs("amazon-rds"))},
	// ElastiCache names the node: "ElastiCache <cluster>-<shard>-<node>".
	{OwnerElastiCache, anyOf(descPrefix("ElastiCache "), requesterIs("amazon-elasticache"))},
	// Interfaces created before Lambda got its own InterfaceType (and some
	// still today) are recognisable only by "AWS Lambda VPC ENI-<function>".
	{OwnerLambda, descPrefix("AWS Lambda VPC ENI")},
	// Older outputs print NAT gateway and endpoint interfaces with type
	// "interface"; their descriptions are fixed by AWS.
	{OwnerNAT, descPrefix("Interface for NAT Gateway ")},
	{OwnerVPCEndpoint, descPrefix("VPC Endpoint Interface ")},
	// Client VPN associations: "ClientVPNEndpoint-cvpn-endpoint-<id>-...".
	{OwnerClientVPN, anyOf(descPrefix("ClientVPNEndpoint"), requesterIs("amazon-client-vpn"))},

	// Batch runs its jobs as ECS tasks (Fargate) or on ECS container
	// instances (EC2), so a Batch interface looks exactly like an ECS one.
	// What gives it away is the cluster Batch creates for each compute
	// environment, named "<compute-environment>_Batch_<uuid>", which ECS
	// copies into the aws:ecs:clusterName tag of task interfaces; failing
	// that, any aws:batch:* tag or a requester or description that says
	// "batch". This is best effort: an EC2-backed Batch instance whose
	// interface carries none of these is reported as EC2, and an ECS service
	// whose cluster is named "..._Batch_..." is reported as Batch.
	{OwnerBatch, looksLikeBatch},
	// awsvpc-mode ECS tasks (Fargate or EC2) get an interface described with
	// the task's attachment ARN: "arn:aws:ecs:<region>:<account>:attachment/<uuid>".
	// Some tools that rebuild describe output only keep a requester id that
	// names ECS, so that is accepted too.
	{OwnerECS, anyOf(isECSAttachment, requesterContains("ecs"))},

	// Last resort: attached to an instance and nothing above claimed it.
	// Checked late because awsvpc tasks on EC2 and Batch instances are
	// attached to instances too.
	{OwnerEC2, func(i Interface) bool { return i.InstanceID != "" }},
}

// ClassifyInterface returns the kind of service that owns the interface,
// OwnerOther when no rule of the table matches (EFS mount targets, transit
// gateway attachments, API Gateway or QuickSight managed interfaces...).
func ClassifyInterface(i Interface) OwnerKind {
	for _, r := range ownerRules {
		if r.test(i) {
			return r.kind
		}
	}
	return OwnerOther
}

func normalizeType(t string) string {
	t = strings.ToLower(t)
	t = strings.ReplaceAll(t, "_", "")
	return strings.ReplaceAll(t, "-", "")
}

func typeIs(types ...string) func(Interface) bool {
	return func(i Interface) bool {
		got := normalizeType(i.Type)
		for _, t := range types {
			if got == normalizeType(t) {
				return true
			}
		}
		return false
	}
}

func descPrefix(p string) func(Interface) bool {
	return func(i Interface) bool { return strings.HasPrefix(i.Description, p) }
}

func descIs(d string) func(Interface) bool {
	return func(i Interface) bool { return i.Description == d }
}

func requesterIs(r string) func(Interface) bool {
	return func(i Interface) bool { return strings.EqualFold(i.RequesterID, r) }
}

func requesterContains(s string) func(Interface) bool {
	return func(i Interface) bool {
		return strings.Contains(strings.ToLower(i.RequesterID), s)
	}
}

func anyOf(tests ...func(Interface) bool) func(Interface) bool {
	return func(i Interface) bool {
		for _, t := range tests {
			if t(i) {
				return true
			}
		}
		return false
	}
}

func isECSAttachment(i Interface) bool {
	d := i.Description
	return strings.HasPrefix(d, "arn:aws") && strings.Contains(d, ":ecs:") && strings.Contains(d, ":attachment/")
}

func looksLikeBatch(i Interface) bool {
	if strings.Contains(i.Tags["aws:ecs:clusterName"], "_Batch_") {
		return true
	}
	for k := range i.Tags {
		if strings.HasPrefix(k, "aws:batch:") {
			return true
		}
	}
	return strings.Contains(strings.ToLower(i.RequesterID), "batch") ||
		strings.Contains(strings.ToLower(i.Description), "batch")
}
