package compute

import (
	"fmt"
	"regexp"

	"github.com/acme/platform/internal/problems"
)

// RuntimeSpec is the part of a compute workload's config (ec2, ecs, lambda,
// batch) that is about what its code may reach rather than how it runs. Each
// compute kind's spec embeds it, so its keys sit beside the kind's own and
// mean the same thing everywhere.
type RuntimeSpec struct {
	// InternetEgress lets the workload reach the internet on 443 through NAT;
	// default false. Without it, AWS services are reached through the VPC
	// endpoints only (images from ECR included).
	InternetEgress bool `json:"internetEgress,omitempty"`
	// LegacySecurityGroups are security groups from before a migration,
	// attached beside the workload's own group while old and new run side by
	// side, so the new copy can reach what still admits only the old groups
	// (an adopted database, say). Remove them in the migration's contract
	// stage. IDs like sg-0a1b2c3d; at most 4, as an interface holds 5 groups.
	LegacySecurityGroups []string `json:"legacySecurityGroups,omitempty"`
}

// runtimeSpec returns the shared part of a compute workload's spec, or nil
// for the other kinds.
func (w Workload) runtimeSpec() *RuntimeSpec {
	switch {
	case w.EC2 != nil:
		return &w.EC2.RuntimeSpec
	case w.ECS != nil:
		return &w.ECS.RuntimeSpec
	case w.Lambda != nil:
		return &w.Lambda.RuntimeSpec
	case w.Batch != nil:
		return &w.Batch.RuntimeSpec
	}
	return nil
}

// validate checks the shared keys of one compute workload at k.
func (s RuntimeSpec) validate(k string, p *problems.List) {
	validateLegacyGroups(k, s.LegacySecurityGroups, p)
}

var legacyGroupPattern = regexp.MustCompile(`^sg-[0-9a-f]{8,17}$`)

// validateLegacyGroups checks the IDs; how many fit on an interface is the
// security model's check (it counts them with the workload's own group).
func validateLegacyGroups(k string, ids []string, p *problems.List) {
	seen := map[string]bool{}
	for i, id := range ids {
		ik := fmt.Sprintf("%s.legacySecurityGroups[%d]", k, i)
		switch {
		case !legacyGroupPattern.MatchString(id):
			p.Add(ik, "%q is not a security group ID like sg-0a1b2c3d4e5f60718", id)
		case seen[id]:
			p.Add(ik, "%s is listed twice", id)
		}
		seen[id] = true
	}
}
