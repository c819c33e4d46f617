package compute

import (
	"fmt"
	"regexp"
	"strings"

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
	// Environment sets environment values of the workload's code (never
	// secrets: a secret's place is Secrets Manager, and the platform hands the
	// code references). ECS containers, Batch jobs and Lambda functions get
	// them as their environment; an ec2 fleet as SSM parameters under its
	// config path, which its instances load at boot. Names the platform sets
	// for the workload's connections to data stores may not be used.
	Environment map[string]string `json:"environment,omitempty"`
	// Permissions are the AWS resources the workload uses beyond the platform,
	// by a name of your choosing (lowercase letters, digits, hyphens): each
	// becomes one least-privilege policy on the role the code runs as.
	Permissions map[string]Permission `json:"permissions,omitempty"`
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
func (s RuntimeSpec) validate(k string, kind Kind, v ValidateContext, p *problems.List) {
	validateLegacyGroups(k, s.LegacySecurityGroups, p)
	checkEnvironment(p, k+".environment", s.Environment)
	for _, name := range sortedKeys(s.Environment) {
		switch {
		case kind == KindEC2 && s.Environment[name] == "":
			// An ec2 fleet's settings are SSM parameters, and SSM refuses an empty value.
			p.Add(k+".environment."+name, "an empty value; an ec2 fleet's settings are SSM parameters, which cannot be empty: leave it out or give it a value")
		case kind == KindBatch && strings.HasPrefix(name, "AWS_BATCH"):
			p.Add(k+".environment."+name, "AWS Batch reserves names starting with AWS_BATCH for the values it sets; use another name")
		}
	}
	for _, name := range sortedKeys(s.Permissions) {
		s.Permissions[name].validate(k+".permissions."+name, name, v, p)
	}
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
