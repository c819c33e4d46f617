package legacy

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/acme/platform/audit"
	"github.com/acme/platform/internal/decode"
	"github.com/acme/platform/internal/problems"
)

// Config is the stack value platform:migration: where a stack file stands in
// the move of an existing account onto the platform, and the old resources it
// holds.
type Config struct {
	// Snapshot is the audit snapshot folder the migration adopts from: what
	// `go run ./cmd/audit --save DIR` wrote, or the describe-* outputs
	// collected by hand (docs/audit.md). A relative path is taken from the
	// project's root, the folder of Pulumi.yaml. Required.
	Snapshot string `json:"snapshot"`
	// Stages names the migration's stages in order, the same list in every
	// stage file. The last one is the contract: nothing temporary survives it.
	Stages []string `json:"stages"`
	// Stage is the stage this file is; one of Stages.
	Stage string `json:"stage"`
	// ImportOnly registers nothing but imports: the first `pulumi up` of the
	// migration creates, changes and deletes nothing. Only the first stage
	// may say so (a later one would delete what the earlier ones created).
	ImportOnly bool `json:"importOnly,omitempty"`
	// RouteTables are the VPC's route tables, imported as they are (their
	// routes and associations are left alone) and protected.
	RouteTables []string `json:"routeTables,omitempty"`
	// Groups are the VPC's old security groups, by ID: imported with the
	// rules they have, which the stack never edits. Bridges in
	// platform:security.allow may name them; the contract stage deletes
	// them.
	Groups map[string]Kept `json:"groups,omitempty"`
	// Workloads are the old workloads, by a name of the stack's choosing:
	// imported as they are, so that the contract stage removes them in review.
	Workloads map[string]Workload `json:"workloads,omitempty"`
	// PrivateDNSOff lists the interface endpoints (platform:network.endpoints)
	// that come up without private DNS in this stage, or ["*"] for all of
	// them: old workloads still call AWS's public endpoints, and with private
	// DNS on those names would resolve to the endpoints, whose group admits
	// only the stack's workloads. A later stage leaves them out, which turns
	// private DNS on in place (ModifyVpcEndpoint).
	PrivateDNSOff []string `json:"privateDnsOff,omitempty"`
	// Traffic moves the site's name from an old load balancer to the
	// stack's with weighted DNS records, stage by stage.
	Traffic *Traffic `json:"traffic,omitempty"`
}

// PrivateDNSOffFor reports whether an interface endpoint's service comes up
// without private DNS in this stage.
func (c Config) PrivateDNSOffFor(service string) bool {
	return slices.Contains(c.PrivateDNSOff, "*") || slices.Contains(c.PrivateDNSOff, service)
}

// Kept is one imported resource's settings.
type Kept struct {
	// Protect is pulumi's protect option, true unless said otherwise. A stage
	// of its own sets it false before the stage that removes the resource, so
	// the removal is a deliberate, reviewed step.
	Protect *bool `json:"protect,omitempty"`
}

// Protected reports the protect option (default true).
func (k Kept) Protected() bool { return k.Protect == nil || *k.Protect }

// Workload kinds: what an old workload is, and what its IDs name.
const (
	// KindInstances: EC2 instances not in an Auto Scaling group, by ID.
	KindInstances = "instances"
	// KindALB: an Application Load Balancer, by name.
	KindALB = "alb"
	// KindECSService: an ECS service, as <cluster name>/<service name>.
	KindECSService = "ecsService"
	// KindLambda: a Lambda function in the VPC, by name.
	KindLambda = "lambda"
	// KindBatch: a Batch compute environment, by name.
	KindBatch = "batch"
)

// WorkloadKinds lists the kinds in the order they are documented.
var WorkloadKinds = []string{KindInstances, KindALB, KindECSService, KindLambda, KindBatch}

// Workload is one old workload the stack imports.
type Workload struct {
	Kind string `json:"kind"`
	// IDs name what is imported: instance IDs (kind instances, one or more),
	// or one name (the others).
	IDs []string `json:"ids"`
	// Reaches lists the stack's workloads (the adopted data stores) this old
	// workload connects to while it runs: every stage must keep a path open
	// for it, through the store's old groups or a bridge.
	Reaches []string `json:"reaches,omitempty"`
	Kept
}

var (
	stageName      = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$`)
	workloadName   = regexp.MustCompile(`^[a-z]([a-z0-9]|-[a-z0-9]){0,31}$`)
	routeTableID   = regexp.MustCompile(`^rtb-[0-9a-f]{8,17}$`)
	securityGroups = regexp.MustCompile(`^sg-[0-9a-f]{8,17}$`)
)

// IsGroupID reports whether s is written like a security group ID.
func IsGroupID(s string) bool { return securityGroups.MatchString(s) }

// Decode reads the raw value strictly.
func Decode(key string, raw any, p *problems.List) Config {
	var c Config
	decode.Into(key, raw, &c, p)
	return c
}

// Index is the position of a stage in Stages, or -1.
func (c Config) Index(stage string) int { return slices.Index(c.Stages, stage) }

// Contract reports whether this file is the last stage.
func (c Config) Contract() bool {
	return len(c.Stages) > 0 && c.Stage == c.Stages[len(c.Stages)-1]
}

// GroupIDs lists the imported groups, sorted.
func (c Config) GroupIDs() []string { return sortedKeys(c.Groups) }

// WorkloadNames lists the old workloads, sorted.
func (c Config) WorkloadNames() []string { return sortedKeys(c.Workloads) }

// ValidateContext is what Validate needs from the rest of the stack.
type ValidateContext struct {
	// VpcID is the adopted VPC (platform:network.existing.vpcId); "" when
	// the stack adopts none, which a migration needs.
	VpcID string
	// Inventory is the loaded snapshot; nil when it could not be read
	// (LoadErr says why).
	Inventory *audit.Inventory
	LoadErr   error
}

// Validate checks the value on its own and against the snapshot, recording
// every problem under key (normally platform:migration).
func (c Config) Validate(key string, v ValidateContext, p *problems.List) {
	switch {
	case c.Snapshot == "":
		p.Add(key+".snapshot", "required: the audit snapshot folder the migration adopts from (go run ./cmd/audit --save DIR), relative to the project's root")
	case v.LoadErr != nil:
		p.Add(key+".snapshot", "%v", v.LoadErr)
	}
	if v.VpcID == "" {
		p.Add(key, "a migration adopts an existing VPC: set platform:network.existing (audit --emit-stack writes it)")
	}
	c.validateStages(key, p)
	inv := v.Inventory
	for i, id := range c.RouteTables {
		k := fmt.Sprintf("%s.routeTables[%d]", key, i)
		switch {
		case !routeTableID.MatchString(id):
			p.Add(k, "%q is not a route table ID like rtb-0a1b2c3d4e5f60718", id)
		case slices.Index(c.RouteTables, id) < i:
			p.Add(k, "%s is listed twice", id)
		case inv != nil:
			rt := findRouteTable(inv, id)
			if rt == nil {
				p.Add(k, "%s is not in the snapshot %s; list the route tables of %s (aws ec2 describe-route-tables)", id, c.Snapshot, v.VpcID)
			} else if v.VpcID != "" && rt.VPCID != v.VpcID {
				p.Add(k, "%s belongs to %s, not to the adopted VPC %s", id, rt.VPCID, v.VpcID)
			}
		}
	}
	for _, id := range c.GroupIDs() {
		k := key + ".groups." + id
		if !securityGroups.MatchString(id) {
			p.Add(k, "%q is not a security group ID like sg-0a1b2c3d4e5f60718", id)
			continue
		}
		if inv == nil {
			continue
		}
		g, ok := inv.SecurityGroup(id)
		switch {
		case !ok:
			p.Add(k, "%s is not in the snapshot %s: a group the stack imports must exist; take a fresh snapshot or remove it", id, c.Snapshot)
		case v.VpcID != "" && g.VPCID != v.VpcID:
			p.Add(k, "%s (%s) belongs to %s, not to the adopted VPC %s", id, g.Name, g.VPCID, v.VpcID)
		case g.Name == "default":
			p.Add(k, "%s is the VPC's default group, which cannot be deleted: platform:network.existing.manageDefaultSecurityGroup empties it instead", id)
		}
	}
	for _, n := range c.WorkloadNames() {
		c.validateWorkload(key+".workloads."+n, n, c.Workloads[n], v, p)
	}
}

func (c Config) validateStages(key string, p *problems.List) {
	if len(c.Stages) == 0 {
		p.Add(key+".stages", "required: the migration's stages in order, the same list in every stage file, e.g. [adopt, expand, data, compute, traffic, contract]")
	}
	for i, s := range c.Stages {
		k := fmt.Sprintf("%s.stages[%d]", key, i)
		switch {
		case !stageName.MatchString(s):
			p.Add(k, "%q is not a stage name; use lowercase letters, digits and hyphens, at most 40 characters", s)
		case slices.Index(c.Stages, s) < i:
			p.Add(k, "%q is listed twice", s)
		}
	}
	switch {
	case c.Stage == "":
		p.Add(key+".stage", "required: the stage this file is, one of stages")
	case len(c.Stages) > 0 && c.Index(c.Stage) < 0:
		p.Add(key+".stage", "%q is not one of stages (%s)", c.Stage, strings.Join(c.Stages, ", "))
	}
	if c.ImportOnly && len(c.Stages) > 0 && c.Stage != c.Stages[0] {
		p.Add(key+".importOnly", "only the first stage (%s) imports only: in stage %s it would delete everything the stages before it created", c.Stages[0], c.Stage)
	}
}

func (c Config) validateWorkload(k, name string, w Workload, v ValidateContext, p *problems.List) {
	if !workloadName.MatchString(name) {
		p.Add(k, "%q is not a name; use lowercase letters, digits and single hyphens, starting with a letter, at most 32 characters", name)
	}
	if !slices.Contains(WorkloadKinds, w.Kind) {
		p.Add(k+".kind", "%q is not an old workload kind; use %s", w.Kind, strings.Join(WorkloadKinds, ", "))
		return
	}
	switch {
	case len(w.IDs) == 0:
		p.Add(k+".ids", "required: %s", idHelp[w.Kind])
		return
	case w.Kind != KindInstances && len(w.IDs) > 1:
		p.Add(k+".ids", "a %s workload names one resource, got %d; declare one workload each", w.Kind, len(w.IDs))
		return
	}
	if v.Inventory == nil {
		return
	}
	for i, id := range w.IDs {
		ik := fmt.Sprintf("%s.ids[%d]", k, i)
		if slices.Index(w.IDs, id) < i {
			p.Add(ik, "%s is listed twice", id)
			continue
		}
		found, err := Find(v.Inventory, w.Kind, id)
		if err != nil {
			p.Add(ik, "%v in the snapshot %s", err, c.Snapshot)
			continue
		}
		if v.VpcID != "" && found.VPC != "" && found.VPC != v.VpcID {
			p.Add(ik, "%s runs in %s, not in the adopted VPC %s", id, found.VPC, v.VpcID)
		}
		for _, g := range found.Groups {
			if _, ok := c.Groups[g]; ok {
				continue
			}
			if sg, ok := v.Inventory.SecurityGroup(g); ok && sg.Name == "default" {
				continue
			}
			p.Add(ik, "%s uses the security group %s, which is not imported: add it under %s", id, g, strings.TrimSuffix(k, ".workloads."+name)+".groups")
		}
	}
}

var idHelp = map[string]string{
	KindInstances:  "the EC2 instance IDs, e.g. [i-0a1b2c3d4e5f60718]",
	KindALB:        "the load balancer's name, e.g. [prod-web]",
	KindECSService: "the service as <cluster name>/<service name>, e.g. [prod-cluster/prod-api]",
	KindLambda:     "the function's name, e.g. [prod-thumbnailer]",
	KindBatch:      "the compute environment's name, e.g. [prod-nightly]",
}

func findRouteTable(inv *audit.Inventory, id string) *audit.RouteTable {
	for i := range inv.RouteTables {
		if inv.RouteTables[i].ID == id {
			return &inv.RouteTables[i]
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
