package edge

import (
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ShiftType is the type token of a traffic shift.
const ShiftType = "platform:edge:TrafficShift"

// Target is one load balancer a weighted record answers with.
type Target struct {
	DNSName pulumi.StringInput
	ZoneID  pulumi.StringInput
	Weight  int
}

// ShiftArgs are the inputs of NewTrafficShift.
type ShiftArgs struct {
	ZoneID string
	Name   string
	// Targets by set identifier ("old", "new"). A target left out has no
	// record: the old one once its load balancer is retired.
	Targets map[string]Target
}

// TrafficShift answers a name with weighted alias records, one per load
// balancer, so that the share of users each gets is a weight in the stack
// file and rolling back is changing it back (an in-place update of the
// records, no gap in answers).
type TrafficShift struct {
	pulumi.ResourceState

	Records map[string]*route53.Record
}

// NewTrafficShift registers the weighted records.
func NewTrafficShift(ctx *pulumi.Context, name string, args *ShiftArgs, opts ...pulumi.ResourceOption) (*TrafficShift, error) {
	if args == nil || args.ZoneID == "" || args.Name == "" || len(args.Targets) == 0 {
		return nil, fmt.Errorf("edge.NewTrafficShift(%q): ZoneID, Name and a target are required", name)
	}
	s := &TrafficShift{Records: map[string]*route53.Record{}}
	if err := ctx.RegisterComponentResource(ShiftType, name, s, opts...); err != nil {
		return nil, err
	}
	for _, id := range slices.Sorted(maps.Keys(args.Targets)) {
		t := args.Targets[id]
		rec, err := route53.NewRecord(ctx, name+"-"+id, &route53.RecordArgs{
			ZoneId: pulumi.String(args.ZoneID),
			Name:   pulumi.String(args.Name),
			Type:   pulumi.String("A"),
			// One answer set per target, told apart by its identifier;
			// Route 53 answers each with weight/(sum of weights) of queries.
			SetIdentifier: pulumi.String(id),
			WeightedRoutingPolicies: route53.RecordWeightedRoutingPolicyArray{
				&route53.RecordWeightedRoutingPolicyArgs{Weight: pulumi.Int(t.Weight)},
			},
			Aliases: route53.RecordAliasArray{&route53.RecordAliasArgs{
				Name:   t.DNSName,
				ZoneId: t.ZoneID,
				// The health check: Route 53 leaves out a load balancer with
				// no healthy target, whatever its weight, so a broken new
				// platform gets no users even at 100.
				EvaluateTargetHealth: pulumi.Bool(true),
			}},
		}, pulumi.Parent(s))
		if err != nil {
			return nil, err
		}
		s.Records[id] = rec
	}
	if err := ctx.RegisterResourceOutputs(s, pulumi.Map{"name": pulumi.String(args.Name)}); err != nil {
		return nil, err
	}
	return s, nil
}
