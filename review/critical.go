package review

import (
	"fmt"
	"slices"
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
	// StoresReady is when the last data store (an Aurora cluster and its
	// instances, an ElastiCache group) is created: what the workloads wired to
	// the stores wait for. Zero without stores.
	StoresReady time.Duration
}

// storeTypes are the resources a data store is ready after.
var storeTypes = map[string]bool{tRDSCluster: true, tRDSClusterIn: true, tRDSInstance: true, tCacheRG: true, tCacheCluster: true}

// CriticalPath computes when each resource of the graph can finish being
// created and the chain that decides the total. A resource starts when all it
// depends on (Dependencies and PropertyDependencies) has finished; a
// dependency on a component waits for every resource under it. Cycles, which
// a valid graph does not have, are broken by ignoring the edge that closes
// them. Ties go to the resource first in URN order, so the result is
// deterministic.
func CriticalPath(g *sim.Graph) Path {
	p := Path{Finish: map[string]time.Duration{}}
	if g == nil {
		return p
	}
	// Everything below works on positions in URN order: a resource's
	// dependencies sorted by position are sorted by URN, which is what
	// breaks ties.
	n := len(g.Resources)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return g.Resources[order[a]].URN < g.Resources[order[b]].URN })
	rs := make([]*sim.Resource, n)
	pos := make(map[string]int, n)
	for i, o := range order {
		rs[i] = &g.Resources[o]
		pos[rs[i].URN] = i
	}
	kids := make([][]int, n)
	for i, r := range rs {
		if j, ok := pos[r.Parent]; ok && r.Parent != "" {
			kids[j] = append(kids[j], i)
		}
	}

	// under lists a component's custom descendants; a parent cycle, which a
	// valid graph does not have, ends the walk.
	under := make([][]int, n)
	walked := make([]bool, n)
	var collect func(i int) []int
	collect = func(i int) []int {
		if walked[i] {
			return under[i]
		}
		walked[i] = true
		var out []int
		for _, k := range kids[i] {
			if rs[k].Custom {
				out = append(out, k)
			}
			out = append(out, collect(k)...)
		}
		under[i] = out
		return out
	}

	mark := make([]int, n) // mark[j] == i+1: j is already a dependency of i
	deps := func(i int) []int {
		r := rs[i]
		mark[i] = i + 1
		var out []int
		add := func(j int) {
			if mark[j] != i+1 {
				mark[j] = i + 1
				out = append(out, j)
			}
		}
		addURN := func(u string) {
			j, ok := pos[u]
			switch {
			case !ok:
			case rs[j].Custom:
				add(j)
			default:
				for _, c := range collect(j) {
					add(c)
				}
			}
		}
		for _, u := range r.Dependencies {
			addURN(u)
		}
		for _, us := range r.PropertyDependencies {
			for _, u := range us {
				addURN(u)
			}
		}
		sort.Ints(out)
		return out
	}

	const (
		unvisited = iota
		visiting
		done
	)
	state := make([]uint8, n)
	dur := make([]time.Duration, n)
	start := make([]time.Duration, n)
	finish := make([]time.Duration, n)
	pred := make([]int, n)
	var visit func(i int)
	visit = func(i int) {
		state[i] = visiting
		var s time.Duration
		pred[i] = -1
		for _, j := range deps(i) {
			switch state[j] {
			case visiting:
				continue // the edge that closes a cycle
			case unvisited:
				visit(j)
			}
			if finish[j] > s {
				s, pred[i] = finish[j], j
			}
		}
		dur[i] = CreateTime(*rs[i])
		start[i], finish[i] = s, s+dur[i]
		state[i] = done
	}

	last := -1
	for i, r := range rs {
		if !r.Custom {
			continue
		}
		if state[i] == unvisited {
			visit(i)
		}
		p.Resources++
		p.Serial += dur[i]
		p.Finish[r.URN] = finish[i]
		if storeTypes[r.Type] {
			p.StoresReady = max(p.StoresReady, finish[i])
		}
		if last < 0 || finish[i] > finish[last] {
			last = i
		}
	}
	if last < 0 {
		return p
	}
	p.Total = finish[last]
	for i := last; i >= 0; i = pred[i] {
		r := rs[i]
		p.Chain = append(p.Chain, Step{URN: r.URN, Name: r.Name, Type: r.Type, Duration: dur[i], Start: start[i], Finish: finish[i]})
	}
	slices.Reverse(p.Chain)
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

// storesReady is the sentence that says when the stores are ready, if any.
func storesReady(p Path) string {
	if p.StoresReady == 0 {
		return ""
	}
	return fmt.Sprintf("Data stores ready at %s; what comes after is the start of the workloads wired to them (their task definitions, functions and settings hold the stores' endpoints).\n", fmtDuration(p.StoresReady))
}

// RenderCriticalPath renders the estimate and its longest chain as text.
func RenderCriticalPath(p Path) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Deploy critical path: %s.\n", pathSummary(p))
	if len(p.Chain) == 0 {
		return b.String()
	}
	b.WriteString(storesReady(p))
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
	b.WriteString(storesReady(p))
	b.WriteString("\n| Start | Takes | Resource | Type |\n|---:|---:|---|---|\n")
	for _, s := range p.Chain {
		fmt.Fprintf(&b, "| %s | %s | `%s` | `%s` |\n", fmtDuration(s.Start), fmtDuration(s.Duration), s.Name, s.Type)
	}
	b.WriteString("\nCreation times are typical AWS figures, not measurements.\n")
	return b.String()
}
