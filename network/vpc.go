package network

import (
	"fmt"
	"sort"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/awsenv"
	"github.com/acme/platform/internal/tags"
)

// VpcArgs are the plain, already validated inputs of a Vpc. Everything that
// decides the shape of the network is a Go value, so the graph is known before
// any resource exists.
type VpcArgs struct {
	Plan     Plan
	NAT      NATMode
	FlowLogs FlowLogsConfig
	Env      awsenv.Env
	// Protect marks the VPC, its subnets and its flow-log key with pulumi's
	// protect option: deleting or replacing them then needs a deliberate unprotect.
	Protect bool
	Tags    map[string]string
	// Adopt, when set, takes over an existing VPC instead of creating one.
	Adopt *AdoptArgs
	// ImportOnly (with Adopt) registers the imports and nothing else: the VPC,
	// its internet gateway and its existing subnets, for the first stage of a
	// migration, whose `pulumi up` must create, change and delete nothing.
	ImportOnly bool
}

// AdoptArgs describe an existing VPC to bring under management. Adopted
// resources are imported with exactly the settings they have, always protected,
// and keep the tags they carry: an import whose inputs differ from the real
// resource fails, and a migration starts by changing nothing.
type AdoptArgs struct {
	VpcID              string
	InternetGatewayID  string
	EnableDNSHostnames bool
	// ManageDefaultSecurityGroup empties the VPC's default group. Off while a
	// migration runs: old workloads may still depend on its rules.
	ManageDefaultSecurityGroup bool
}

// Vpc is the network: the VPC, three tiers of subnets, routing, NAT, the
// gateway endpoints and flow logs.
type Vpc struct {
	pulumi.ResourceState

	Plan  Plan
	VpcID pulumi.IDOutput

	// Subnets by Subnet.Key(), e.g. "private-us-east-1a".
	Subnets map[string]*ec2.Subnet
	// Existing are the adopted subnets, by subnet ID.
	Existing map[string]*ec2.Subnet
	// RouteTables by key: "public", "private-<az>", "isolated".
	RouteTables map[string]*ec2.RouteTable
	// NATGateways and their Elastic IPs by zone.
	NATGateways map[string]*ec2.NatGateway
	NATIPs      map[string]*ec2.Eip
	// GatewayEndpoints by service ("s3", "dynamodb").
	GatewayEndpoints map[string]*ec2.VpcEndpoint
	FlowLogs         *FlowLogs

	PublicSubnetIDs   pulumi.StringArrayOutput
	PrivateSubnetIDs  pulumi.StringArrayOutput
	IsolatedSubnetIDs pulumi.StringArrayOutput
	NATPublicIPs      pulumi.StringArrayOutput
}

// NATZones returns the zones that get a NAT gateway under mode: none, the first
// zone by name, or every zone. Naming gateways by zone is what lets a switch
// between single and perAz keep the first gateway and its public address.
func NATZones(p Plan, mode NATMode) []string {
	public := p.PublicAZs()
	if len(public) == 0 {
		return nil
	}
	switch mode {
	case NATSingle:
		return public[:1]
	case NATPerAZ:
		var out []string
		for _, az := range p.AZs() {
			if contains(public, az) {
				out = append(out, az)
			}
		}
		return out
	}
	return nil
}

// NATFor returns the zone whose NAT gateway serves az's private subnet, or "".
func NATFor(p Plan, mode NATMode, az string) string {
	zones := NATZones(p, mode)
	switch {
	case len(zones) == 0:
		return ""
	case mode == NATSingle:
		return zones[0]
	case contains(zones, az):
		return az
	}
	return ""
}

// RouteTableKey names the route table a subnet uses. Private subnets get one
// table per zone in every NAT mode, so changing the mode only rewrites a route,
// never re-associates a subnet.
func RouteTableKey(s Subnet) string {
	if s.Tier == TierPrivate {
		return "private-" + s.AZ
	}
	return s.Tier.String()
}

// NewVpc registers the network.
func NewVpc(ctx *pulumi.Context, name string, args *VpcArgs, opts ...pulumi.ResourceOption) (*Vpc, error) {
	if args == nil || !args.Plan.VPC.IsValid() || (len(args.Plan.Subnets) == 0 && !args.ImportOnly) {
		return nil, fmt.Errorf("network.NewVpc(%q): a plan with at least one subnet is required", name)
	}
	if args.Env.Region == "" {
		return nil, fmt.Errorf("network.NewVpc(%q): region is required", name)
	}
	v := &Vpc{
		Plan:             args.Plan,
		Subnets:          map[string]*ec2.Subnet{},
		RouteTables:      map[string]*ec2.RouteTable{},
		NATGateways:      map[string]*ec2.NatGateway{},
		NATIPs:           map[string]*ec2.Eip{},
		GatewayEndpoints: map[string]*ec2.VpcEndpoint{},
		Existing:         map[string]*ec2.Subnet{},
	}
	if err := ctx.RegisterComponentResource("platform:network:Vpc", name, v, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(v)
	protect := pulumi.Protect(args.Protect)
	tg := tags.New("network", args.Tags)

	adopt := args.Adopt
	vpcOpts := []pulumi.ResourceOption{parent, protect}
	dnsHostnames := true // interface endpoints' private DNS needs both DNS settings
	if adopt != nil {
		vpcOpts = adopted(parent, adopt.VpcID)
		dnsHostnames = adopt.EnableDNSHostnames
	}
	vpc, err := ec2.NewVpc(ctx, name+"-vpc", &ec2.VpcArgs{
		CidrBlock:          pulumi.String(args.Plan.VPC.String()),
		EnableDnsSupport:   pulumi.Bool(true),
		EnableDnsHostnames: pulumi.Bool(dnsHostnames),
		Tags:               tg.Named(name),
	}, vpcOpts...)
	if err != nil {
		return nil, err
	}
	v.VpcID = vpc.ID()

	// Adopting the default group with no rules empties it: anything that lands
	// in it by accident (a console-created ENI, say) can talk to nothing.
	if adopt == nil || adopt.ManageDefaultSecurityGroup {
		if _, err := ec2.NewDefaultSecurityGroup(ctx, name+"-default-sg", &ec2.DefaultSecurityGroupArgs{
			VpcId: vpc.ID(),
			Tags:  tg.Named(name+"-default-do-not-use", "platform:component", "security"),
		}, parent); err != nil {
			return nil, err
		}
	}

	// Existing subnets are imported as they are, keyed by their subnet ID.
	existingPublic := map[string]*ec2.Subnet{}
	for _, e := range args.Plan.Existing {
		sn, err := ec2.NewSubnet(ctx, name+"-existing-"+e.ID, &ec2.SubnetArgs{
			VpcId:               vpc.ID(),
			CidrBlock:           pulumi.String(e.Prefix.String()),
			AvailabilityZone:    pulumi.String(e.AZ),
			MapPublicIpOnLaunch: pulumi.Bool(e.MapPublicIPOnLaunch),
		}, adopted(parent, e.ID)...)
		if err != nil {
			return nil, err
		}
		v.Existing[e.ID] = sn
		if e.Public {
			if _, taken := existingPublic[e.AZ]; !taken {
				existingPublic[e.AZ] = sn // subnets arrive sorted by ID: the first one per zone
			}
		}
	}

	if args.ImportOnly {
		if adopt == nil {
			return nil, fmt.Errorf("network.NewVpc(%q): ImportOnly needs Adopt: there is nothing to import", name)
		}
		return v.finishImportOnly(ctx, name, vpc, adopt, parent)
	}

	for _, s := range args.Plan.Subnets {
		sn, err := ec2.NewSubnet(ctx, name+"-"+s.Key(), &ec2.SubnetArgs{
			VpcId:            vpc.ID(),
			CidrBlock:        pulumi.String(s.Prefix.String()),
			AvailabilityZone: pulumi.String(s.AZ),
			// Nothing gets a public address by accident, not even in the public tier:
			// the ALB and NAT gateways bring their own.
			MapPublicIpOnLaunch: pulumi.Bool(false),
			Tags:                tg.Named(name+"-"+s.Key(), "platform:tier", s.Tier.String()),
		}, parent, protect)
		if err != nil {
			return nil, err
		}
		v.Subnets[s.Key()] = sn
	}

	var igw *ec2.InternetGateway
	switch {
	case adopt != nil && adopt.InternetGatewayID != "":
		igw, err = ec2.NewInternetGateway(ctx, name+"-igw", &ec2.InternetGatewayArgs{
			VpcId: vpc.ID(),
		}, adopted(parent, adopt.InternetGatewayID)...)
	case args.Plan.Has(TierPublic):
		igw, err = ec2.NewInternetGateway(ctx, name+"-igw", &ec2.InternetGatewayArgs{
			VpcId: vpc.ID(),
			Tags:  tg.Named(name+"-igw", "platform:tier", "public"),
		}, parent)
	}
	if err != nil {
		return nil, err
	}

	var natDeps []pulumi.Resource
	if igw != nil {
		natDeps = append(natDeps, igw)
	}
	for _, az := range NATZones(args.Plan, args.NAT) {
		key := "nat-" + az
		eip, err := ec2.NewEip(ctx, name+"-"+key+"-eip", &ec2.EipArgs{
			Domain: pulumi.String("vpc"),
			Tags:   tg.Named(name+"-"+key, "platform:tier", "public"),
		}, parent)
		if err != nil {
			return nil, err
		}
		host, ok := v.Subnets[Subnet{Tier: TierPublic, AZ: az}.Key()]
		if !ok {
			host = existingPublic[az]
		}
		nat, err := ec2.NewNatGateway(ctx, name+"-"+key, &ec2.NatGatewayArgs{
			AllocationId:     eip.AllocationId,
			SubnetId:         host.ID(),
			ConnectivityType: pulumi.String("public"),
			Tags:             tg.Named(name+"-"+key, "platform:tier", "public"),
		},
			parent,
			// A public NAT gateway cannot pass traffic until the VPC has an attached
			// internet gateway, and nothing in its inputs says so.
			pulumi.DependsOn(natDeps))
		if err != nil {
			return nil, err
		}
		v.NATGateways[az] = nat
		v.NATIPs[az] = eip
	}

	tables := map[string]Tier{}
	for _, s := range args.Plan.Subnets {
		tables[RouteTableKey(s)] = s.Tier
	}
	for _, key := range sortedKeys(tables) {
		rt, err := ec2.NewRouteTable(ctx, name+"-"+key+"-rt", &ec2.RouteTableArgs{
			VpcId: vpc.ID(),
			Tags:  tg.Named(name+"-"+key, "platform:tier", tables[key].String()),
		}, parent)
		if err != nil {
			return nil, err
		}
		v.RouteTables[key] = rt
	}

	// Routes are separate resources, not inline blocks, so changing where one
	// points is an in-place update of that route alone.
	if rt, ok := v.RouteTables["public"]; ok {
		if _, err := ec2.NewRoute(ctx, name+"-public-default", &ec2.RouteArgs{
			RouteTableId:         rt.ID(),
			DestinationCidrBlock: pulumi.String("0.0.0.0/0"),
			GatewayId:            igw.ID(),
		}, parent); err != nil {
			return nil, err
		}
	}
	for _, s := range args.Plan.Tier(TierPrivate) {
		natAZ := NATFor(args.Plan, args.NAT, s.AZ)
		if natAZ == "" {
			continue
		}
		if _, err := ec2.NewRoute(ctx, name+"-private-"+s.AZ+"-default", &ec2.RouteArgs{
			RouteTableId:         v.RouteTables[RouteTableKey(s)].ID(),
			DestinationCidrBlock: pulumi.String("0.0.0.0/0"),
			NatGatewayId:         v.NATGateways[natAZ].ID(),
		}, parent); err != nil {
			return nil, err
		}
	}
	for _, s := range args.Plan.Subnets {
		if _, err := ec2.NewRouteTableAssociation(ctx, name+"-"+s.Key()+"-rta", &ec2.RouteTableAssociationArgs{
			SubnetId:     v.Subnets[s.Key()].ID(),
			RouteTableId: v.RouteTables[RouteTableKey(s)].ID(),
		}, parent); err != nil {
			return nil, err
		}
	}

	// Gateway endpoints keep S3 and DynamoDB traffic off the NAT gateways (they
	// are free; NAT data processing is not) and give the isolated tier the only
	// AWS services it can reach.
	var endpointTables pulumi.StringArray
	for _, key := range sortedKeys(v.RouteTablesOf(TierPrivate, TierIsolated)) {
		endpointTables = append(endpointTables, v.RouteTables[key].ID())
	}
	if len(endpointTables) > 0 {
		for _, svc := range GatewayServices {
			ep, err := ec2.NewVpcEndpoint(ctx, name+"-vpce-"+svc, &ec2.VpcEndpointArgs{
				VpcId:           vpc.ID(),
				ServiceName:     pulumi.String(args.Env.ServiceName(svc)),
				VpcEndpointType: pulumi.String("Gateway"),
				RouteTableIds:   endpointTables,
				Tags:            tg.Named(name + "-" + svc),
			}, parent)
			if err != nil {
				return nil, err
			}
			v.GatewayEndpoints[svc] = ep
		}
	}

	if args.FlowLogs.On() {
		v.FlowLogs, err = NewFlowLogs(ctx, name+"-flow-logs", &FlowLogsArgs{
			VpcID:         vpc.ID(),
			RetentionDays: args.FlowLogs.Retention(),
			Env:           args.Env,
			Protect:       args.Protect,
			Tags:          args.Tags,
		}, parent)
		if err != nil {
			return nil, err
		}
	}

	v.PublicSubnetIDs = v.subnetIDs(TierPublic)
	v.PrivateSubnetIDs = v.subnetIDs(TierPrivate)
	v.IsolatedSubnetIDs = v.subnetIDs(TierIsolated)
	var ips pulumi.StringArray
	for _, az := range NATZones(args.Plan, args.NAT) {
		ips = append(ips, v.NATIPs[az].PublicIp)
	}
	v.NATPublicIPs = ips.ToStringArrayOutput()

	if err := ctx.RegisterResourceOutputs(v, pulumi.Map{
		"vpcId":             v.VpcID,
		"publicSubnetIds":   v.PublicSubnetIDs,
		"privateSubnetIds":  v.PrivateSubnetIDs,
		"isolatedSubnetIds": v.IsolatedSubnetIDs,
		"natPublicIps":      v.NATPublicIPs,
	}); err != nil {
		return nil, err
	}
	return v, nil
}

// finishImportOnly registers the adopted internet gateway, and outputs with
// no planned subnet: the tiers come in a later stage.
func (v *Vpc) finishImportOnly(ctx *pulumi.Context, name string, vpc *ec2.Vpc, adopt *AdoptArgs, parent pulumi.ResourceOption) (*Vpc, error) {
	if adopt.InternetGatewayID != "" {
		if _, err := ec2.NewInternetGateway(ctx, name+"-igw", &ec2.InternetGatewayArgs{
			VpcId: vpc.ID(),
		}, adopted(parent, adopt.InternetGatewayID)...); err != nil {
			return nil, err
		}
	}
	empty := pulumi.StringArray{}.ToStringArrayOutput()
	v.PublicSubnetIDs, v.PrivateSubnetIDs, v.IsolatedSubnetIDs, v.NATPublicIPs = empty, empty, empty, empty
	if err := ctx.RegisterResourceOutputs(v, pulumi.Map{"vpcId": v.VpcID}); err != nil {
		return nil, err
	}
	return v, nil
}

// RouteTablesOf returns the route tables serving the given tiers, by key.
func (v *Vpc) RouteTablesOf(tiers ...Tier) map[string]Tier {
	out := map[string]Tier{}
	for _, s := range v.Plan.Subnets {
		for _, t := range tiers {
			if s.Tier == t {
				out[RouteTableKey(s)] = t
			}
		}
	}
	return out
}

func (v *Vpc) subnetIDs(t Tier) pulumi.StringArrayOutput {
	ids := pulumi.StringArray{}
	for _, s := range v.Plan.Tier(t) {
		ids = append(ids, v.Subnets[s.Key()].ID().ToStringOutput())
	}
	return ids.ToStringArrayOutput()
}

// SubnetIDs returns a tier's subnet IDs, ordered by zone name.
func (v *Vpc) SubnetIDs(t Tier) pulumi.StringArrayOutput {
	switch t {
	case TierPublic:
		return v.PublicSubnetIDs
	case TierPrivate:
		return v.PrivateSubnetIDs
	}
	return v.IsolatedSubnetIDs
}

// adopted are the options of an imported resource: import by ID, always
// protected, and its existing tags left alone (an import must match exactly).
func adopted(parent pulumi.ResourceOption, id string) []pulumi.ResourceOption {
	return []pulumi.ResourceOption{
		parent,
		pulumi.Import(pulumi.ID(id)),
		pulumi.Protect(true),
		pulumi.IgnoreChanges([]string{"tags", "tagsAll"}),
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
