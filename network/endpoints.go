package network

import (
	"fmt"
	"sort"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/awsenv"
	"github.com/acme/platform/internal/tags"
)

// EndpointsArgs configure the interface endpoints of a VPC.
type EndpointsArgs struct {
	Vpc      *Vpc
	Services []string
	// SecurityGroupID is the endpoints' own group, owned by the security model,
	// which admits 443 only from the workloads' groups.
	SecurityGroupID pulumi.StringInput
	Env             awsenv.Env
	Tags            map[string]string
	// PrivateDNSOff names the services whose endpoint comes up without
	// private DNS (a migration stage where old workloads still use AWS's
	// public names); turning it on later is an in-place update.
	PrivateDNSOff map[string]bool
}

// Endpoints are the interface VPC endpoints in the private tier: AWS APIs
// reached over private addresses, with private DNS so SDKs need no changes.
type Endpoints struct {
	pulumi.ResourceState

	// ByService maps a service ("ssm") to its endpoint.
	ByService map[string]*ec2.VpcEndpoint
}

// NewEndpoints registers one interface endpoint per service, named by service,
// so adding or removing one never touches the others.
func NewEndpoints(ctx *pulumi.Context, name string, args *EndpointsArgs, opts ...pulumi.ResourceOption) (*Endpoints, error) {
	if args == nil || args.Vpc == nil || args.SecurityGroupID == nil {
		return nil, fmt.Errorf("network.NewEndpoints(%q): Vpc and SecurityGroupID are required", name)
	}
	if !args.Vpc.Plan.Has(TierPrivate) {
		return nil, fmt.Errorf("network.NewEndpoints(%q): interface endpoints live in the private tier, which the plan lacks", name)
	}
	services := append([]string(nil), args.Services...)
	sort.Strings(services)
	for i, s := range services {
		if _, ok := InterfaceServices[s]; !ok {
			return nil, fmt.Errorf("network.NewEndpoints(%q): unknown service %q", name, s)
		}
		if i > 0 && services[i-1] == s {
			return nil, fmt.Errorf("network.NewEndpoints(%q): service %q listed twice", name, s)
		}
	}
	e := &Endpoints{ByService: map[string]*ec2.VpcEndpoint{}}
	if err := ctx.RegisterComponentResource("platform:network:Endpoints", name, e, opts...); err != nil {
		return nil, err
	}
	tg := tags.New("network", args.Tags)
	for _, svc := range services {
		ep, err := ec2.NewVpcEndpoint(ctx, name+"-"+svc, &ec2.VpcEndpointArgs{
			VpcId:             args.Vpc.VpcID,
			ServiceName:       pulumi.String(args.Env.ServiceName(svc)),
			VpcEndpointType:   pulumi.String("Interface"),
			SubnetIds:         args.Vpc.PrivateSubnetIDs,
			SecurityGroupIds:  pulumi.StringArray{args.SecurityGroupID},
			PrivateDnsEnabled: pulumi.Bool(!args.PrivateDNSOff[svc]),
			Tags:              tg.Named(name+"-"+svc, "platform:tier", "private"),
		}, pulumi.Parent(e))
		if err != nil {
			return nil, err
		}
		e.ByService[svc] = ep
	}
	ids := pulumi.StringMap{}
	for svc, ep := range e.ByService {
		ids[svc] = ep.ID().ToStringOutput()
	}
	if err := ctx.RegisterResourceOutputs(e, pulumi.Map{"endpointIds": ids}); err != nil {
		return nil, err
	}
	return e, nil
}
