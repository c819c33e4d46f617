package compute

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/sim"
)

func buildFleet(t *testing.T, doc string, targetGroups ...string) (*sim.Graph, *Fleet) {
	t.Helper()
	c := mustConfig(t, doc, devCtx)
	var f *Fleet
	g := run(t, func(ctx *pulumi.Context) error {
		var err error
		f, err = NewFleet(ctx, "p-app", &FleetArgs{
			Workload:         "app",
			Spec:             *c["app"].EC2,
			PrivateSubnetIDs: ids(privateSubnets),
			SecurityGroupID:  pulumi.String("sg-app"),
			TargetGroupARNs:  pulumi.ToStringArray(targetGroups),
			Env:              testEnv,
			Tags:             testTags,
		})
		return err
	})
	return g, f
}

const fleetDoc = `{"app": {"kind": "ec2", "instanceType": "m7i.large", "minSize": 2, "maxSize": 6, "desiredCapacity": 3,
  "rootVolumeGiB": 50, "userData": "#!/bin/sh\necho hello\n"}}`

func TestFleet_LaunchTemplateEnforcesIMDSv2EncryptionAndNoKeyPair(t *testing.T) {
	g, _ := buildFleet(t, fleetDoc)
	lt := named(t, g, tLT, "p-app")
	if id, _ := lt.Inputs["imageId"].(string); !amiID.MatchString(id) {
		t.Errorf("image %q: the default image is resolved at deploy time and recorded", id)
	}
	equal(t, "instance type", lt.Inputs["instanceType"], "m7i.large")
	equal(t, "metadata", lt.Inputs["metadataOptions"], map[string]any{
		"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 1.0,
	})
	if _, has := lt.Inputs["keyName"]; has {
		t.Error("the launch template names a key pair")
	}
	if _, has := lt.Inputs["networkInterfaces"]; has {
		t.Error("the launch template has a network interface block (the only way to ask for a public IP)")
	}
	equal(t, "root volume", at(lt.Inputs, "blockDeviceMappings", 0), map[string]any{
		"deviceName": "/dev/xvda",
		"ebs":        map[string]any{"volumeType": "gp3", "volumeSize": 50.0, "encrypted": "true", "deleteOnTermination": "true"},
	})
	equal(t, "security groups", strs(lt.Inputs["vpcSecurityGroupIds"]), []string{"sg-app"})
	equal(t, "instance profile", at(lt.Inputs, "iamInstanceProfile", "arn"), named(t, g, tProfile, "p-app-profile").Outputs["arn"])
	equal(t, "user data", lt.Inputs["userData"], base64.StdEncoding.EncodeToString([]byte("#!/bin/sh\necho hello\n")))
	var specs []string
	for _, s := range lt.Inputs["tagSpecifications"].([]any) {
		specs = append(specs, at(s, "resourceType").(string))
		equal(t, "tag spec workload", at(s, "tags", "platform:workload"), "app")
	}
	equal(t, "tag specifications", specs, []string{"instance", "volume", "network-interface"})
	checkParentsAndNames(t, g, "p-app")
	for _, r := range g.Resources {
		if strings.Contains(strings.ToLower(r.Type), "keypair") || strings.Contains(strings.ToLower(r.Type), "eip") {
			t.Errorf("a fleet registered %s", r.Type)
		}
	}
}

func TestFleet_GravitonInstancesBootTheArmImage(t *testing.T) {
	arm, _ := buildFleet(t, `{"app": {"kind": "ec2", "instanceType": "t4g.small"}}`)
	x86, _ := buildFleet(t, `{"app": {"kind": "ec2", "instanceType": "t3.small"}}`)
	a, _ := named(t, arm, tLT, "p-app").Inputs["imageId"].(string)
	x, _ := named(t, x86, tLT, "p-app").Inputs["imageId"].(string)
	if !amiID.MatchString(a) || !amiID.MatchString(x) || a == x {
		t.Errorf("arm64 image %q, x86_64 image %q: want two resolved AMI IDs", a, x)
	}
}

func TestFleet_InstanceRoleHasOnlySessionManager(t *testing.T) {
	g, f := buildFleet(t, fleetDoc)
	role := named(t, g, tRole, "p-app-role")
	equal(t, "trust", jsonIn(t, role.Inputs["assumeRolePolicy"]), map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect": "Allow", "Principal": map[string]any{"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole",
		}},
	})
	equal(t, "managed policies", managedPolicies(g, role), []string{"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"})
	equal(t, "inline policies", len(inlinePolicies(t, g, role)), 0)
	if _, has := role.Inputs["managedPolicyArns"]; has {
		t.Error("an exclusive managedPolicyArns list would stop other layers from attaching policies")
	}
	equal(t, "profile role", named(t, g, tProfile, "p-app-profile").Inputs["role"], role.Outputs["name"])
	if f.Role == nil {
		t.Error("the role is not exposed")
	}
}

func TestFleet_GroupRunsInThePrivateSubnetsFromTheLatestTemplate(t *testing.T) {
	g, _ := buildFleet(t, fleetDoc)
	asg := named(t, g, tASG, "p-app")
	lt := named(t, g, tLT, "p-app")
	equal(t, "subnets", strs(asg.Inputs["vpcZoneIdentifiers"]), privateSubnets)
	equal(t, "sizes", []any{asg.Inputs["minSize"], asg.Inputs["maxSize"], asg.Inputs["desiredCapacity"]}, []any{2.0, 6.0, 3.0})
	equal(t, "launch template", asg.Inputs["launchTemplate"], map[string]any{"id": lt.ID, "version": "1"})
	equal(t, "refresh strategy", at(asg.Inputs, "instanceRefresh", "strategy"), "Rolling")
	equal(t, "refresh keeps capacity", at(asg.Inputs, "instanceRefresh", "preferences", "minHealthyPercentage"), 100.0)
	for _, tag := range asg.Inputs["tags"].([]any) {
		equal(t, "propagate", at(tag, "propagateAtLaunch"), false)
	}
}

func TestFleet_HealthCheckFollowsTheLoadBalancer(t *testing.T) {
	tests := []struct {
		name   string
		groups []string
		check  string
	}{
		{"behind an alb", []string{"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/p-web-app/1"}, "ELB"},
		{"alone", nil, "EC2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, _ := buildFleet(t, fleetDoc, tt.groups...)
			asg := named(t, g, tASG, "p-app")
			equal(t, "health check", asg.Inputs["healthCheckType"], tt.check)
			equal(t, "grace", asg.Inputs["healthCheckGracePeriod"], 300.0)
			if tt.groups != nil {
				equal(t, "target groups", strs(asg.Inputs["targetGroupArns"]), tt.groups)
			}
		})
	}
}

func TestFleet_NothingAnywhereAsksForAPublicIP(t *testing.T) {
	g, _ := buildFleet(t, fleetDoc)
	for _, r := range g.Resources {
		if strings.Contains(strings.ToLower(string(mustJSON(t, r.Inputs))), "associatepublicipaddress") {
			t.Errorf("%s %s mentions a public IP", r.Type, r.Name)
		}
	}
}
