package compute

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/awsenv"
	"github.com/acme/platform/internal/tags"
)

// component is the tag value of platform:component on everything this package creates.
const component = "compute"

// workloadTags are a workload's base tags: the component's plus platform:workload.
func workloadTags(extra map[string]string, workload string) tags.Set {
	return tags.New(component, extra).With("platform:workload", workload)
}

// checkCommon rejects the argument mistakes every constructor shares.
func checkCommon(fn, name, workload string, env awsenv.Env, needAccount bool) error {
	switch {
	case workload == "":
		return fmt.Errorf("compute.%s(%q): Workload (the workload's config name) is required", fn, name)
	case env.Region == "" || env.Partition == "":
		return fmt.Errorf("compute.%s(%q): Env.Region and Env.Partition are required", fn, name)
	case needAccount && env.AccountID == "":
		return fmt.Errorf("compute.%s(%q): Env.AccountID is required", fn, name)
	}
	return nil
}

// assumeRolePolicy is a trust policy letting one AWS service assume a role.
// sourceAccount, when set, limits it to that service acting for this account
// (the confused-deputy guard). Only the ECS task role uses it: EC2, Lambda and
// Batch do not document sending aws:SourceAccount when they assume a role.
func assumeRolePolicy(service, sourceAccount string) (string, error) {
	st := map[string]any{
		"Effect":    "Allow",
		"Principal": map[string]any{"Service": service},
		"Action":    "sts:AssumeRole",
	}
	if sourceAccount != "" {
		st["Condition"] = map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": sourceAccount}}
	}
	b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{st}})
	return string(b), err
}

// newServiceRole registers a role that service may assume, with the managed
// policies attached as separate attachments (named name-<suffix>), so another
// layer can attach more policies later without the two fighting over an
// exclusive list.
func newServiceRole(ctx *pulumi.Context, name, description, service, sourceAccount string,
	env awsenv.Env, tg tags.Set, managed map[string]string, opts ...pulumi.ResourceOption,
) (*iam.Role, []pulumi.Resource, error) {
	trust, err := assumeRolePolicy(service, sourceAccount)
	if err != nil {
		return nil, nil, err
	}
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		Description:      pulumi.String(description),
		AssumeRolePolicy: pulumi.String(trust),
		Tags:             tg.Named(name),
	}, opts...)
	if err != nil {
		return nil, nil, err
	}
	var attachments []pulumi.Resource
	for _, suffix := range sortedKeys(managed) {
		a, err := iam.NewRolePolicyAttachment(ctx, name+"-"+suffix, &iam.RolePolicyAttachmentArgs{
			Role:      role.Name,
			PolicyArn: pulumi.String(env.ManagedPolicy(managed[suffix])),
		}, opts...)
		if err != nil {
			return nil, nil, err
		}
		attachments = append(attachments, a)
	}
	return role, attachments, nil
}

// physicalName is a deterministic AWS name of at most max characters for
// resources whose names are short and unique per account and region (load
// balancers, target groups, replication groups): base, cut to fit, then a
// hash of base and fingerprint. Pulumi's own auto-naming would fail outright
// once base plus its random suffix passes the limit. fingerprint lists the
// values whose change makes AWS replace the resource: a replacement then gets
// a new name, so Pulumi can create it before deleting the old one.
func physicalName(base string, max int, fingerprint ...string) string {
	h := fnv.New32a()
	h.Write([]byte(base))
	for _, f := range fingerprint {
		h.Write([]byte{0})
		h.Write([]byte(f))
	}
	suffix := fmt.Sprintf("%06x", h.Sum32()&0xffffff)
	keep := max - len(suffix) - 1
	if len(base) > keep {
		base = base[:keep]
	}
	return strings.TrimRight(base, "-") + "-" + suffix
}

// groupIDs is what a workload's network interfaces carry: its own group first,
// then any legacy groups kept during a migration.
func groupIDs(own pulumi.StringInput, legacy []string) pulumi.StringArray {
	out := pulumi.StringArray{own}
	for _, id := range legacy {
		out = append(out, pulumi.String(id))
	}
	return out
}
