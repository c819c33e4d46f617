package access_test

import (
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acme/platform/access"
)

var update = flag.Bool("update", false, "rewrite golden files")

func prodPaths() access.OperatorPaths {
	cfg := vpnConfig()
	cfg.SAMLProviderARN = samlARN
	return access.OperatorPaths{
		Region:          "us-east-1",
		Sessions:        access.SessionManagerConfig{Preferences: access.PreferencesOwn, IdleTimeoutMinutes: 15, RunAsUser: "ops"},
		SessionLogGroup: "/platform/prod-access",
		SessionKeyAlias: "alias/prod-access",
		Fleets:          []string{"worker", "web"},
		Tasks:           []string{"api"},
		Database:        &access.DatabaseRoute{Workload: "db", Port: 5432, Via: "web"},
		VPN: &access.VPNRoute{
			Config:             cfg,
			VPC:                prodVPC,
			IsolatedCIDRs:      isolated,
			Targets:            []access.Target{{Workload: "db", Port: 5432}, {Workload: "cache", Port: 6379}},
			ConnectionLogGroup: "/platform/prod-vpn",
		},
	}
}

func TestOperatorPathsMarkdown_Golden(t *testing.T) {
	got := access.OperatorPathsMarkdown(prodPaths())
	golden := filepath.Join("testdata", "operator-access.golden.md")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./access -update)", err)
	}
	if got != string(want) {
		t.Errorf("operator access section changed (run go test ./access -update and review the diff)\ngot:\n%s", got)
	}
}

func TestOperatorPathsMarkdown_IsDeterministic(t *testing.T) {
	a := prodPaths()
	b := prodPaths()
	b.Fleets = []string{"web", "worker", "web"}
	b.VPN.Targets = []access.Target{{Workload: "cache", Port: 6379}, {Workload: "db", Port: 5432}}
	b.VPN.IsolatedCIDRs = map[string]netip.Prefix{}
	for k, v := range isolated {
		b.VPN.IsolatedCIDRs[k] = v
	}
	if access.OperatorPathsMarkdown(a) != access.OperatorPathsMarkdown(b) {
		t.Error("the same paths in another order render differently")
	}
}

func TestOperatorPathsMarkdown_DescribesEachPathFromItsInput(t *testing.T) {
	md := access.OperatorPathsMarkdown(prodPaths())
	for _, want := range []string{
		"## Operator access\n",
		"No instance has a key pair",
		"none of the paths below needs an inbound rule",
		"| Session Manager shell | operators | an instance of `web`, an instance of `worker`, a task of `api` (ECS Exec) |",
		"| Port forwarding | operators | `db` on 5432 | a Session Manager session to an instance of `web` |",
		"| Client VPN | developers | `cache` on 6379, `db` on 5432 | the `vpn` security group |",
		"A session ends after 15 idle minutes and after 480 minutes in any case.",
		"sessions run as `ops`",
		"| `10.0.192.0/24` | isolated subnet in us-east-1a |",
		"| `db` | 5432 | inbound from the `vpn` group on 5432 |",
		"and a SAML login on top of it",
		"AWS-StartPortForwardingSessionToRemoteHost",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("missing %q", want)
		}
	}
	for _, banned := range []string{"ssh -i", "0.0.0.0/0 |", ".pem"} {
		if strings.Contains(md, banned) {
			t.Errorf("mentions %q", banned)
		}
	}
}

func TestOperatorPathsMarkdown_LeavesOutPathsThatDoNotExist(t *testing.T) {
	md := access.OperatorPathsMarkdown(access.OperatorPaths{
		Region: "us-east-1", SessionLogGroup: "/platform/dev/sessions", SessionKeyAlias: "alias/dev-sessions",
		Fleets: []string{"web"},
	})
	for _, absent := range []string{"Client VPN", "Port forwarding", "ECS Exec"} {
		if strings.Contains(md, absent) {
			t.Errorf("mentions %q, which the input does not have", absent)
		}
	}
}

// A stack that does not own the preferences says whose terms its sessions
// follow, and that ECS Exec keeps the stack's own key and group.
func TestOperatorPathsMarkdown_SaysWhoseSessionPreferencesApply(t *testing.T) {
	in := prodPaths()
	in.Sessions = access.SessionManagerConfig{AccountPreferences: &access.AccountPreferences{KMSKey: "alias/prod-sessions", LogGroup: "/platform/prod-sessions"}}
	md := access.OperatorPathsMarkdown(in)
	for _, want := range []string{
		"This stack does not write the account's Session Manager preferences (`preferences: none`): sessions follow the account's `SSM-SessionManagerRunShell` document, which keeps them encrypted with `alias/prod-sessions` and logged to `/platform/prod-sessions`.",
		"ECS Exec, encrypted with `alias/prod-access` and logged to `/platform/prod-access`",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "Every session is encrypted with the KMS key `alias/prod-access`") {
		t.Error("claims the stack's own key encrypts every session")
	}
}
