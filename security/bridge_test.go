package security

import (
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The seed's old database group and its old web group, as a migration
// imports them.
const (
	oldDB  = "sg-0828695f48c0404c4"
	oldWeb = "sg-037e7fc910cc914d8"
)

func bridgeEnv() Env {
	env := refEnv()
	env.Legacy = map[string]string{oldDB: "prod-aurora-sg", oldWeb: "launch-wizard-1"}
	return env
}

// api reaches the old database group until the database takes its own; the
// old web instances reach the new database until the contract.
func bridgeConfig() Config {
	cfg := refConfig()
	cfg.Allow[oldDB] = []Grant{{From: []string{"api"}, Port: "5432", Until: "data-groups", Reason: "api to the old database group"}}
	cfg.Allow["database"] = append(cfg.Allow["database"], Grant{From: []string{oldWeb}, Until: "contract"})
	return cfg
}

func TestBridgesWriteBothSidesAndAreTemporary(t *testing.T) {
	g, err := Build(refWorkloads(), bridgeConfig(), bridgeEnv())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"api-out-" + oldDB + "-tcp-5432":      "data-groups",
		oldDB + "-in-api-tcp-5432":            "data-groups",
		"database-in-" + oldWeb + "-tcp-5432": "contract",
		oldWeb + "-out-database-tcp-5432":     "contract",
	}
	got := map[string]string{}
	for _, r := range g.Rules() {
		if r.Temporary() {
			got[r.Name] = r.Until
		}
	}
	if len(got) != len(want) {
		t.Errorf("temporary rules %v, want %v", got, want)
	}
	for name, until := range want {
		if got[name] != until {
			t.Errorf("%s: until %q, want %q", name, got[name], until)
		}
	}
	// The old groups' side lives on the legacy group, not on a workload's.
	legacy := g.LegacyGroups()
	if len(legacy) != 2 || legacy[0].ID != oldWeb || legacy[1].ID != oldDB {
		t.Fatalf("legacy groups %+v", legacy)
	}
	if len(legacy[1].Ingress) != 1 || legacy[1].Ingress[0].Peer.Workload() != "api" || len(legacy[1].Egress) != 0 {
		t.Errorf("old database group rules %+v", legacy[1])
	}
	if len(legacy[0].Egress) != 1 || legacy[0].Egress[0].Peer.Workload() != "database" || legacy[0].Egress[0].Port != Postgres {
		t.Errorf("old web group rules %+v", legacy[0])
	}
	// The bridge into the database takes the database's service port.
	if len(g.Bridges()) != 2 {
		t.Errorf("bridges %+v", g.Bridges())
	}
	// Nothing else is temporary.
	for _, r := range g.Rules() {
		if r.Temporary() != (r.Peer.Legacy() != "" || strings.HasPrefix(r.Group, "sg-")) {
			t.Errorf("%s: temporary %v", r.Name, r.Temporary())
		}
	}
}

func TestBridgesAreRefusedUnlessTheyNameAnImportedGroupAndTheStageThatRemovesThem(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(c *Config, ws *[]Workload)
		key  string
		text string
	}{
		{"a bridge to a group that does not exist", func(c *Config, _ *[]Workload) {
			c.Allow["sg-0123456789abcdef0"] = []Grant{{From: []string{"api"}, Port: "5432", Until: "contract"}}
		}, "platform:security.allow.sg-0123456789abcdef0", "not a legacy security group of this stack"},
		{"a bridge from a group that does not exist", func(c *Config, _ *[]Workload) {
			c.Allow["database"] = []Grant{{From: []string{"sg-0123456789abcdef0"}, Until: "contract"}}
		}, "platform:security.allow.database[0].from[0]", "not a legacy security group of this stack"},
		{"a bridge without its stage", func(c *Config, _ *[]Workload) {
			c.Allow[oldDB] = []Grant{{From: []string{"api"}, Port: "5432"}}
		}, "platform:security.allow." + oldDB + "[0].until", "the migration stage that removes it"},
		{"a bridge source without its stage", func(c *Config, _ *[]Workload) {
			c.Allow["database"] = []Grant{{From: []string{oldWeb}}}
		}, "platform:security.allow.database[0].until", "the migration stage that removes it"},
		{"a stage on a grant that is no bridge", func(c *Config, _ *[]Workload) {
			c.Allow["web"] = []Grant{{From: []string{"edge"}, Until: "contract"}}
		}, "platform:security.allow.web[0].until", "until is for bridges"},
		{"a bridge into an old group without a port", func(c *Config, _ *[]Workload) {
			c.Allow[oldDB] = []Grant{{From: []string{"api"}, Until: "contract"}}
		}, "platform:security.allow." + oldDB + "[0].port", "no service port the platform knows"},
		{"an old group bridged to another", func(c *Config, _ *[]Workload) {
			c.Allow[oldDB] = []Grant{{From: []string{oldWeb}, Port: "5432", Until: "contract"}}
		}, "platform:security.allow." + oldDB + "[0].from[0]", "old groups reach each other through their own rules"},
		{"a data store as a bridge's source", func(c *Config, _ *[]Workload) {
			c.Allow[oldDB] = []Grant{{From: []string{"cache"}, Port: "5432", Until: "contract"}}
		}, "platform:security.allow." + oldDB + "[0].from[0]", "has no egress"},
		{"SSH to an old group", func(c *Config, _ *[]Workload) {
			c.Allow[oldWeb] = []Grant{{From: []string{"api"}, Port: "22", Until: "contract"}}
		}, "platform:security.allow." + oldWeb + "[0].port", "SSH and RDP are never opened"},
		{"a workload named like a group", func(_ *Config, ws *[]Workload) {
			*ws = append(*ws, Workload{Name: "sg-0123456789abcdef0", Kind: KindECS, Port: AppHTTP})
		}, "platform:compute.sg-0123456789abcdef0", "reads as a security group ID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, ws := bridgeConfig(), refWorkloads()
			tc.edit(&cfg, &ws)
			_, err := Build(ws, cfg, bridgeEnv())
			if err == nil {
				t.Fatal("accepted")
			}
			found := false
			for _, m := range messages(err) {
				found = found || (strings.HasPrefix(m, tc.key+": ") && strings.Contains(m, tc.text))
			}
			if !found {
				t.Errorf("want a problem at %s about %q, got:\n%s", tc.key, tc.text, strings.Join(messages(err), "\n"))
			}
		})
	}
}

// The bridges' rules are real resources: on the workload's group by its
// group, on the legacy group by the imported group's ID, and tagged with the
// stage that removes them.
func TestBridgeRulesLandOnTheImportedGroupAndSayWhenTheyGo(t *testing.T) {
	g, err := Build(refWorkloads(), bridgeConfig(), bridgeEnv())
	if err != nil {
		t.Fatal(err)
	}
	m := &mocks{}
	err = pulumi.RunErr(func(ctx *pulumi.Context) error {
		args := policyArgs(g)
		args.LegacyGroupIDs = map[string]pulumi.StringInput{oldDB: pulumi.String(oldDB), oldWeb: pulumi.String(oldWeb)}
		_, err := NewPolicy(ctx, "prod-sg", args)
		return err
	}, pulumi.WithMocks("platform", "test", m))
	if err != nil {
		t.Fatal(err)
	}
	in, ok := m.named("prod-sg-" + oldDB + "-in-api-tcp-5432")
	if !ok || in.Inputs["securityGroupId"] != oldDB || in.Inputs["referencedSecurityGroupId"] != "prod-sg-api_id" || in.Type != ingressType {
		t.Errorf("old database group's bridge rule: %+v", in)
	}
	if tags, _ := in.Inputs["tags"].(map[string]any); tags["platform:temporary-until"] != "data-groups" {
		t.Errorf("tags %v", in.Inputs["tags"])
	}
	if urnName(in.Parent) != "prod-sg-"+oldDB || urnType(in.Parent) != PolicyType+"$"+LegacyType {
		t.Errorf("parent %s", in.Parent)
	}
	out, ok := m.named("prod-sg-api-out-" + oldDB + "-tcp-5432")
	if !ok || out.Inputs["referencedSecurityGroupId"] != oldDB || out.Type != egressType {
		t.Errorf("api's bridge rule: %+v", out)
	}
	// Without the imported groups' IDs the policy refuses to start.
	err = pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := NewPolicy(ctx, "prod-sg", policyArgs(g))
		return err
	}, pulumi.WithMocks("platform", "test", &mocks{}))
	if err == nil || !strings.Contains(err.Error(), `args.LegacyGroupIDs["`+oldDB+`"]`) {
		t.Errorf("missing legacy IDs: %v", err)
	}
}

func TestTheRulesDocumentShowsBridgesAsTemporary(t *testing.T) {
	g, err := Build(refWorkloads(), bridgeConfig(), bridgeEnv())
	if err != nil {
		t.Fatal(err)
	}
	doc := RenderMarkdown(g, "Rules")
	for _, want := range []string{
		"## Temporary bridges to legacy groups",
		"| `api` | `" + oldDB + "` (legacy group) | tcp 5432 | `data-groups` |",
		"(temporary: removed at stage `contract`)",
		"-.->|\"tcp-5432, until data-groups\"|",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("the rules document lacks %q", want)
		}
	}
	plain := RenderMarkdown(refGraph(t), "Rules")
	if strings.Contains(plain, "(temporary") || strings.Contains(plain, "(legacy group)") {
		t.Error("a graph without bridges shows temporary rules")
	}
	if !slices.ContainsFunc(g.Edges(), func(e Edge) bool { return e.Until == "contract" && e.From.Legacy() == oldWeb }) {
		t.Error("no bridge edge from the old web group")
	}
}
