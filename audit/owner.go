package audit

import (
	"cmp"
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

// OwnerSource says how an interface's owner was found, from the strongest
// evidence to the weakest.
type OwnerSource string

const (
	// SourceListed: the owning object lists the interface's id (an EC2
	// instance, a NAT gateway, a VPC endpoint, an ECS task).
	SourceListed OwnerSource = "listed"
	// SourceMatched: the object does not list its interfaces, but the
	// interface names it (a load balancer's ARN, a cache cluster's id) or
	// sits in one of its subnets with exactly its groups (an RDS instance,
	// a Lambda function, an ECS service without task data).
	SourceMatched OwnerSource = "matched"
	// SourceDescription: no object read claims the interface; its kind is
	// guessed from its type, description and requester (ownerRules).
	SourceDescription OwnerSource = "description"
	// SourceNone: nothing claims the interface and nothing in it says
	// what it is.
	SourceNone OwnerSource = "none"
)

// Owner is a workload, load balancer, data store or piece of plumbing that
// uses the network, as read from its own API rather than inferred from an
// interface. Classify derives the owners from the inventory's objects.
type Owner struct {
	Kind OwnerKind `json:"kind"`
	// Type names the object: "EC2 instance", "DB instance", ...
	Type string `json:"type"`
	// ID is the identifier the object's API uses: instance id, load
	// balancer name, DB identifier, function name, cluster/service...
	ID   string `json:"id"`
	ARN  string `json:"arn,omitempty"`
	Name string `json:"name,omitempty"`
	VPC  string `json:"vpc,omitempty"`
	// Subnets are where the object runs or may be placed: an instance's
	// subnet, a DB instance's subnet group subnets in its zone, every
	// subnet a function, service or group may launch into.
	Subnets    []string `json:"subnets"`
	Groups     []string `json:"securityGroups"`
	Interfaces []string `json:"interfaces"`
	PublicIPs  []string `json:"publicIps,omitempty"`
	// LaunchedBy names the Auto Scaling group that launched an instance;
	// Members lists an Auto Scaling group's running instances.
	LaunchedBy string   `json:"launchedBy,omitempty"`
	Members    []string `json:"members,omitempty"`
}

// Label names the owner in messages: "EC2 instance i-0abc (web)".
func (o Owner) Label() string {
	s := o.Type + " " + o.ID
	if o.Name != "" && o.Name != o.ID {
		s += " (" + o.Name + ")"
	}
	return s
}

// Owner returns the owner of the given kind and id.
func (inv *Inventory) Owner(kind OwnerKind, id string) (*Owner, bool) {
	for i := range inv.Owners {
		if inv.Owners[i].Kind == kind && inv.Owners[i].ID == id {
			return &inv.Owners[i], true
		}
	}
	return nil, false
}

// classifyOwners builds Owners from the objects read and attributes the
// interfaces to them: first the ones an object lists, then the ones that
// name or match an object; the rest keep the kind their description gave.
func (inv *Inventory) classifyOwners() {
	inv.Owners = nil
	subnetVPC := map[string]string{}
	subnetAZ := map[string]string{}
	for _, s := range inv.Subnets {
		subnetVPC[s.ID], subnetAZ[s.ID] = s.VPCID, s.AZ
	}
	vpcOf := func(given string, subnets []string) string {
		for _, s := range subnets {
			if v := subnetVPC[s]; v != "" {
				return v
			}
		}
		return given
	}
	// inZone keeps the subnets in the zone, or all of them when none is
	// (or the zone is not known).
	inZone := func(subnets []string, az string, azOf func(string) string) []string {
		var out []string
		for _, s := range subnets {
			if az != "" && azOf(s) == az {
				out = append(out, s)
			}
		}
		if len(out) == 0 {
			return subnets
		}
		return out
	}
	add := func(o Owner) {
		o.VPC = vpcOf(o.VPC, o.Subnets)
		o.Subnets, o.Groups = sortedSet(o.Subnets), sortedSet(o.Groups)
		inv.Owners = append(inv.Owners, o)
	}

	// Instances an Auto Scaling group launched, by its instance list or
	// the tag it puts on them.
	launchedBy := map[string]string{}
	for _, g := range inv.AutoScalingGroups {
		for _, m := range g.Instances {
			launchedBy[m.InstanceId] = g.AutoScalingGroupName
		}
	}
	for _, i := range inv.Instances {
		if !i.Running() {
			continue
		}
		o := Owner{Kind: OwnerEC2, Type: "EC2 instance", ID: i.InstanceId, Name: TagValue(i.Tags, "Name"), VPC: i.VpcId, PublicIPs: i.PublicIPs(),
			LaunchedBy: cmp.Or(launchedBy[i.InstanceId], TagValue(i.Tags, "aws:autoscaling:groupName"))}
		if i.SubnetId != "" {
			o.Subnets = append(o.Subnets, i.SubnetId)
		}
		for _, g := range i.SecurityGroups {
			o.Groups = append(o.Groups, g.GroupId)
		}
		for _, n := range i.NetworkInterfaces {
			o.Interfaces = append(o.Interfaces, n.NetworkInterfaceId)
			if n.SubnetId != "" {
				o.Subnets = append(o.Subnets, n.SubnetId)
			}
			for _, g := range n.Groups {
				o.Groups = append(o.Groups, g.GroupId)
			}
		}
		add(o)
	}
	for _, g := range inv.AutoScalingGroups {
		o := Owner{Kind: OwnerEC2, Type: "Auto Scaling group", ID: g.AutoScalingGroupName, ARN: g.AutoScalingGroupARN, Subnets: g.SubnetIDs()}
		o.VPC = vpcOf("", o.Subnets)
		o.Groups = inv.launchGroups(g, o.VPC)
		for _, i := range inv.Instances {
			if i.Running() && cmp.Or(launchedBy[i.InstanceId], TagValue(i.Tags, "aws:autoscaling:groupName")) == g.AutoScalingGroupName {
				o.Members = append(o.Members, i.InstanceId)
			}
		}
		slices.Sort(o.Members)
		add(o)
	}
	for _, lb := range inv.LoadBalancers {
		add(Owner{Kind: OwnerELB, Type: lbType(lb), ID: lb.LoadBalancerName, ARN: lb.LoadBalancerArn, VPC: lb.VpcId,
			Subnets: lb.SubnetIDs(), Groups: slices.Clone(lb.SecurityGroups)})
	}
	for _, n := range inv.NATGateways {
		if n.State == "deleted" || n.State == "failed" {
			continue
		}
		o := Owner{Kind: OwnerNAT, Type: "NAT gateway", ID: n.NatGatewayId, Name: TagValue(n.Tags, "Name"), VPC: n.VpcId, Subnets: []string{n.SubnetId}}
		for _, a := range n.NatGatewayAddresses {
			if a.NetworkInterfaceId != "" {
				o.Interfaces = append(o.Interfaces, a.NetworkInterfaceId)
			}
			if a.PublicIp != "" {
				o.PublicIPs = append(o.PublicIPs, a.PublicIp)
			}
		}
		add(o)
	}
	for _, e := range inv.VPCEndpoints {
		if e.State == "deleted" || e.State == "failed" || e.State == "rejected" {
			continue
		}
		o := Owner{Kind: OwnerVPCEndpoint, Type: "VPC endpoint", ID: e.VpcEndpointId, Name: e.ServiceName, VPC: e.VpcId,
			Subnets: slices.Clone(e.SubnetIds), Interfaces: slices.Clone(e.NetworkInterfaceIds)}
		for _, g := range e.Groups {
			o.Groups = append(o.Groups, g.GroupId)
		}
		add(o)
	}

	dbSubnets := map[string][]string{}
	for _, g := range inv.DBSubnetGroups {
		for _, s := range g.Subnets {
			dbSubnets[g.DBSubnetGroupName] = append(dbSubnets[g.DBSubnetGroupName], s.SubnetIdentifier)
		}
	}
	for _, i := range inv.DBInstances {
		if i.DBSubnetGroup != nil && dbSubnets[i.DBSubnetGroup.DBSubnetGroupName] == nil {
			for _, s := range i.DBSubnetGroup.Subnets {
				dbSubnets[i.DBSubnetGroup.DBSubnetGroupName] = append(dbSubnets[i.DBSubnetGroup.DBSubnetGroupName], s.SubnetIdentifier)
			}
		}
	}
	for _, c := range inv.DBClusters {
		typ := "DB cluster"
		if strings.HasPrefix(c.Engine, "aurora") {
			typ = "Aurora cluster"
		}
		add(Owner{Kind: OwnerRDS, Type: typ, ID: c.DBClusterIdentifier, ARN: c.DBClusterArn, Subnets: slices.Clone(dbSubnets[c.DBSubnetGroup]), Groups: c.GroupIDs()})
	}
	for _, i := range inv.DBInstances {
		o := Owner{Kind: OwnerRDS, Type: "DB instance", ID: i.DBInstanceIdentifier, ARN: i.DBInstanceArn, Groups: i.GroupIDs()}
		if i.DBSubnetGroup != nil {
			o.VPC = i.DBSubnetGroup.VpcId
			azOf := func(id string) string {
				for _, s := range i.DBSubnetGroup.Subnets {
					if s.SubnetIdentifier == id && s.SubnetAvailabilityZone.Name != "" {
						return s.SubnetAvailabilityZone.Name
					}
				}
				return subnetAZ[id]
			}
			o.Subnets = slices.Clone(inZone(dbSubnets[i.DBSubnetGroup.DBSubnetGroupName], i.AvailabilityZone, azOf))
		}
		add(o)
	}

	cacheSubnets := map[string][]string{}
	for _, g := range inv.CacheSubnetGroups {
		for _, s := range g.Subnets {
			cacheSubnets[g.CacheSubnetGroupName] = append(cacheSubnets[g.CacheSubnetGroupName], s.SubnetIdentifier)
		}
	}
	rgSubnets, rgGroups := map[string][]string{}, map[string][]string{}
	for _, c := range inv.CacheClusters {
		subnets := slices.Clone(inZone(cacheSubnets[c.CacheSubnetGroupName], c.PreferredAvailabilityZone, func(id string) string { return subnetAZ[id] }))
		add(Owner{Kind: OwnerElastiCache, Type: "cache cluster", ID: c.CacheClusterId, ARN: c.ARN, Subnets: subnets, Groups: c.GroupIDs()})
		if c.ReplicationGroupId != "" {
			rgSubnets[c.ReplicationGroupId] = append(rgSubnets[c.ReplicationGroupId], cacheSubnets[c.CacheSubnetGroupName]...)
			rgGroups[c.ReplicationGroupId] = append(rgGroups[c.ReplicationGroupId], c.GroupIDs()...)
		}
	}
	for _, g := range inv.ReplicationGroups {
		add(Owner{Kind: OwnerElastiCache, Type: "replication group", ID: g.ReplicationGroupId, ARN: g.ARN,
			Subnets: rgSubnets[g.ReplicationGroupId], Groups: rgGroups[g.ReplicationGroupId]})
	}
	for _, f := range inv.LambdaFunctions {
		if f.VpcConfig == nil || len(f.VpcConfig.SubnetIds) == 0 {
			continue // not in a VPC: no interface, no group
		}
		add(Owner{Kind: OwnerLambda, Type: "Lambda function", ID: f.FunctionName, ARN: f.FunctionArn, VPC: f.VpcConfig.VpcId,
			Subnets: slices.Clone(f.VpcConfig.SubnetIds), Groups: slices.Clone(f.VpcConfig.SecurityGroupIds)})
	}
	batchCluster := map[string]string{} // ECS cluster ARN -> compute environment
	for _, ce := range inv.BatchComputeEnvironments {
		o := Owner{Kind: OwnerBatch, Type: "Batch compute environment", ID: ce.ComputeEnvironmentName, ARN: ce.ComputeEnvironmentArn}
		if ce.ComputeResources != nil {
			o.Subnets, o.Groups = slices.Clone(ce.ComputeResources.Subnets), slices.Clone(ce.ComputeResources.SecurityGroupIds)
		}
		if ce.EcsClusterArn != "" {
			batchCluster[ce.EcsClusterArn] = ce.ComputeEnvironmentName
		}
		add(o)
	}
	for _, s := range inv.ECSServices {
		o := Owner{Kind: OwnerECS, Type: "ECS service", ID: ecsServiceID(s.ClusterArn, s.ServiceName), ARN: s.ServiceArn}
		if s.NetworkConfiguration != nil && s.NetworkConfiguration.AwsvpcConfiguration != nil {
			c := s.NetworkConfiguration.AwsvpcConfiguration
			o.Subnets, o.Groups = slices.Clone(c.Subnets), slices.Clone(c.SecurityGroups)
		}
		add(o)
	}

	slices.SortStableFunc(inv.Owners, cmpOwners)

	// Interfaces an object lists.
	byID := map[string]int{}
	for i := range inv.Interfaces {
		byID[inv.Interfaces[i].ID] = i
	}
	claim := func(eni string, o *Owner, src OwnerSource) {
		i, ok := byID[eni]
		if !ok || inv.Interfaces[i].Owner != "" {
			return
		}
		ifc := &inv.Interfaces[i]
		ifc.Owner, ifc.OwnerSource, ifc.Kind = o.ID, src, o.Kind
	}
	for i := range inv.Owners {
		for _, eni := range slices.Clone(inv.Owners[i].Interfaces) {
			claim(eni, &inv.Owners[i], SourceListed)
		}
		inv.Owners[i].Interfaces = nil // rebuilt below from what was claimed
	}
	for _, t := range inv.ECSTasks {
		var o *Owner
		if ce, ok := batchCluster[t.ClusterArn]; ok {
			o, _ = inv.Owner(OwnerBatch, ce)
		} else if svc, ok := strings.CutPrefix(t.Group, "service:"); ok {
			o, _ = inv.Owner(OwnerECS, ecsServiceID(t.ClusterArn, svc))
		}
		if o != nil {
			for _, eni := range t.InterfaceIDs() {
				claim(eni, o, SourceListed)
			}
		}
	}

	// Interfaces that name or match an object.
	for i := range inv.Interfaces {
		ifc := &inv.Interfaces[i]
		if ifc.Owner != "" {
			continue
		}
		if o := inv.matchOwner(*ifc); o != nil {
			claim(ifc.ID, o, SourceMatched)
		}
	}

	for i := range inv.Interfaces {
		ifc := inv.Interfaces[i]
		if ifc.Owner == "" {
			continue
		}
		if o, ok := inv.Owner(ifc.Kind, ifc.Owner); ok {
			o.Interfaces = append(o.Interfaces, ifc.ID)
		}
	}
	for i := range inv.Owners {
		inv.Owners[i].Interfaces = sortedSet(inv.Owners[i].Interfaces)
	}
}

// launchGroups are the security groups an Auto Scaling group gives the
// instances it launches: those of every launch template version it uses
// (the template's groups and its network interfaces'), or of its launch
// configuration. Groups given by name (the default VPC allows it) are
// resolved to ids in the group's VPC.
func (inv *Inventory) launchGroups(g AutoScalingGroup, vpc string) []string {
	var names []string
	for _, spec := range g.Templates() {
		v, ok := inv.LaunchTemplateVersion(spec)
		if !ok {
			continue
		}
		d := v.LaunchTemplateData
		names = append(names, d.SecurityGroupIds...)
		names = append(names, d.SecurityGroups...)
		for _, n := range d.NetworkInterfaces {
			names = append(names, n.Groups...)
		}
	}
	if g.LaunchConfigurationName != "" {
		for _, lc := range inv.LaunchConfigurations {
			if lc.LaunchConfigurationName == g.LaunchConfigurationName {
				names = append(names, lc.SecurityGroups...)
			}
		}
	}
	var out []string
	for _, n := range names {
		if !strings.HasPrefix(n, "sg-") {
			for _, sg := range inv.SecurityGroups {
				if sg.Name == n && (vpc == "" || sg.VPCID == vpc) {
					n = sg.ID
					break
				}
			}
		}
		out = append(out, n)
	}
	return out
}

func cmpOwners(a, b Owner) int {
	ra, rb := slices.Index(ownerKindOrder, a.Kind), slices.Index(ownerKindOrder, b.Kind)
	if ra != rb {
		return ra - rb
	}
	if c := strings.Compare(a.Type, b.Type); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

func lbType(lb LoadBalancer) string {
	switch lb.Type {
	case "network":
		return "network load balancer"
	case "gateway":
		return "gateway load balancer"
	}
	return "application load balancer"
}

// ecsServiceID names a service by cluster and service name, since service
// names are unique only within a cluster.
func ecsServiceID(clusterArn, service string) string {
	cluster := clusterArn
	if i := strings.LastIndex(clusterArn, "/"); i >= 0 {
		cluster = clusterArn[i+1:]
	}
	return cluster + "/" + service
}

// matchOwner finds the object an unclaimed interface belongs to: the load
// balancer or cache cluster its description names, or the one object of
// its kind that may run in its subnet with exactly its groups (preferring
// the one its description names, since Lambda shares an interface between
// functions with the same subnet and groups).
func (inv *Inventory) matchOwner(ifc Interface) *Owner {
	if rest, ok := strings.CutPrefix(ifc.Description, "ELB "); ok {
		for i := range inv.Owners {
			o := &inv.Owners[i]
			if o.Kind == OwnerELB && strings.HasSuffix(o.ARN, "loadbalancer/"+rest) {
				return o
			}
		}
	}
	if id, ok := strings.CutPrefix(ifc.Description, "ElastiCache "); ok {
		if o, ok := inv.Owner(OwnerElastiCache, id); ok && o.Type == "cache cluster" {
			return o
		}
	}
	kinds := []OwnerKind{ifc.Kind}
	switch ifc.Kind {
	case OwnerECS:
		kinds = append(kinds, OwnerBatch)
	case OwnerBatch:
		kinds = append(kinds, OwnerECS)
	}
	var found []*Owner
	for i := range inv.Owners {
		o := &inv.Owners[i]
		if !slices.Contains(kinds, o.Kind) || o.Type == "DB cluster" || o.Type == "Aurora cluster" || o.Type == "replication group" {
			continue
		}
		if !slices.Contains(o.Subnets, ifc.SubnetID) || !slices.Equal(o.Groups, sortedSet(ifc.GroupIDs)) {
			continue
		}
		found = append(found, o)
	}
	for _, o := range found {
		if strings.Contains(ifc.Description, o.ID) {
			return o
		}
	}
	if len(found) > 0 {
		return found[0]
	}
	return nil
}

func sortedSet(ss []string) []string {
	out := []string{}
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
