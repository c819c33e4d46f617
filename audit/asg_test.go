package audit_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/acme/platform/audit"
)

// asgSnapshot is a hand-collected folder, in the AWS CLI's shape, of one
// VPC with a public and a private subnet, groups named after what uses
// them (and a group of the same name in another VPC), and the given Auto Scaling, launch template, launch configuration
// and instance outputs.
func asgSnapshot(t *testing.T, files map[string]string) *audit.Inventory {
	t.Helper()
	snap := &audit.Snapshot{Files: map[string][]byte{
		"vpcs.json":    []byte(`{"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]}`),
		"subnets.json": []byte(`{"Subnets": [{"SubnetId": "subnet-pub", "VpcId": "vpc-1", "CidrBlock": "10.0.0.0/24"}, {"SubnetId": "subnet-priv", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24"}]}`),
		"route-tables.json": []byte(`{"RouteTables": [
			{"RouteTableId": "rtb-pub", "VpcId": "vpc-1", "Associations": [{"SubnetId": "subnet-pub"}], "Routes": [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"}]},
			{"RouteTableId": "rtb-priv", "VpcId": "vpc-1", "Associations": [{"SubnetId": "subnet-priv"}], "Routes": [{"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1"}]}]}`),
		"security-groups.json": []byte(`{"SecurityGroups": [
			{"GroupId": "sg-v1", "GroupName": "v1", "VpcId": "vpc-1"}, {"GroupId": "sg-v2", "GroupName": "v2", "VpcId": "vpc-1"},
			{"GroupId": "sg-v3", "GroupName": "v3", "VpcId": "vpc-1"}, {"GroupId": "sg-eni", "GroupName": "eni", "VpcId": "vpc-1"},
			{"GroupId": "sg-other", "GroupName": "other", "VpcId": "vpc-1"}, {"GroupId": "sg-lc-elsewhere", "GroupName": "legacy", "VpcId": "vpc-2"},
			{"GroupId": "sg-lc", "GroupName": "legacy", "VpcId": "vpc-1"}]}`),
		"network-interfaces.json": []byte(`{"NetworkInterfaces": []}`),
		// The account-wide $Latest/$Default call, then a numbered one,
		// back to back as the documented shell loop writes them.
		"launch-template-versions.json": []byte(`{"LaunchTemplateVersions": [
			{"LaunchTemplateId": "lt-web", "LaunchTemplateName": "web", "VersionNumber": 1, "DefaultVersion": true, "LaunchTemplateData": {"SecurityGroupIds": ["sg-v1"]}},
			{"LaunchTemplateId": "lt-web", "LaunchTemplateName": "web", "VersionNumber": 3, "DefaultVersion": false, "LaunchTemplateData": {"SecurityGroupIds": ["sg-v3"]}},
			{"LaunchTemplateId": "lt-web", "LaunchTemplateName": "web", "VersionNumber": 2, "DefaultVersion": false, "LaunchTemplateData": {"NetworkInterfaces": [{"DeviceIndex": 0, "Groups": ["sg-v2", "sg-eni"]}]}},
			{"LaunchTemplateId": "lt-other", "LaunchTemplateName": "other", "VersionNumber": 1, "DefaultVersion": true, "LaunchTemplateData": {"SecurityGroupIds": ["sg-other"]}}]}
			{"LaunchTemplateVersions": [{"LaunchTemplateId": "lt-web", "LaunchTemplateName": "web", "VersionNumber": 1, "DefaultVersion": true, "LaunchTemplateData": {"SecurityGroupIds": ["sg-v1"]}}]}`),
		"autoscaling-launch-configurations.json": []byte(`{"LaunchConfigurations": [{"LaunchConfigurationName": "legacy", "SecurityGroups": ["legacy"]}]}`),
	}}
	for name, content := range files {
		if content == "" {
			delete(snap.Files, name)
			continue
		}
		snap.Files[name] = []byte(content)
	}
	inv, err := audit.LoadSnapshot(snap)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func groupsOf(t *testing.T, inv *audit.Inventory, asg string) []string {
	t.Helper()
	o, ok := inv.Owner(audit.OwnerEC2, asg)
	if !ok {
		t.Fatalf("no owner for %s", asg)
	}
	return o.Groups
}

func TestAutoScalingGroupsOwnTheGroupsOfTheVersionTheyLaunch(t *testing.T) {
	cases := []struct {
		name  string
		group string // the Auto Scaling group's JSON
		want  []string
	}{
		{"no version is the template's default", `{"AutoScalingGroupName": "a", "VPCZoneIdentifier": "subnet-priv", "LaunchTemplate": {"LaunchTemplateId": "lt-web", "LaunchTemplateName": "web"}}`, []string{"sg-v1"}},
		{"$Default", `{"AutoScalingGroupName": "a", "VPCZoneIdentifier": "subnet-priv", "LaunchTemplate": {"LaunchTemplateId": "lt-web", "Version": "$Default"}}`, []string{"sg-v1"}},
		{"$Latest is the highest version", `{"AutoScalingGroupName": "a", "VPCZoneIdentifier": "subnet-priv", "LaunchTemplate": {"LaunchTemplateId": "lt-web", "Version": "$Latest"}}`, []string{"sg-v3"}},
		{"a numbered version, with its network interfaces' groups", `{"AutoScalingGroupName": "a", "VPCZoneIdentifier": "subnet-priv", "LaunchTemplate": {"LaunchTemplateId": "lt-web", "Version": "2"}}`, []string{"sg-eni", "sg-v2"}},
		{"a template named without its id", `{"AutoScalingGroupName": "a", "VPCZoneIdentifier": "subnet-priv", "LaunchTemplate": {"LaunchTemplateName": "web", "Version": "3"}}`, []string{"sg-v3"}},
		{"a mixed instances policy and its overrides", `{"AutoScalingGroupName": "a", "VPCZoneIdentifier": "subnet-priv", "MixedInstancesPolicy": {"LaunchTemplate": {
			"LaunchTemplateSpecification": {"LaunchTemplateId": "lt-web", "Version": "1"},
			"Overrides": [{"InstanceType": "m7g.large", "LaunchTemplateSpecification": {"LaunchTemplateId": "lt-other", "Version": "$Default"}}, {"InstanceType": "m7i.large"}]}}}`, []string{"sg-other", "sg-v1"}},
		{"a launch configuration, its group named in the group's VPC", `{"AutoScalingGroupName": "a", "VPCZoneIdentifier": "subnet-priv", "LaunchConfigurationName": "legacy"}`, []string{"sg-lc"}},
		{"a version that was not read gives nothing", `{"AutoScalingGroupName": "a", "VPCZoneIdentifier": "subnet-priv", "LaunchTemplate": {"LaunchTemplateId": "lt-web", "Version": "7"}}`, []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inv := asgSnapshot(t, map[string]string{"autoscaling-groups.json": `{"AutoScalingGroups": [` + tc.group + `]}`})
			if len(inv.LaunchTemplateVersions) != 4 {
				t.Errorf("a version read twice (by the account-wide call and by number) is one version: %d", len(inv.LaunchTemplateVersions))
			}
			if got := groupsOf(t, inv, "a"); !slices.Equal(got, tc.want) {
				t.Fatalf("groups %v, want %v", got, tc.want)
			}
			// What the group launches is attached to something; the rest
			// is not.
			var unused []string
			for _, f := range ofKind(inv.Findings(), audit.KindUnusedSecurityGroup) {
				unused = append(unused, f.Resource)
			}
			for _, g := range tc.want {
				if slices.Contains(unused, g) {
					t.Errorf("%s is used by the Auto Scaling group, yet reported unused", g)
				}
			}
			if len(unused) != 7-len(tc.want) {
				t.Errorf("unused groups %v: only the group's %v should be in use", unused, tc.want)
			}
		})
	}
}

func TestInstancesAnAutoScalingGroupLaunchedAreReportedThroughIt(t *testing.T) {
	instances := `{"Reservations": [{"Instances": [
		{"InstanceId": "i-member", "State": {"Name": "running"}, "SubnetId": "subnet-pub", "VpcId": "vpc-1", "MetadataOptions": {"HttpTokens": "optional"},
		 "SecurityGroups": [{"GroupId": "sg-v1"}], "Tags": [{"Key": "aws:autoscaling:groupName", "Value": "web-asg"}]},
		{"InstanceId": "i-listed", "State": {"Name": "running"}, "SubnetId": "subnet-pub", "VpcId": "vpc-1", "MetadataOptions": {"HttpTokens": "required"}, "SecurityGroups": [{"GroupId": "sg-v1"}]},
		{"InstanceId": "i-alone", "State": {"Name": "running"}, "SubnetId": "subnet-pub", "VpcId": "vpc-1", "MetadataOptions": {"HttpTokens": "required"}, "SecurityGroups": [{"GroupId": "sg-other"}]},
		{"InstanceId": "i-private-group", "State": {"Name": "running"}, "SubnetId": "subnet-pub", "VpcId": "vpc-1", "MetadataOptions": {"HttpTokens": "required"},
		 "SecurityGroups": [{"GroupId": "sg-v3"}], "Tags": [{"Key": "aws:autoscaling:groupName", "Value": "jobs-asg"}]}]}]}`
	groups := `{"AutoScalingGroups": [
		{"AutoScalingGroupName": "web-asg", "VPCZoneIdentifier": "subnet-pub,subnet-priv", "LaunchTemplate": {"LaunchTemplateId": "lt-web", "Version": "1"}, "Instances": [{"InstanceId": "i-listed"}]},
		{"AutoScalingGroupName": "jobs-asg", "VPCZoneIdentifier": "subnet-priv", "LaunchTemplate": {"LaunchTemplateId": "lt-web", "Version": "3"}}]}`
	inv := asgSnapshot(t, map[string]string{"autoscaling-groups.json": groups, "instances.json": instances})

	o, _ := inv.Owner(audit.OwnerEC2, "web-asg")
	if o == nil || !slices.Equal(o.Members, []string{"i-listed", "i-member"}) {
		t.Fatalf("web-asg's members, by its instance list and by the tag it puts on instances: %+v", o)
	}
	for id, want := range map[string]string{"i-member": "web-asg", "i-listed": "web-asg", "i-alone": ""} {
		if o, _ := inv.Owner(audit.OwnerEC2, id); o == nil || o.LaunchedBy != want {
			t.Errorf("%s launched by %q, want %q", id, o.LaunchedBy, want)
		}
	}
	var public []string
	for _, f := range ofKind(inv.Findings(), audit.KindPublicSubnetWorkload) {
		public = append(public, f.Resource)
		if f.Resource == "web-asg" && (!slices.Contains(f.Related, "i-member") || !strings.Contains(f.Message, "it runs 2 instances: i-listed, i-member")) {
			t.Errorf("web-asg's finding should name its instances: %+v", f)
		}
	}
	// i-private-group's group launches only into private subnets, so
	// nothing reports the subnet it stands in but its own finding.
	if !slices.Equal(public, []string{"i-alone", "i-private-group", "web-asg"}) {
		t.Errorf("public-subnet-workload findings on %v; want the group's members reported through it, the others on their own", public)
	}
	imds := ofKind(inv.Findings(), audit.KindInstanceIMDSv1)
	if len(imds) != 1 || imds[0].Resource != "i-member" || !strings.Contains(imds[0].Message, "launched by Auto Scaling group web-asg") ||
		!strings.Contains(imds[0].Fix, "launch template (or configuration) of Auto Scaling group web-asg") {
		t.Errorf("the member's IMDSv1 finding should point at its group's launch template: %+v", imds)
	}
}
