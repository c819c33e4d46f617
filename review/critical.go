package review

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/acme/platform/internal/sim"
)

// createSeconds are typical times AWS takes to create one resource of a type,
// in seconds, as observed on provisioning in us-east-1 (Terraform/Pulumi
// create timings and the AWS documentation's own estimates): order of
// magnitude, not a promise. The slow ones decide a deploy:
//
//   - Aurora: the cluster ~5 min, each DB instance ~10 min (the platform
//     creates the instances beside each other, so a cluster takes ~15 min);
//   - ElastiCache replication group ~15 min;
//   - Client VPN: the endpoint ~1 min, each subnet association ~10 min;
//   - NAT gateway ~2 min; Application Load Balancer ~3 min; interface VPC
//     endpoint ~2 min; ECS service ~2 min (to steady state); Lambda in a VPC
//     ~1 min (its ENIs); Batch compute environment ~1 min; Auto Scaling group
//     ~1 min;
//   - a Route 53 record ~1 min (until the change is in sync); an ACM
//     certificate's DNS validation ~3 min after its record exists; Lambda
//     provisioned concurrency ~3 min to allocate.
//
// Everything else takes seconds. Interface and gateway endpoints, and Lambda
// functions in and out of a VPC, differ: see CreateTime.
var createSeconds = map[string]int{
	tRDSCluster:   300,
	tRDSClusterIn: 600,
	tRDSInstance:  600,
	tCacheRG:      900,
	tCacheCluster: 600,
	tNAT:          120,
	tLB:           180,
	tALB:          180,
	tVPNEndpoint:  60,
	tVPNAssoc:     600,
	tECSService:   120,
	tASG:          60,
	tBatchCE:      60,
	tVpc:          5,
	tSubnet:       5,
	tSG:           3,
	tDefaultSG:    3,
	tIngress:      2,
	tEgress:       2,
	tLegacyRule:   2,
	tRole:         10,
	tKMSKey:       5,
	tLogGroup:     2,

	tR53Record: 60,
	"aws:acm/certificateValidation:CertificateValidation":                  180,
	"aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig": 180,
}

// Endpoint and Lambda times depend on their inputs.
const (
	interfaceEndpointSeconds = 120
	gatewayEndpointSeconds   = 10
	lambdaInVPCSeconds       = 60
	defaultSeconds           = 5
)

// CreateTime is the typical time to create r: zero for components and
// providers (nothing is created in AWS), the per-type figure of
// createSeconds, and five seconds for any other type.
func CreateTime(r sim.Resource) time.Duration {
	if !r.Custom || strings.HasPrefix(r.Type, "pulumi:") {
		return 0
	}
	s, ok := createSeconds[r.Type]
	switch {
	case ok:
	case r.Type == tEndpoint && strings.EqualFold(str(r.Inputs, "vpcEndpointType"), "Interface"):
		s = interfaceEndpointSeconds
	case r.Type == tEndpoint:
		s = gatewayEndpointSeconds
	case r.Type == tLambda && len(strs(r.Inputs, "vpcConfig.subnetIds")) > 0:
		s = lambdaInVPCSeconds
	default:
		s = defaultSeconds
	}
	return time.Duration(s) * time.Second
}

// Step is one resource on the critical path.
type Step struct {
	URN  string
	Name string
	Type string
	// Duration is CreateTime; Start is when every dependency has finished;
	// Finish is Start + Duration.
	Duration time.Duration
	Start    time.Duration
	Finish   time.Duration
}

// Path is the estimated `pulumi up` of a graph from nothing.
type Path struct {
	// Total is the estimated wall-clock time with unlimited parallelism
	// (Pulumi's default): the finish of the last resource.
	Total time.Duration
	// Chain is the longest dependency chain, first resource first; its last
	// step finishes at Total.
	Chain []Step
	// Resources counts the cloud resources; Serial is the sum of their
	// creation times, what a deploy with --parallel 1 would take.
	Resources int
	Serial    time.Duration
	// Finish is when each cloud resource is created, by URN.
	Finish map[string]time.Duration
}

// CriticalPath computes when each resource of the graph can finish being
// created and the chain that decides the total. A resource starts when all it
// depends on (Dependencies and PropertyDependencies) has finished; a
// dependency on a component waits for every resource under it. Cycles, which
// a valid graph does not have, are broken by ignoring the edge that closes
// them. Ties go to the resource first in URN order, so the result is
// deterministic.
func CriticalPath(g *sim.Graph) Path {
	v := newView(g)
	var nodes []sim.Resource
	for _, r := range v.of(sortedKeys(v.byType)...) {
		if r.Custom {
			nodes = append(nodes, r)
		}
	}

	under := map[string][]string{} // component URN -> custom descendants, in URN order
	var collect func(u string) []string
	collect = func(u string) []string {
		if got, ok := under[u]; ok {
			return got
		}
		under[u] = nil // guards a (malformed) parent cycle
		var out []string
		for _, k := range v.kids[u] {
			if v.byURN[k].Custom {
				out = append(out, k)
			}
			out = append(out, collect(k)...)
		}
		under[u] = out
		return out
	}

	deps := func(r sim.Resource) []string {
		seen := map[string]bool{r.URN: true}
		var out []string
		addURN := func(u string) {
			if !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
		}
		all := append([]string(nil), r.Dependencies...)
		for _, k := range sortedKeys(r.PropertyDependencies) {
			all = append(all, r.PropertyDependencies[k]...)
		}
		for _, u := range all {
			d, ok := v.byURN[u]
			switch {
			case !ok:
			case d.Custom:
				addURN(u)
			default:
				for _, c := range collect(u) {
					addURN(c)
				}
			}
		}
		return out
	}

	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	finish := map[string]time.Duration{}
	start := map[string]time.Duration{}
	pred := map[string]string{}
	var visit func(r sim.Resource)
	visit = func(r sim.Resource) {
		state[r.URN] = visiting
		var s time.Duration
		ds := deps(r)
		sort.Strings(ds)
		for _, u := range ds {
			switch state[u] {
			case visiting:
				continue // the edge that closes a cycle
			case unvisited:
				visit(v.byURN[u])
			}
			if f := finish[u]; f > s {
				s, pred[r.URN] = f, u
			}
		}
		start[r.URN] = s
		finish[r.URN] = s + CreateTime(r)
		state[r.URN] = done
	}

	p := Path{Resources: len(nodes), Finish: map[string]time.Duration{}}
	last := ""
	for _, r := range nodes {
		if state[r.URN] == unvisited {
			visit(r)
		}
		p.Serial += CreateTime(r)
		p.Finish[r.URN] = finish[r.URN]
		if f := finish[r.URN]; last == "" || f > finish[last] {
			last = r.URN
		}
	}
	if last == "" {
		return p
	}
	p.Total = finish[last]
	for u := last; u != ""; u = pred[u] {
		r := v.byURN[u]
		p.Chain = append(p.Chain, Step{URN: u, Name: r.Name, Type: r.Type, Duration: CreateTime(r), Start: start[u], Finish: finish[u]})
	}
	for i, j := 0, len(p.Chain)-1; i < j; i, j = i+1, j-1 {
		p.Chain[i], p.Chain[j] = p.Chain[j], p.Chain[i]
	}
	return p
}

// fmtDuration renders a duration as 45s, 12m30s or 1h02m05s.
func fmtDuration(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	return fmt.Sprintf("%dh%02dm%02ds", s/3600, s/60%60, s%60)
}

func pathSummary(p Path) string {
	return fmt.Sprintf("a first `pulumi up` takes about %s with unlimited parallelism (Pulumi's default); %s, %s one at a time",
		fmtDuration(p.Total), plural(p.Resources, "resource", "resources"), fmtDuration(p.Serial))
}

// RenderCriticalPath renders the estimate and its longest chain as text.
func RenderCriticalPath(p Path) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Deploy critical path: %s.\n", pathSummary(p))
	if len(p.Chain) == 0 {
		return b.String()
	}
	b.WriteString("Longest chain:\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  START\tTAKES\tRESOURCE\tTYPE")
	for _, s := range p.Chain {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", fmtDuration(s.Start), fmtDuration(s.Duration), s.Name, s.Type)
	}
	_ = tw.Flush()
	b.WriteString("Creation times are typical AWS figures (review.CreateTime), not measurements.\n")
	return b.String()
}

// RenderCriticalPathMarkdown renders the estimate for a pull-request comment.
func RenderCriticalPathMarkdown(p Path) string {
	var b strings.Builder
	b.WriteString("### Deploy critical path\n\n")
	fmt.Fprintf(&b, "%s.\n", capitalize(pathSummary(p)))
	if len(p.Chain) == 0 {
		return b.String()
	}
	b.WriteString("\n| Start | Takes | Resource | Type |\n|---:|---:|---|---|\n")
	for _, s := range p.Chain {
		fmt.Fprintf(&b, "| %s | %s | `%s` | `%s` |\n", fmtDuration(s.Start), fmtDuration(s.Duration), s.Name, s.Type)
	}
	b.WriteString("\nCreation times are typical AWS figures, not measurements.\n")
	return b.String()
}
