package stack_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/review"
	"github.com/acme/platform/stack"
)

// Every stack file whose NAT gateways carry no workload traffic (no
// workload has internetEgress) says so, with the cost estimate's figure, and
// the setting it names really works: the same stack with nat: none plans
// clean. A stack with a workload that goes out through NAT gets no such advice.
func TestIdleNAT_EveryStackFileSaysWhenItsNATGatewaysCarryNothing(t *testing.T) {
	idleSeen := 0
	for _, path := range everyStackFile(t) {
		t.Run(path, func(t *testing.T) {
			f, err := stack.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			res := runPath(t, path)
			cfg := res.Platform.Design.Config
			if cfg.ImportOnly() {
				if len(res.Graph.OfType("aws:ec2/natGateway:NatGateway")) != 0 {
					t.Error("an import-only stage creates NAT gateways")
				}
				return // it creates none, so none idles
			}
			egress := false
			for _, n := range cfg.Workloads.Names() {
				egress = egress || cfg.Workloads.InternetEgress(n)
			}
			warning := ""
			for _, w := range res.Platform.Warnings() {
				if strings.Contains(w, "NAT gateway(s) carry no workload traffic") {
					warning = w
				}
			}
			if egress || cfg.Network.NAT == "none" {
				if warning != "" {
					t.Errorf("a workload uses the NAT gateways (or there are none), yet: %s", warning)
				}
				return
			}
			idleSeen++
			est, err := review.EstimateCost(res.Graph, res.Platform.Design.Env.Region)
			if err == nil {
				nat, _ := est.Line("NAT gateways")
				eip, _ := est.Line("Elastic IP addresses")
				if want := "cost " + (nat.Monthly + eip.Monthly).String() + " a month"; !strings.Contains(warning, want) {
					t.Fatalf("warning %q lacks %q", warning, want)
				}
			} else if !strings.Contains(warning, "the cost estimate has no prices for "+res.Platform.Design.Env.Region) {
				t.Fatalf("warning %q does not say the region is unpriced", warning)
			}
			// The advice holds: nat: none, with whatever endpoints it names,
			// plans clean, or the warning names what stops it.
			idle, _ := res.Platform.IdleNAT()
			var net map[string]any
			if err := json.Unmarshal([]byte(f.Values["platform:network"]), &net); err != nil {
				t.Fatal(err)
			}
			net["nat"] = "none"
			if eps, ok := net["endpoints"].([]any); ok {
				for svc := range idle.Missing {
					net["endpoints"] = append(eps, svc)
					eps = net["endpoints"].([]any)
				}
			}
			b, _ := json.Marshal(net)
			f.Values["platform:network"] = string(b)
			_, err = offline.Run(f)
			switch {
			case strings.Contains(warning, "nat: none keeps every path working"):
				if err != nil {
					t.Errorf("the warning says nat: none works, but it does not plan: %v", err)
				}
			case strings.Contains(warning, "nat: none would take more than endpoints here: "):
				if err == nil {
					t.Errorf("the warning says nat: none is blocked, but it plans: %s", warning)
				}
			default:
				t.Errorf("warning %q names no cheaper setting", warning)
			}
		})
	}
	if idleSeen == 0 {
		t.Error("no stack file has idle NAT gateways: the advice was never checked")
	}
}

func TestIdleNAT_NamesTheEndpointsNATNoneWouldNeedAndWhetherItPays(t *testing.T) {
	tests := []struct {
		name, endpoints, want string
	}{
		{"two missing: cheaper than one gateway", `["ssm","logs"]`,
			"nat: none keeps every path working once platform:network.endpoints also lists ec2messages (Session Manager (the agent's command channel) with nat: none), ssmmessages (Session Manager (the session channel) with nat: none) (about $29.20 a month), and saves $7.30 a month"},
		{"three missing: dearer than the gateway", `[]`,
			"nat: none would also need endpoints for ec2messages (Session Manager (the agent's command channel) with nat: none), ssm (Session Manager (the SSM agent registers and reads its preferences) with nat: none), ssmmessages (Session Manager (the session channel) with nat: none), about $43.80 a month, which costs more than the gateways: keep them"},
		{"nothing missing", `["ssm","ssmmessages","ec2messages"]`, "every AWS service the workloads need has an endpoint here, so nat: none keeps every path working and saves $36.50 a month"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := validValues()
			v["platform:network"] = strings.Replace(v["platform:network"], `"endpoints":["ssm","logs"]`, `"endpoints":`+tt.endpoints, 1)
			res, err := offline.Run(&stack.File{Path: "nat", Stack: "test", Values: v})
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(res.Platform.Warnings(), "\n")
			if !strings.Contains(got, "platform:network.nat is single, but no workload has internetEgress: the 1 NAT gateway(s) carry no workload traffic and cost $36.50 a month (gateways and their Elastic IPs) plus $0.045 per GB processed") ||
				!strings.Contains(got, tt.want) {
				t.Errorf("warnings:\n%s\nwant %q", got, tt.want)
			}
		})
	}
}

// No advice without gateways, or when one workload goes out through them.
func TestIdleNAT_SilentWhenNATIsUsedOrAbsent(t *testing.T) {
	for name, edit := range map[string]func(v map[string]string){
		"nat none": func(v map[string]string) {
			v["platform:network"] = strings.Replace(v["platform:network"], `"nat":"single"`, `"nat":"none"`, 1)
			v["platform:network"] = strings.Replace(v["platform:network"], `,
			"endpoints":["ssm","logs"]`, ``, 1)
		},
		"one workload with internetEgress": func(v map[string]string) {
			v["platform:workloads"] = `{"fn":{"kind":"lambda","runtime":"python3.12","handler":"a.b","code":{"s3Bucket":"code","s3Key":"a.zip"},"internetEgress":true},
				"other":{"kind":"lambda","runtime":"python3.12","handler":"a.b","code":{"s3Bucket":"code","s3Key":"a.zip"}}}`
		},
	} {
		t.Run(name, func(t *testing.T) {
			v := validValues()
			edit(v)
			res, err := offline.Run(&stack.File{Path: "nat", Stack: "test", Values: v})
			if err != nil {
				t.Fatal(err)
			}
			idle, err := res.Platform.IdleNAT()
			if err != nil || idle != nil {
				t.Errorf("idle %+v, err %v", idle, err)
			}
		})
	}
	// The same stack without the egress is idle: the case above is the boundary.
	v := validValues()
	v["platform:workloads"] = `{"fn":{"kind":"lambda","runtime":"python3.12","handler":"a.b","code":{"s3Bucket":"code","s3Key":"a.zip"}}}`
	res, err := offline.Run(&stack.File{Path: "nat", Stack: "test", Values: v})
	if err != nil {
		t.Fatal(err)
	}
	if idle, _ := res.Platform.IdleNAT(); idle == nil || idle.Gateways != 1 {
		t.Errorf("idle %+v", idle)
	}
}

// The program logs the warnings and the offline plan prints them: both read
// one list, and a caller that edits its copy changes neither.
func TestWarnings_OneListForEveryReader(t *testing.T) {
	res := runPath(t, "../Pulumi.dev.yaml")
	first := res.Platform.Warnings()
	if len(first) == 0 {
		t.Fatal("dev has no warnings to compare")
	}
	want := append([]string(nil), first...)
	first[0] = "edited by a caller"
	if got := res.Platform.Warnings(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("a caller's edit reached the next reader:\n%s", strings.Join(got, "\n"))
	}
}

// An internal load balancer's names in the public zone resolve for anyone
// to addresses only the VPC reaches: the plan says so, and an
// internet-facing one gets no such warning.
func TestWarnings_AnInternalLoadBalancerInThePublicZone(t *testing.T) {
	for _, facing := range []bool{false, true} {
		v := prodWithAllow(t, func(w, _ map[string]any) { w["edge"].(map[string]any)["internetFacing"] = facing })
		res, err := offline.Run(&stack.File{Path: "prod", Stack: "prod", Values: v})
		if err != nil {
			t.Fatalf("internetFacing %v: %v", facing, err)
		}
		got := strings.Join(res.Platform.Warnings(), "\n")
		warned := strings.Contains(got, "edge: an internal load balancer with records in the public zone example.com: anyone can resolve www.example.com, example.com to private addresses")
		if warned == facing {
			t.Errorf("internetFacing %v: warned %v:\n%s", facing, warned, got)
		}
	}
}

// A Client VPN client range in RFC 6598's shared space (100.64.0.0/10), as
// the VPC may use, plans like an RFC 1918 one; just outside that space it is
// public and refused.
func TestClientVPN_TakesARangeOfTheSharedAddressSpace(t *testing.T) {
	for _, c := range []struct {
		cidr string
		ok   bool
	}{{"100.64.0.0/22", true}, {"100.127.252.0/22", true}, {"100.128.0.0/22", false}, {"100.63.252.0/22", false}} {
		f, err := stack.ReadFile("../Pulumi.prod.yaml")
		if err != nil {
			t.Fatal(err)
		}
		var a map[string]any
		if err := json.Unmarshal([]byte(f.Values["platform:access"]), &a); err != nil {
			t.Fatal(err)
		}
		a["clientVpn"].(map[string]any)["clientCidr"] = c.cidr
		b, _ := json.Marshal(a)
		f.Values["platform:access"] = string(b)
		res, err := offline.Run(f)
		if !c.ok {
			if err == nil || !strings.Contains(err.Error(), "platform:access.clientVpn.clientCidr: "+c.cidr+" is not in a private range") {
				t.Errorf("%s: want it refused as public, got %v", c.cidr, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.cidr, err)
		}
		eps := res.Graph.OfType("aws:ec2clientvpn/endpoint:Endpoint")
		if len(eps) != 1 || eps[0].Inputs["clientCidrBlock"] != c.cidr {
			t.Errorf("%s: the Client VPN endpoints are %v", c.cidr, eps)
		}
	}
}
