package change

import (
	"fmt"
	"sort"

	"github.com/acme/platform/internal/sim"
)

// Some names are unique per account and region, and a resource deleted with
// RetainOnDelete stays in the account under its name after it leaves the
// stack. A later change that creates a resource of the same type under the
// same fixed name then fails with "already exists" (ResourceAlreadyExists,
// DocumentAlreadyExists, ...): the mock engine never sees it, AWS always does.
// Turning a feature off and on again is the classic way to get there.

// UniqueNames maps a resource type to the input that holds its account- and
// region-unique name.
var UniqueNames = map[string]string{
	"aws:cloudwatch/logGroup:LogGroup":                    "name",
	"aws:ssm/document:Document":                           "name",
	"aws:kms/alias:Alias":                                 "name",
	"aws:s3/bucketV2:BucketV2":                            "bucket",
	"aws:s3/bucket:Bucket":                                "bucket",
	"aws:iam/role:Role":                                   "name",
	"aws:iam/policy:Policy":                               "name",
	"aws:secretsmanager/secret:Secret":                    "name",
	"aws:lb/loadBalancer:LoadBalancer":                    "name",
	"aws:lb/targetGroup:TargetGroup":                      "name",
	"aws:rds/cluster:Cluster":                             "clusterIdentifier",
	"aws:rds/clusterInstance:ClusterInstance":             "identifier",
	"aws:elasticache/replicationGroup:ReplicationGroup":   "replicationGroupId",
	"aws:ecs/cluster:Cluster":                             "name",
	"aws:lambda/function:Function":                        "name",
	"aws:batch/computeEnvironment:ComputeEnvironment":     "computeEnvironmentName",
	"aws:batch/jobQueue:JobQueue":                         "name",
	"aws:elasticache/subnetGroup:SubnetGroup":             "name",
	"aws:rds/subnetGroup:SubnetGroup":                     "name",
	"aws:rds/clusterParameterGroup:ClusterParameterGroup": "name",
}

// FixedName returns the account-unique name a resource asks for, when its
// inputs fix one ("" for a generated name: a name prefix or Pulumi's
// auto-naming give every lifetime a new name).
func FixedName(r sim.Resource) string {
	field, ok := UniqueNames[r.Type]
	if !ok {
		return ""
	}
	s, _ := r.Inputs[field].(string)
	return s
}

// Held is a name a retained resource keeps in the account.
type Held struct {
	Type string `json:"type"`
	// Name is the account-unique name, e.g. /platform/prod-flow-logs.
	Name string `json:"name"`
	// URN is the resource that left the stack and kept it.
	URN string `json:"urn"`
}

// NameTakenError is a resource a step would create under a name that a
// resource retained by an earlier step still holds: AWS refuses the create.
type NameTakenError struct {
	Entry Entry
	Held  Held
}

func (e *NameTakenError) Error() string {
	return fmt.Sprintf("%s %s would be created as %q, but %s kept that name in the account when it was deleted (retainOnDelete): AWS refuses the create with \"already exists\"; give each lifetime its own name (a name prefix) or adopt the retained resource with the import option",
		e.Entry.Type, e.Entry.Name, e.Held.Name, e.Held.URN)
}

// retained lists the fixed names that resources leaving the stack (removed,
// or replaced: the old one is deleted) keep because they are retained on delete.
func retained(before, after *sim.Graph, rep *Report) []Held {
	var out []Held
	for _, e := range rep.Entries {
		if e.Kind != Removed && e.Kind != Replaced {
			continue
		}
		urn := e.URN
		if e.OldURN != "" {
			urn = e.OldURN
		}
		b, ok := before.Get(urn)
		if !ok || !b.RetainOnDelete {
			continue
		}
		if n := FixedName(b); n != "" {
			out = append(out, Held{Type: b.Type, Name: n, URN: b.URN})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].URN < out[j].URN })
	return out
}

// takes reports the creations in rep (added, or replaced: a new one is
// created) that ask for a name in held. An import adopts the retained
// resource rather than creating one, so it takes nothing.
func takes(after *sim.Graph, rep *Report, held []Held) []error {
	var out []error
	for _, e := range rep.Entries {
		if e.Kind != Added && e.Kind != Replaced {
			continue
		}
		a, ok := after.Get(e.URN)
		if !ok || a.ImportID != "" {
			continue
		}
		n := FixedName(a)
		for _, h := range held {
			if n != "" && h.Type == a.Type && h.Name == n {
				out = append(out, &NameTakenError{Entry: e, Held: h})
			}
		}
	}
	return out
}

// Walk is the change report of a sequence of deployments of one stack
// (config 0, then 1, then 2 ...): one report per step, and an error for every
// resource a step would create under a name that a resource retained by an
// earlier step (or by the same step's replacement) still holds. Feature off
// then on again is Walk(on, off, on).
func Walk(graphs ...*sim.Graph) ([]*Report, []error) {
	var reports []*Report
	var errs []error
	var held []Held
	for i := 1; i < len(graphs); i++ {
		rep := Diff(graphs[i-1], graphs[i])
		held = append(held, retained(graphs[i-1], graphs[i], rep)...)
		errs = append(errs, takes(graphs[i], rep, held)...)
		reports = append(reports, rep)
	}
	return reports, errs
}

// Retained lists the fixed names the change leaves held in the account by
// resources retained on delete; the next deployment that creates one fails.
func Retained(before, after *sim.Graph) []Held {
	return retained(before, after, Diff(before, after))
}
