package compute

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/sim"
)

// buildPlatform registers every workload of doc the way a stack wires them:
// the albs first, because ec2 and ecs targets need their target group ARNs;
// one ECS cluster shared by every ecs workload; a group per workload.
func buildPlatform(t *testing.T, doc string, v ValidateContext) *sim.Graph {
	t.Helper()
	c := mustConfig(t, doc, v)
	return run(t, func(ctx *pulumi.Context) error {
		sg := func(n string) pulumi.StringInput { return pulumi.String("sg-" + n) }
		albs := map[string]*LoadBalancer{}
		for _, n := range c.Names() {
			if w := c[n]; w.ALB != nil {
				a, err := NewLoadBalancer(ctx, "p-"+n, &LoadBalancerArgs{
					Workload: n, Spec: *w.ALB, Targets: c.ALBTargets(n), VpcID: pulumi.String("vpc-0test"),
					PublicSubnetIDs: ids(publicSubnets), PrivateSubnetIDs: ids(privateSubnets), SecurityGroupID: sg(n),
					Env: testEnv, Protect: v.Protect, Tags: testTags,
				})
				if err != nil {
					return err
				}
				albs[n] = a
			}
		}
		targetGroups := func(n string) pulumi.StringArray {
			var out pulumi.StringArray
			for _, a := range c.RoutedBy(n) {
				out = append(out, albs[a].TargetGroupARNs[n])
			}
			return out
		}
		requestLabels := func(n string) map[string]pulumi.StringInput {
			out := map[string]pulumi.StringInput{}
			for _, a := range c.RoutedBy(n) {
				out[a] = albs[a].RequestLabels[n]
			}
			return out
		}
		var cluster *Cluster
		for _, n := range c.Names() {
			var err error
			switch w := c[n]; {
			case w.EC2 != nil:
				_, err = NewFleet(ctx, "p-"+n, &FleetArgs{Workload: n, Spec: *w.EC2, PrivateSubnetIDs: ids(privateSubnets),
					SecurityGroupID: sg(n), TargetGroupARNs: targetGroups(n), RequestLabels: requestLabels(n), Env: testEnv, Protect: v.Protect, Tags: testTags})
			case w.ECS != nil:
				if cluster == nil {
					if cluster, err = NewCluster(ctx, "p-ecs", &ClusterArgs{Env: testEnv, Protect: v.Protect, Tags: testTags}); err != nil {
						return err
					}
				}
				_, err = NewService(ctx, "p-"+n, &ServiceArgs{Workload: n, Spec: *w.ECS, ClusterARN: cluster.ARN, ClusterName: cluster.Name,
					PrivateSubnetIDs: ids(privateSubnets), SecurityGroupID: sg(n), TargetGroupARNs: targetGroups(n),
					RequestLabels: requestLabels(n), Env: testEnv, Protect: v.Protect, Tags: testTags})
			case w.Lambda != nil:
				_, err = NewFunction(ctx, "p-"+n, &FunctionArgs{Workload: n, Spec: *w.Lambda, PrivateSubnetIDs: ids(privateSubnets),
					SecurityGroupID: sg(n), Env: testEnv, Protect: v.Protect, Tags: testTags})
			case w.Batch != nil:
				_, err = NewBatchJob(ctx, "p-"+n, &BatchJobArgs{Workload: n, Spec: *w.Batch, PrivateSubnetIDs: ids(privateSubnets),
					SecurityGroupID: sg(n), Env: testEnv, Protect: v.Protect, Tags: testTags})
			case w.Aurora != nil:
				_, err = NewDatabase(ctx, "p-"+n, &DatabaseArgs{Workload: n, Spec: *w.Aurora, IsolatedSubnetIDs: ids(isolatedSubnets),
					IsolatedAZs: isolatedAZs, SecurityGroupID: sg(n), Env: testEnv, Protect: v.Protect, Tags: testTags})
			case w.Cache != nil:
				_, err = NewCache(ctx, "p-"+n, &CacheArgs{Workload: n, Spec: *w.Cache, IsolatedSubnetIDs: ids(isolatedSubnets),
					SecurityGroupID: sg(n), Env: testEnv, Protect: v.Protect, Tags: testTags})
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// componentWorkload is the workload a resource belongs to, from its
// component parent's name ("p-api" -> "api"); "" for the shared cluster.
func componentWorkload(r sim.Resource) string {
	i := strings.LastIndex(r.Parent, "::")
	if i < 0 || strings.Contains(r.Parent, "platform:compute:Cluster") {
		return ""
	}
	return strings.TrimPrefix(r.Parent[i+2:], "p-")
}

func TestPlatform_EveryWorkloadKindBuildsTogetherWithoutCollisions(t *testing.T) {
	g := buildPlatform(t, platformDoc, prodCtx)
	components := map[string]int{}
	for _, r := range g.Resources {
		if !r.Custom {
			components[r.Type]++
		}
	}
	equal(t, "components", components, map[string]int{
		"platform:compute:LoadBalancer": 1, "platform:compute:Fleet": 1, "platform:compute:Cluster": 1,
		"platform:compute:Service": 2, "platform:compute:Function": 1, "platform:compute:BatchJob": 1,
		"platform:compute:Database": 1, "platform:compute:Cache": 1,
	})
	checkParentsAndNames(t, g, "p-")
}

func TestPlatform_EveryTaggedResourceNamesItsWorkload(t *testing.T) {
	g := buildPlatform(t, platformDoc, prodCtx)
	for _, r := range g.Resources {
		tags, ok := r.Inputs["tags"].(map[string]any)
		if !r.Custom || !ok {
			continue
		}
		if r.Type == tASG {
			continue // autoscaling tags are a list, checked below
		}
		equal(t, r.Name+" component", tags["platform:component"], "compute")
		equal(t, r.Name+" team", tags["team"], "web")
		if w := componentWorkload(r); w != "" {
			equal(t, r.Type+" "+r.Name+" workload", tags["platform:workload"], w)
		}
		if tags["Name"] == nil {
			t.Errorf("%s %s has no Name tag", r.Type, r.Name)
		}
	}
	found := false
	for _, tag := range named(t, g, tASG, "p-legacy").Inputs["tags"].([]any) {
		if at(tag, "key") == "platform:workload" {
			found = at(tag, "value") == "legacy"
		}
	}
	equal(t, "asg workload tag", found, true)
}

// Placement: compute gets only private subnets, data stores only isolated
// ones, the internet-facing alb only public ones.
func TestPlatform_EveryKindIsPlacedInItsTier(t *testing.T) {
	g := buildPlatform(t, platformDoc, prodCtx)
	tier := map[string][]string{
		"platform:compute:LoadBalancer": publicSubnets,
		"platform:compute:Fleet":        privateSubnets, "platform:compute:Service": privateSubnets,
		"platform:compute:Function": privateSubnets, "platform:compute:BatchJob": privateSubnets,
		"platform:compute:Database": isolatedSubnets, "platform:compute:Cache": isolatedSubnets,
	}
	checked := map[string]bool{}
	for _, r := range g.Resources {
		for _, path := range [][]any{{"subnets"}, {"subnetIds"}, {"vpcZoneIdentifiers"}, {"vpcConfig", "subnetIds"},
			{"networkConfiguration", "subnets"}, {"computeResources", "subnets"}} {
			v := at(r.Inputs, path...)
			if v == nil {
				continue
			}
			parent, _ := g.Get(r.Parent)
			equal(t, r.Type+" "+r.Name+" subnets", strs(v), tier[parent.Type])
			checked[parent.Type] = true
		}
	}
	equal(t, "component types placed", len(checked), len(tier))
}

func TestPlatform_NothingGetsAPublicAddress(t *testing.T) {
	g := buildPlatform(t, platformDoc, prodCtx)
	for _, r := range g.Resources {
		doc := strings.ToLower(string(mustJSON(t, r.Inputs)))
		for _, bad := range []string{`"assignpublicip":true`, `"publiclyaccessible":true`, `associatepublicipaddress`, `"mappubliciponlaunch":true`, `\"assignpublicip\":\"enabled\"`} {
			if strings.Contains(doc, bad) {
				t.Errorf("%s %s: %s", r.Type, r.Name, bad)
			}
		}
		if strings.Contains(r.Type, "eip") || strings.Contains(r.Type, "keyPair") {
			t.Errorf("%s %s registered", r.Type, r.Name)
		}
	}
}

func TestPlatform_EveryRoleTrustsExactlyOneServiceThroughJSON(t *testing.T) {
	g := buildPlatform(t, platformDoc, prodCtx)
	want := map[string]string{
		"p-legacy-role": "ec2.amazonaws.com", "p-thumbs-role": "lambda.amazonaws.com",
		"p-api-exec": "ecs-tasks.amazonaws.com", "p-api-task": "ecs-tasks.amazonaws.com",
		"p-frontend-exec": "ecs-tasks.amazonaws.com", "p-frontend-task": "ecs-tasks.amazonaws.com",
		"p-report-exec": "ecs-tasks.amazonaws.com", "p-report-job": "ecs-tasks.amazonaws.com",
	}
	got := map[string]string{}
	for _, r := range g.OfType(tRole) {
		doc := jsonIn(t, r.Inputs["assumeRolePolicy"])
		equal(t, r.Name+" version", at(doc, "Version"), "2012-10-17")
		equal(t, r.Name+" statements", len(at(doc, "Statement").([]any)), 1)
		got[r.Name], _ = at(doc, "Statement", 0, "Principal", "Service").(string)
	}
	equal(t, "trusted services", got, want)
}
