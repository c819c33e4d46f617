package security

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/acme/platform/internal/problems"
)

type setup struct {
	ws  []Workload
	cfg Config
	env Env
}

func (s *setup) grant(target string, g Grant) { s.cfg.Allow[target] = append(s.cfg.Allow[target], g) }
func (s *setup) workload(w Workload)          { s.ws = append(s.ws, w) }
func (s *setup) find(name string) *Workload {
	for i := range s.ws {
		if s.ws[i].Name == name {
			return &s.ws[i]
		}
	}
	panic("no workload " + name)
}
func (s *setup) withVPN() {
	s.env.VPNClientCIDR = netip.MustParsePrefix("10.100.0.0/22")
	s.workload(Workload{Name: "vpn", Kind: KindVPN})
}

const declared = "declared workloads are: api, database, edge, web"

// Every invariant, violated once, with the exact problem it produces.
func TestEveryInvariantIsAProblemAtItsConfigKey(t *testing.T) {
	cases := []struct {
		name   string
		change func(s *setup)
		want   []string
	}{
		// edges to or from unknown workloads
		{"a source must be a declared workload", func(s *setup) {
			s.cfg.Allow["web"][0].From = []string{"edge", "jobz"}
		}, []string{`platform:security.allow.web[0].from[1]: "jobz" is not a workload; ` + declared}},
		{"a target must be a declared workload", func(s *setup) {
			s.grant("jobz", Grant{From: []string{"api"}})
		}, []string{`platform:security.allow.jobz: "jobz" is not a workload; ` + declared}},
		{"a source keyword is not a target", func(s *setup) {
			s.grant("internet", Grant{From: []string{"edge"}})
		}, []string{`platform:security.allow.internet: "internet" is a source keyword, not a workload; list it under from of the workload it may reach`}},

		// address ranges
		{"a CIDR source cannot be written", func(s *setup) {
			s.grant("database", Grant{From: []string{"10.0.0.0/8"}})
		}, []string{`platform:security.allow.database[1].from[0]: "10.0.0.0/8" is an address range, and rules between workloads name security groups, never addresses; list the workload that lives there (only "internet" and "vpn-clients" stand for ranges)`}},
		{"internet only reaches an alb", func(s *setup) {
			s.grant("database", Grant{From: []string{"internet"}})
		}, []string{`platform:security.allow.database[1].from[0]: "internet" may only reach an internet-facing alb, and "database" (aurora) is not one; allow an internet-facing alb here instead`}},
		{"internet only reaches an internet-facing alb", func(s *setup) {
			s.find("edge").InternetFacing = false
			s.grant("edge", Grant{From: []string{"internet"}})
		}, []string{`platform:security.allow.edge[0].from[0]: "internet" may only reach an internet-facing alb, and "edge" (alb) is not one; allow an internet-facing alb here instead`}},
		{"internet only on 443 and 80", func(s *setup) {
			s.find("edge").Port = TCPRange(443, 2000)
			s.grant("edge", Grant{From: []string{"internet"}, Port: "1443"})
		}, []string{`platform:security.allow.edge[0].from[0]: "internet" may only reach "edge" on tcp-443 or tcp-80, not tcp-1443`}},
		{"vpn-clients only when the VPN is enabled", func(s *setup) {
			s.grant("database", Grant{From: []string{"vpn-clients"}, Port: "5432"})
		}, []string{`platform:security.allow.database[1].from[0]: "vpn-clients" needs the Client VPN, which is not enabled; enable it or remove "vpn-clients"`}},
		{"vpn-clients only on an explicit port", func(s *setup) {
			s.withVPN()
			s.grant("database", Grant{From: []string{"vpn-clients"}})
		}, []string{`platform:security.allow.database[1].from[0]: "vpn-clients" needs an explicit port on its grant, as an address range is never implied; add port: "5432" (or a narrower port)`}},
		{"the VPN client range is private", func(s *setup) {
			s.withVPN()
			s.env.VPNClientCIDR = netip.MustParsePrefix("0.0.0.0/0")
		}, []string{`platform:network: the Client VPN client range 0.0.0.0/0 must be a private IPv4 range from /12 to /22; it becomes a rule source and may never be a public range`}},
		{"the VPN client range is private: just past the shared space is public", func(s *setup) {
			s.withVPN()
			s.env.VPNClientCIDR = netip.MustParsePrefix("100.128.0.0/22")
		}, []string{`platform:network: the Client VPN client range 100.128.0.0/22 must be a private IPv4 range from /12 to /22; it becomes a rule source and may never be a public range`}},

		// SSH and RDP
		{"never 22", func(s *setup) {
			s.grant("web", Grant{From: []string{"api"}, Port: "22"})
		}, []string{`platform:security.allow.web[1].port: tcp-22 includes 22 (SSH); SSH and RDP are never opened: use SSM Session Manager instead`}},
		{"never a range containing 3389", func(s *setup) {
			s.workload(Workload{Name: "legacy", Kind: KindEC2, Port: TCPRange(4000, 5000)})
			s.grant("legacy", Grant{From: []string{"api"}, Port: "3000-4000"})
		}, []string{`platform:security.allow.legacy[0].port: tcp-3000-4000 includes 3389 (RDP); SSH and RDP are never opened: use SSM Fleet Manager instead`}},
		{"never a service port containing 22", func(s *setup) {
			s.workload(Workload{Name: "bastion", Kind: KindEC2, Port: TCPRange(1, 1024)})
		}, []string{`platform:compute.bastion: service port tcp-1-1024 includes 22 (SSH); SSH and RDP are never opened: use SSM Session Manager instead`}},

		// ports
		{"no range wider than the target's service port", func(s *setup) {
			s.grant("web", Grant{From: []string{"api"}, Port: "8000-8100"})
		}, []string{`platform:security.allow.web[1].port: tcp-8000-8100 is not inside the service port of "web" (tcp-8080); use a port within it, or leave port out to use it`}},
		{"a grant keeps the target's protocol", func(s *setup) {
			s.cfg.Allow["database"][0].Port = "udp/5432"
		}, []string{`platform:security.allow.database[0].port: udp-5432 is not inside the service port of "database" (tcp-5432); use a port within it, or leave port out to use it`}},
		{"protocol all is rejected in a grant", func(s *setup) {
			s.cfg.Allow["database"][0].Port = "-1"
		}, []string{`platform:security.allow.database[0].port: protocol "-1" means all traffic, which is never allowed; name a tcp or udp port`}},
		{"protocol must be tcp or udp in a grant", func(s *setup) {
			s.cfg.Allow["database"][0].Port = "icmp/8"
		}, []string{`platform:security.allow.database[0].port: protocol "icmp" is not supported; use tcp or udp`}},
		{"protocol must be tcp or udp on a workload", func(s *setup) {
			s.find("database").Port = Port{Protocol: "-1", From: 0, To: 65535}
		}, []string{`platform:compute.database: service port: protocol "-1" means all traffic, which is never allowed; name a tcp or udp port`}},

		// targets that accept nothing
		{"a lambda cannot be a target", func(s *setup) {
			s.workload(Workload{Name: "worker", Kind: KindLambda})
			s.grant("worker", Grant{From: []string{"api"}})
		}, []string{`platform:security.allow.worker: "worker" is a lambda workload and accepts no connections; remove platform:security.allow.worker (it can still be a source in another workload's from list)`}},
		{"the vpn cannot be a target", func(s *setup) {
			s.withVPN()
			s.grant("vpn", Grant{From: []string{"vpn-clients"}, Port: "443"})
		}, []string{`platform:security.allow.vpn: "vpn" is a vpn workload and accepts no connections; remove platform:security.allow.vpn (it can still be a source in another workload's from list)`}},
		{"a workload without a port cannot be a target", func(s *setup) {
			s.workload(Workload{Name: "poller", Kind: KindEC2})
			s.grant("poller", Grant{From: []string{"api"}})
		}, []string{`platform:security.allow.poller: "poller" has no service port, so it accepts no connections; give it a port or remove platform:security.allow.poller`}},
		{"a lambda has no service port", func(s *setup) {
			s.workload(Workload{Name: "worker", Kind: KindLambda, Port: AppHTTP})
		}, []string{`platform:compute.worker: a lambda workload accepts no connections, so it has no service port; remove the port (tcp-8080)`}},
		{"a data store needs a service port", func(s *setup) {
			s.find("database").Port = Port{}
			delete(s.cfg.Allow, "database")
		}, []string{`platform:compute.database: an aurora workload needs a service port (for example tcp-5432)`}},

		// sources
		{"a workload cannot allow itself", func(s *setup) {
			s.cfg.Allow["web"][0].From = []string{"edge", "web"}
		}, []string{`platform:security.allow.web[0].from[1]: "web" cannot allow itself: with one group per workload a self rule opens the port between every member of the workload; remove it`}},
		{"a data store opens no connections", func(s *setup) {
			s.grant("web", Grant{From: []string{"database"}})
		}, []string{`platform:security.allow.web[1].from[0]: "database" (aurora) has no egress: data stores and interface endpoints never open connections; remove it`}},
		{"a grant has sources", func(s *setup) {
			s.grant("web", Grant{Reason: "nobody"})
		}, []string{`platform:security.allow.web[1].from: no sources; list workload names, "internet" or "vpn-clients", or remove the grant`}},
		{"a reason is a valid AWS description", func(s *setup) {
			s.cfg.Allow["database"][0].Reason = "api <-> database"
		}, []string{`platform:security.allow.database[0].reason: reason contains '<', which AWS does not accept in a rule description; use letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*`}},

		// workloads
		{"only compute reaches the internet", func(s *setup) {
			s.find("database").InternetEgress = true
		}, []string{`platform:compute.database: internetEgress is only for compute workloads (batch, ec2, ecs, lambda), not aurora; data stores, load balancers, endpoints and the vpn never reach the internet`}},
		{"only an alb faces the internet", func(s *setup) {
			s.find("web").InternetFacing = true
		}, []string{`platform:compute.web: internetFacing is only for an alb, not ecs; put an internet-facing alb in front of "web" and allow the alb`}},
		{"workload names are unique", func(s *setup) {
			s.workload(Workload{Name: "api", Kind: KindLambda})
		}, []string{`platform:compute.api: duplicate workload name "api" (first declared at platform:compute.api); every workload needs its own name and gets its own security group`}},
		{"kinds are known", func(s *setup) {
			s.workload(Workload{Name: "rds", Kind: "rds", Key: "platform:compute.databases.rds"})
		}, []string{`platform:compute.databases.rds: unknown kind "rds"; use one of alb, aurora, batch, cache, ec2, ecs, lambda`}},
		{"peer names are reserved", func(s *setup) {
			s.workload(Workload{Name: "internet", Kind: KindEC2})
		}, []string{`platform:compute.internet: "internet" is reserved for a rule peer (dynamodb, internet, internet6, s3, vpn-clients); rename the workload`}},
		{"built-in names are reserved", func(s *setup) {
			s.workload(Workload{Name: "vpn", Kind: KindEC2})
		}, []string{`platform:compute.vpn: "vpn" is reserved for the built-in vpn workload; rename the workload`}},
		{"built-ins have their own name", func(s *setup) {
			s.env.InterfaceEndpoints = true
			s.workload(Workload{Name: "endpoints", Kind: KindEndpoints, Port: HTTPS})
			s.workload(Workload{Name: "eps", Kind: KindEndpoints, Port: HTTPS})
		}, []string{`platform:network.eps: a workload of kind endpoints must be named "endpoints": it is built in and added by the stack`}},
		{"names are lowercase words", func(s *setup) {
			s.workload(Workload{Name: "Api_2", Kind: KindEC2})
		}, []string{`platform:compute.Api_2: workload name "Api_2" is not valid; use 1 to 32 lowercase letters, digits and single hyphens, starting with a letter (e.g. "api")`}},
		{"names keep rule names unambiguous", func(s *setup) {
			s.workload(Workload{Name: "sign-in", Kind: KindEC2})
		}, []string{`platform:compute.sign-in: workload name "sign-in" has "in" as a word, which rule names reserve (in, out, tcp, udp); rename the workload`}},
		{"names are not empty", func(s *setup) {
			s.workload(Workload{Kind: KindEC2})
		}, []string{`platform:compute[4]: a workload has an empty name; every workload needs its stable name (its config key)`}},

		// built-ins and network facts
		{"interface endpoints come with their workload", func(s *setup) {
			s.env.InterfaceEndpoints = true
		}, []string{`platform:network: interface endpoints are enabled but no "endpoints" workload (kind endpoints) was passed to security.Build; the stack must add it`}},
		{"the vpn workload comes with the VPN", func(s *setup) {
			s.workload(Workload{Name: "vpn", Kind: KindVPN})
		}, []string{`platform:network: a "vpn" workload was passed to security.Build but the Client VPN is disabled (Env.VPNClientCIDR is not set); the stack must not add it`}},
		{"gateway endpoints are s3 and dynamodb", func(s *setup) {
			s.env.GatewayEndpoints = []string{"s3", "sqs"}
		}, []string{`platform:network: gateway endpoint "sqs" is not supported; gateway endpoints exist for dynamodb and s3 only`}},

		// quotas
		{"ingress rules per group", func(s *setup) {
			s.cfg.MaxRulesPerGroup = 2
			s.cfg.Allow["database"][0].From = []string{"api", "web", "edge"}
		}, []string{`platform:security.allow.database: "database" would have 3 ingress rules, over the limit of 2 rules per group; merge grants into port ranges, or raise the account quota and set platform:security.maxRulesPerGroup`}},
		{"egress rules per group", func(s *setup) {
			s.cfg.MaxRulesPerGroup = 2
			s.workload(Workload{Name: "cache", Kind: KindCache, Port: Redis})
			s.grant("web", Grant{From: []string{"api"}})
			s.grant("cache", Grant{From: []string{"api"}})
		}, []string{`platform:compute.api: "api" would have 3 egress rules, over the limit of 2 rules per group; let fewer workloads be reached from it, or raise the account quota and set platform:security.maxRulesPerGroup`}},
		{"groups per network interface", func(s *setup) {
			s.find("api").ExtraGroups = 5
		}, []string{`platform:compute.api: "api" would have 6 security groups on its network interfaces (its own and 5 legacy), over the limit of 5; detach legacy groups, or raise the account quota and set platform:security.maxGroupsPerInterface`}},
		{"extra groups are not negative", func(s *setup) {
			s.find("api").ExtraGroups = -1
		}, []string{`platform:compute.api: extraGroups must be 0 or more, got -1`}},
		{"maxRulesPerGroup is an AWS quota", func(s *setup) {
			s.cfg.MaxRulesPerGroup = 1001
		}, []string{`platform:security.maxRulesPerGroup: must be between 1 and 1000 (the AWS quota of rules per security group), got 1001; leave it out for the default 60`}},
		{"maxGroupsPerInterface is an AWS quota", func(s *setup) {
			s.cfg.MaxGroupsPerInterface = 17
		}, []string{`platform:security.maxGroupsPerInterface: must be between 1 and 16 (the AWS quota of security groups per network interface), got 17; leave it out for the default 5`}},
		{"rules per interface stay within 1000", func(s *setup) {
			s.cfg.MaxRulesPerGroup = 201
		}, []string{`platform:security.maxRulesPerGroup: 201 rules per group times 5 groups per interface is 1005, over the AWS limit of 1000 rules per network interface; lower maxRulesPerGroup or maxGroupsPerInterface`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := &setup{ws: baseWorkloads(), cfg: baseConfig()}
			c.change(s)
			g, err := Build(s.ws, s.cfg, s.env)
			if err == nil {
				t.Fatalf("Build accepted it; %d rules", len(g.Rules()))
			}
			var pe *problems.Error
			if !errors.As(err, &pe) {
				t.Fatalf("want a *problems.Error, got %T: %v", err, err)
			}
			if got := messages(err); !slices.Equal(got, c.want) {
				t.Errorf("problems:\n got  %q\n want %q", got, c.want)
			}
		})
	}
}

func TestTheBaseOfTheInvariantTableIsValid(t *testing.T) {
	if _, err := Build(baseWorkloads(), baseConfig(), Env{}); err != nil {
		t.Fatal(err)
	}
}

func TestAllProblemsAreReportedInOnePass(t *testing.T) {
	cfg := baseConfig()
	cfg.Allow["web"] = []Grant{
		{From: []string{"edge", "jobz", "web"}},
		{From: []string{"api"}, Port: "8000-8100"},
	}
	cfg.Allow["database"] = append(cfg.Allow["database"], Grant{From: []string{"internet"}, Port: "22"})
	ws := append(baseWorkloads(), Workload{Name: "api", Kind: KindLambda})
	_, err := Build(ws, cfg, Env{})
	want := []string{
		`platform:compute.api: duplicate workload name "api" (first declared at platform:compute.api); every workload needs its own name and gets its own security group`,
		`platform:security.allow.database[1].from[0]: "internet" may only reach an internet-facing alb, and "database" (aurora) is not one; allow an internet-facing alb here instead`,
		`platform:security.allow.database[1].port: tcp-22 includes 22 (SSH); SSH and RDP are never opened: use SSM Session Manager instead`,
		`platform:security.allow.web[0].from[1]: "jobz" is not a workload; ` + declared,
		`platform:security.allow.web[0].from[2]: "web" cannot allow itself: with one group per workload a self rule opens the port between every member of the workload; remove it`,
		`platform:security.allow.web[1].port: tcp-8000-8100 is not inside the service port of "web" (tcp-8080); use a port within it, or leave port out to use it`,
	}
	if got := messages(err); !slices.Equal(got, want) {
		t.Errorf("problems:\n got  %s\n want %s", strings.Join(got, "\n      "), strings.Join(want, "\n      "))
	}
	if !strings.HasPrefix(err.Error(), "invalid stack configuration (6 problems):") {
		t.Errorf("error text: %s", err)
	}
}
