package stack_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/stack"
)

// validValues is a small, complete stack config; each case breaks one thing.
func validValues() map[string]string {
	return map[string]string{
		"aws:region":      "us-east-1",
		"aws:defaultTags": `{"tags":{"project":"platform","stack":"test","owner":"sre"}}`,
		"platform:network": `{"cidr":"10.0.0.0/16","azCount":2,"nat":"single",
			"tiers":{"public":{"prefixLength":24},"private":{"prefixLength":20},"isolated":{"prefixLength":24}},
			"endpoints":["ssm","logs"]}`,
	}
}

// withNetwork edits the network object of validValues.
func withNetwork(t *testing.T, edit func(n map[string]any)) map[string]string {
	t.Helper()
	v := validValues()
	var n map[string]any
	if err := json.Unmarshal([]byte(v["platform:network"]), &n); err != nil {
		t.Fatal(err)
	}
	edit(n)
	b, _ := json.Marshal(n)
	v["platform:network"] = string(b)
	return v
}

func TestParse_AcceptsAValidStack(t *testing.T) {
	c, err := stack.Parse("test", validValues())
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "test" || c.Network.CIDR.String() != "10.0.0.0/16" || c.Network.AZCount != 2 || c.Network.NAT != "single" {
		t.Errorf("parsed %+v", c)
	}
}

func TestParse_RejectsBadValuesNamingKeyAndFix(t *testing.T) {
	tests := []struct {
		name   string
		values func(t *testing.T) map[string]string
		want   []string
	}{
		{"malformed CIDR", func(t *testing.T) map[string]string {
			return withNetwork(t, func(n map[string]any) { n["cidr"] = "10.0.0.0/33" })
		}, []string{`platform:network.cidr: "10.0.0.0/33" is not a CIDR (prefix length out of range); write a block such as 10.0.0.0/16`}},
		{"CIDR with host bits", func(t *testing.T) map[string]string {
			return withNetwork(t, func(n map[string]any) { n["cidr"] = "10.0.3.0/16" })
		}, []string{`platform:network.cidr: "10.0.3.0/16" has host bits set; did you mean 10.0.0.0/16?`}},
		{"public address space", func(t *testing.T) map[string]string {
			return withNetwork(t, func(n map[string]any) { n["cidr"] = "8.8.0.0/16" })
		}, []string{`platform:network.cidr: "8.8.0.0/16" is not in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10); use RFC 1918 space`}},
		{"overlapping ranges", func(t *testing.T) map[string]string {
			return withNetwork(t, func(n map[string]any) { n["otherNetworks"] = []any{"10.0.128.0/17", "192.168.0.0/16"} })
		}, []string{`platform:network.otherNetworks[0]: 10.0.128.0/17 overlaps the VPC block 10.0.0.0/16; pick a VPC block outside every network it must reach`}},
		{"VPC block too small for the tiers", func(t *testing.T) map[string]string {
			return withNetwork(t, func(n map[string]any) { n["cidr"] = "10.0.0.0/22" })
		}, []string{
			`platform:network.tiers.isolated.prefixLength: /24 subnets do not fit: the isolated tier owns 10.0.3.0/24 in 10.0.0.0/22, room for 8 zones of /27 or smaller; use a longer prefix or a larger VPC block`,
			`platform:network.tiers.private.prefixLength: /20 subnets do not fit: the private tier owns 10.0.0.0/23 in 10.0.0.0/22, room for 8 zones of /26 or smaller; use a longer prefix or a larger VPC block`,
			`platform:network.tiers.public.prefixLength: /24 subnets do not fit: the public tier owns 10.0.2.0/24 in 10.0.0.0/22, room for 8 zones of /27 or smaller; use a longer prefix or a larger VPC block`,
		}},
		{"VPC block too small for even the smallest subnets", func(t *testing.T) map[string]string {
			return withNetwork(t, func(n map[string]any) { n["cidr"] = "10.0.0.0/28" })
		}, []string{
			`platform:network.tiers.isolated.prefixLength: /24 subnets do not fit: the isolated tier owns 10.0.0.12/30 in 10.0.0.0/28, too small for 8 zones of even /28, the smallest subnet AWS allows; use a VPC block of /19 or larger (a smaller number)`,
			`platform:network.tiers.private.prefixLength: /20 subnets do not fit: the private tier owns 10.0.0.0/29 in 10.0.0.0/28, too small for 8 zones of even /28, the smallest subnet AWS allows; use a VPC block of /16 or larger (a smaller number)`,
			`platform:network.tiers.public.prefixLength: /24 subnets do not fit: the public tier owns 10.0.0.8/30 in 10.0.0.0/28, too small for 8 zones of even /28, the smallest subnet AWS allows; use a VPC block of /19 or larger (a smaller number)`,
		}},
		{"VPC block smaller than AWS allows is reported once, at the block", func(t *testing.T) map[string]string {
			return withNetwork(t, func(n map[string]any) { n["cidr"] = "10.0.0.0/29" })
		}, []string{`platform:network.cidr: "10.0.0.0/29": a VPC block must be between /16 and /28`}},
		{"empty and IPv6 entries in otherNetworks", func(t *testing.T) map[string]string {
			return withNetwork(t, func(n map[string]any) { n["otherNetworks"] = []any{"", nil, "fd00::/8", "192.168.0.0/16"} })
		}, []string{
			`platform:network.otherNetworks[0]: empty; write the block of a network the VPC must not overlap, such as 10.1.0.0/16, or remove the entry`,
			`platform:network.otherNetworks[1]: empty; write the block of a network the VPC must not overlap, such as 10.1.0.0/16, or remove the entry`,
			`platform:network.otherNetworks[2]: fd00::/8 is not an IPv4 block; the VPC's block is IPv4, so list the IPv4 blocks of the networks it must not overlap`,
		}},
		{"one AZ", func(t *testing.T) map[string]string {
			return withNetwork(t, func(n map[string]any) { n["azCount"] = 1 })
		}, []string{`platform:network.azCount: 1 is out of range; use 2 to 6 zones`}},
		{"seven AZs", func(t *testing.T) map[string]string {
			return withNetwork(t, func(n map[string]any) { n["azCount"] = 7 })
		}, []string{`platform:network.azCount: 7 is out of range; use 2 to 6 zones`}},
		{"AZs in another region", func(t *testing.T) map[string]string {
			return withNetwork(t, func(n map[string]any) {
				delete(n, "azCount")
				n["availabilityZones"] = []any{"us-east-1a", "eu-west-1b"}
			})
		}, []string{`platform:network.availabilityZones[1]: "eu-west-1b" is not in aws:region us-east-1`}},
		{"unknown NAT mode", func(t *testing.T) map[string]string {
			return withNetwork(t, func(n map[string]any) { n["nat"] = "multi" })
		}, []string{`platform:network.nat: "multi" is not a NAT mode; use none, single or perAz`}},
		{"zero prefix length", func(t *testing.T) map[string]string {
			return withNetwork(t, func(n map[string]any) { n["tiers"].(map[string]any)["public"] = map[string]any{"prefixLength": 0} })
		}, []string{`platform:network.tiers.public.prefixLength: must be a positive prefix length such as 24, got 0`}},
		{"negative prefix length", func(t *testing.T) map[string]string {
			return withNetwork(t, func(n map[string]any) { n["tiers"].(map[string]any)["private"] = map[string]any{"prefixLength": -20} })
		}, []string{`platform:network.tiers.private.prefixLength: must be a positive prefix length such as 24, got -20`}},
		{"negative retention", func(t *testing.T) map[string]string {
			return withNetwork(t, func(n map[string]any) { n["flowLogs"] = map[string]any{"retentionDays": -1} })
		}, []string{`platform:network.flowLogs.retentionDays: -1 is not a retention CloudWatch accepts; use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653`}},
		{"unknown tier", func(t *testing.T) map[string]string {
			return withNetwork(t, func(n map[string]any) { n["tiers"].(map[string]any)["database"] = map[string]any{"prefixLength": 24} })
		}, []string{`platform:network.tiers.database: unknown tier; use public, private or isolated`}},
		{"unknown endpoint service", func(t *testing.T) map[string]string {
			return withNetwork(t, func(n map[string]any) { n["endpoints"] = []any{"ssm", "ssmmesages"} })
		}, []string{`platform:network.endpoints[1]: "ssmmesages" is not a supported interface endpoint; did you mean "ssmmessages"?`}},
		{"gateway service listed as interface", func(t *testing.T) map[string]string {
			return withNetwork(t, func(n map[string]any) { n["endpoints"] = []any{"s3"} })
		}, []string{`platform:network.endpoints[0]: "s3" is always created as a free gateway endpoint; remove it from this list`}},
		{"missing network", func(t *testing.T) map[string]string {
			v := validValues()
			delete(v, "platform:network")
			return v
		}, []string{`platform:network: required; The VPC: cidr, azCount or availabilityZones (zone names or zone IDs such as use1-az1), tiers (public/private/isolated prefixLength), nat (none|single|perAz), endpoints (interface endpoint services), flowLogs {enabled, retentionDays}, otherNetworks.`}},
		{"missing cidr and nat", func(t *testing.T) map[string]string {
			return withNetwork(t, func(n map[string]any) { delete(n, "cidr"); delete(n, "nat") })
		}, []string{
			`platform:network.cidr: required; set the VPC block, e.g. 10.0.0.0/16`,
			`platform:network.nat: required; use none, single or perAz`,
		}},
		{"missing region", func(t *testing.T) map[string]string {
			v := validValues()
			delete(v, "aws:region")
			return v
		}, []string{"aws:region: required; set it with `pulumi config set aws:region us-east-1`"}},
		{"typo in a top-level key", func(t *testing.T) map[string]string {
			v := validValues()
			v["platform:protec"] = "true"
			return v
		}, []string{`platform:protec: unknown key; did you mean "platform:protect"?`}},
		{"typo in a nested key", func(t *testing.T) map[string]string {
			return withNetwork(t, func(n map[string]any) { n["azCnt"] = 3 })
		}, []string{`platform:network.azCnt: unknown key; did you mean "azCount"?`}},
		{"wrong type", func(t *testing.T) map[string]string {
			return withNetwork(t, func(n map[string]any) { n["azCount"] = "three" })
		}, []string{`platform:network.azCount: want a whole number, got "three"`}},
		{"network is not an object", func(t *testing.T) map[string]string {
			v := validValues()
			v["platform:network"] = "10.0.0.0/16"
			return v
		}, []string{`platform:network: want an object, got "10.0.0.0/16"`}},
		{"production with a single NAT", func(t *testing.T) map[string]string {
			v := validValues()
			v["platform:protect"] = "true"
			return v
		}, []string{`platform:network.nat: a protected (production) stack needs perAz: with one NAT gateway, losing its zone cuts every zone's egress; use perAz`}},
		{"NAT without a public tier", func(t *testing.T) map[string]string {
			return withNetwork(t, func(n map[string]any) { delete(n["tiers"].(map[string]any), "public") })
		}, []string{`platform:network.nat: nat single needs a public tier to hold the NAT gateways; add tiers.public or use nat: none`}},
		{"default tags copied from another stack", func(t *testing.T) map[string]string {
			v := validValues()
			v["aws:defaultTags"] = `{"tags":{"project":"platform","stack":"prod","owner":"sre"}}`
			return v
		}, []string{`aws:defaultTags.tags.stack: "prod" does not match the stack name "test"; was this file copied from another stack?`}},
		{"default tags without owner", func(t *testing.T) map[string]string {
			v := validValues()
			v["aws:defaultTags"] = `{"tags":{"project":"platform","stack":"test"}}`
			return v
		}, []string{`aws:defaultTags.tags.owner: required; every resource must say its owner`}},
		{"VPN client range overlapping the VPC", func(t *testing.T) map[string]string {
			v := validValues()
			v["platform:access"] = `{"clientVpn":{"enabled":true,"clientCidr":"10.0.4.0/22",
				"serverCertificateArn":"arn:aws:acm:us-east-1:111122223333:certificate/0f3c9a52-7d0e-4c1b-9a57-2b6f4e8d1c03",
				"clientRootCertificateArn":"arn:aws:acm:us-east-1:111122223333:certificate/6b1e8f24-3a9d-4f70-8c2e-95d07a4b1e6f"}}`
			return v
		}, []string{`platform:access.clientVpn.clientCidr: 10.0.4.0/22 overlaps the VPC block 10.0.0.0/16; choose a client range outside the VPC and every connected network`}},
		{"VPN without certificates or logging", func(t *testing.T) map[string]string {
			v := validValues()
			v["platform:access"] = `{"clientVpn":{"enabled":true,"clientCidr":"10.200.0.0/22","connectionLogging":false}}`
			return v
		}, []string{
			`platform:access.clientVpn.clientRootCertificateArn: required for mutual TLS; import the certificate of the CA that signs client certificates into ACM and give its ARN`,
			`platform:access.clientVpn.connectionLogging: false is not allowed; every VPN connection must be logged`,
			`platform:access.clientVpn.serverCertificateArn: required; import or issue the server certificate in ACM and give its ARN`,
		}},
		{"VPN client range too small", func(t *testing.T) map[string]string {
			v := validValues()
			v["platform:access"] = `{"clientVpn":{"enabled":true,"clientCidr":"10.200.0.0/24",
				"serverCertificateArn":"arn:aws:acm:us-east-1:111122223333:certificate/0f3c9a52-7d0e-4c1b-9a57-2b6f4e8d1c03",
				"clientRootCertificateArn":"arn:aws:acm:us-east-1:111122223333:certificate/6b1e8f24-3a9d-4f70-8c2e-95d07a4b1e6f"}}`
			return v
		}, []string{`platform:access.clientVpn.clientCidr: /24 is too small; Client VPN needs between /12 and /22`}},
		{"nat none with endpoints that leave out Session Manager", func(t *testing.T) map[string]string {
			return withNetwork(t, func(n map[string]any) { n["nat"] = "none"; n["endpoints"] = []any{"ssm", "logs"} })
		}, []string{`platform:network.endpoints: ec2messages is required for Session Manager (the agent's command channel) with nat: none; add ec2messages, ssmmessages, or leave endpoints out to get every required one`}},
		{"a container from outside ECR without internet egress", func(t *testing.T) map[string]string {
			v := validValues()
			v["platform:workloads"] = `{"api":{"kind":"ecs","image":"nginx:1.27"}}`
			return v
		}, []string{`platform:workloads.api.internetEgress: "nginx:1.27" is not in ECR, so pulling it needs the internet; set internetEgress: true (through NAT) or copy the image to ECR`}},
		{"an ECR image without the ECR endpoints or internet egress", func(t *testing.T) map[string]string {
			v := validValues()
			v["platform:workloads"] = `{"jobs":{"kind":"batch","image":"111122223333.dkr.ecr.us-east-1.amazonaws.com/jobs:1"}}`
			return v
		}, []string{`platform:workloads.jobs.internetEgress: the jobs of jobs cannot reach ecr.api (pulling the image), ecr.dkr (pulling the image): add ecr.api, ecr.dkr to platform:network.endpoints, or set internetEgress: true to reach them through the NAT gateway`}},
		{"instances without a way to Session Manager", func(t *testing.T) map[string]string {
			v := validValues()
			v["platform:workloads"] = `{"web":{"kind":"ec2"}}`
			return v
		}, []string{`platform:workloads.web.internetEgress: the instances of web cannot reach ssmmessages (the session channel), ec2messages (the agent's command channel): add ssmmessages, ec2messages to platform:network.endpoints, or set internetEgress: true to reach them through the NAT gateway`}},
		{"a load balancer not allowed into its target", func(t *testing.T) map[string]string {
			v := validValues()
			v["platform:workloads"] = `{"edge":{"kind":"alb","defaultTarget":"web"},"web":{"kind":"ec2","internetEgress":true,"ami":"ami-0abcdef1234567890"}}`
			return v
		}, []string{`platform:security.allow.web: edge forwards to web, but nothing lets edge in; add {from: [edge], reason: "load balancer to web"}`}},
		{"a legacy group that is not a group ID", func(t *testing.T) map[string]string {
			v := validValues()
			v["platform:workloads"] = `{"web":{"kind":"ec2","internetEgress":true,"legacySecurityGroups":["prod-ec2-sg"]}}`
			return v
		}, []string{`platform:workloads.web.legacySecurityGroups[0]: "prod-ec2-sg" is not a security group ID like sg-0a1b2c3d4e5f60718`}},
		{"bad name prefix", func(t *testing.T) map[string]string {
			v := validValues()
			v["platform:name"] = "Prod_Platform"
			return v
		}, []string{`platform:name: "Prod_Platform": use lowercase letters, digits and hyphens, starting with a letter, at most 16 characters`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := stack.Parse("test", tt.values(t))
			got := problems.Messages(err)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("problems:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

func TestParse_NATNoneAddsTheSessionManagerEndpoints(t *testing.T) {
	v := withNetwork(t, func(n map[string]any) { n["nat"] = "none"; delete(n, "endpoints") })
	c, err := stack.Parse("test", v)
	if err != nil {
		t.Fatal(err)
	}
	// Session Manager's own three: this stack neither owns nor describes
	// preferences that encrypt or log sessions.
	if got := strings.Join(c.Network.Endpoints, ","); got != "ec2messages,ssm,ssmmessages" {
		t.Errorf("endpoints %s", got)
	}
}

func TestParse_ReportsEveryProblemAtOnce(t *testing.T) {
	v := withNetwork(t, func(n map[string]any) {
		n["cidr"] = "10.0.0.0/33"
		n["azCount"] = 9
		n["nat"] = "multi"
		n["natt"] = "single"
	})
	v["platform:protec"] = "true"
	delete(v, "aws:region")
	_, err := stack.Parse("test", v)
	got := problems.Messages(err)
	for _, key := range []string{"aws:region", "platform:network.azCount", "platform:network.cidr", "platform:network.nat", "platform:network.natt", "platform:protec"} {
		found := false
		for _, m := range got {
			found = found || strings.HasPrefix(m, key+": ")
		}
		if !found {
			t.Errorf("no problem reported for %s; got:\n  %s", key, strings.Join(got, "\n  "))
		}
	}
	if !strings.HasPrefix(err.Error(), "invalid stack configuration (") {
		t.Errorf("error should lead with a count: %v", err)
	}
}

// The security model's invariants run after the config loads and before any
// resource: a workload over the groups-per-interface quota stops the run.
func TestRun_TooManyLegacyGroupsStopsBeforeAnyResource(t *testing.T) {
	v := validValues()
	v["platform:workloads"] = `{"web":{"kind":"ec2","internetEgress":true,"legacySecurityGroups":
		["sg-0000000000000001a","sg-0000000000000002a","sg-0000000000000003a","sg-0000000000000004a","sg-0000000000000005a"]}}`
	res, err := offline.Run(&stack.File{Path: "legacy", Stack: "test", Values: v})
	want := `platform:workloads.web: "web" would have 6 security groups on its network interfaces (its own and 5 legacy), over the limit of 5; detach legacy groups, or raise the account quota and set platform:security.maxGroupsPerInterface`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v", err)
	}
	if len(res.Graph.Resources) != 0 {
		t.Errorf("%d resources registered", len(res.Graph.Resources))
	}
}

// prodWithAllow is Pulumi.prod.yaml's values with the workloads and security
// objects edited.
func prodWithAllow(t *testing.T, edit func(workloads, security map[string]any)) map[string]string {
	t.Helper()
	f, err := stack.ReadFile("../Pulumi.prod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var w, s map[string]any
	if err := json.Unmarshal([]byte(f.Values["platform:workloads"]), &w); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(f.Values["platform:security"]), &s); err != nil {
		t.Fatal(err)
	}
	edit(w, s)
	bw, _ := json.Marshal(w)
	bs, _ := json.Marshal(s)
	f.Values["platform:workloads"], f.Values["platform:security"] = string(bw), string(bs)
	return f.Values
}

func TestParse_StaleWorkloadNamesInAllowAreReportedWithEveryOtherProblem(t *testing.T) {
	const declared = "declared workloads are: backend, cache, database, edge, endpoints, nightly, thumbnails, vpn, web"
	rename := func(w, _ map[string]any) { w["backend"] = w["api"]; delete(w, "api") }
	for _, tc := range []struct {
		name string
		edit func(w, s map[string]any)
		want []string
	}{
		{"a renamed workload: its route, its own allow entry and the entries naming it", rename, []string{
			`platform:security.allow.api: "api" is not a workload; ` + declared,
			`platform:security.allow.cache[0].from[0]: "api" is not a workload; ` + declared,
			`platform:security.allow.database[0].from[0]: "api" is not a workload; ` + declared,
			`platform:workloads.edge.routes.api.target: "api" is not a declared workload; declare it under platform:workloads or fix the name`,
		}},
		{"a renamed workload whose route is fixed: the missing edge and the stale entries", func(w, s map[string]any) {
			rename(w, s)
			w["edge"].(map[string]any)["routes"].(map[string]any)["api"].(map[string]any)["target"] = "backend"
		}, []string{
			`platform:security.allow.api: "api" is not a workload; ` + declared,
			`platform:security.allow.backend: edge forwards to backend, but nothing lets edge in; add {from: [edge], reason: "load balancer to backend"}`,
			`platform:security.allow.cache[0].from[0]: "api" is not a workload; ` + declared,
			`platform:security.allow.database[0].from[0]: "api" is not a workload; ` + declared,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := stack.Parse("prod", prodWithAllow(t, tc.edit))
			got := problems.Messages(err)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
	// Keywords, group IDs and the built-in endpoints and vpn stay valid.
	if _, err := stack.Parse("prod", prodWithAllow(t, func(_, _ map[string]any) {})); err != nil {
		t.Errorf("the prod stack: %v", err)
	}
}

// A workload's port is a number (port: 6379), and so may a grant's be: YAML
// reads port: 5432 as a number, which is the same rule as port: "5432".
func TestParse_AGrantPortWrittenAsANumberIsThePort(t *testing.T) {
	for _, port := range []any{5432, "5432"} {
		c, err := stack.Parse("prod", prodWithAllow(t, func(_, s map[string]any) {
			db := s["allow"].(map[string]any)["database"].([]any)
			db[0].(map[string]any)["port"] = port
		}))
		if err != nil {
			t.Fatalf("port %#v: %v", port, err)
		}
		if got := c.Security.Allow["database"][0].Port; got != "5432" {
			t.Errorf("port %#v read as %q, want 5432", port, got)
		}
	}
}

// vpn is the Client VPN endpoint's group: with the endpoint off, an allow
// edge from it is told to enable the endpoint, not that vpn is unknown.
func TestParse_AnEdgeFromVPNWithoutTheClientVPNSaysToEnableIt(t *testing.T) {
	values := prodWithAllow(t, func(_, _ map[string]any) {})
	values["platform:access"] = strings.Replace(values["platform:access"], `"enabled":true`, `"enabled":false`, 1)
	_, err := stack.Parse("prod", values)
	want := "platform:security.allow.database[1].from[0]: \"vpn\" is the Client VPN endpoint's group, and platform:access.clientVpn is not enabled; enable it or remove vpn here"
	if got := problems.Messages(err); strings.Join(got, "\n") != want {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
}
