package audit_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/acme/platform/audit"
)

var update = flag.Bool("update", false, "rewrite the golden reports in testdata")

func TestSeedBeforeNamesTheStorysThreeProblems(t *testing.T) {
	inv := loadFixture(t, "seed-before")
	fs := inv.Findings()
	shared := groupNamed(t, inv, "prod-vpc", "launch-wizard-1")
	aurora := groupNamed(t, inv, "prod-vpc", "prod-aurora-sg")

	t.Run("every workload subnet is reported as public", func(t *testing.T) {
		got := ofKind(fs, audit.KindPublicSubnetWorkload)
		if len(got) != 3 {
			t.Fatalf("want the three prod subnets, got %+v", got)
		}
		seen := map[audit.OwnerKind]bool{}
		for _, f := range got {
			if f.Severity != audit.SeverityHigh {
				t.Errorf("%s: severity %s", f.Resource, f.Severity)
			}
			for _, id := range f.Related {
				for _, ifc := range inv.Interfaces {
					if ifc.ID == id {
						seen[ifc.Kind] = true
					}
				}
			}
		}
		for _, k := range []audit.OwnerKind{audit.OwnerEC2, audit.OwnerECS, audit.OwnerBatch, audit.OwnerLambda, audit.OwnerRDS, audit.OwnerElastiCache} {
			if !seen[k] {
				t.Errorf("no public-subnet finding names the %s workload", k.Label())
			}
		}
		if vpc := ofKind(fs, audit.KindPublicOnlyVPC); len(vpc) == 0 || vpc[0].Severity != audit.SeverityHigh {
			t.Errorf("the prod VPC should be reported as public-only at high severity: %+v", vpc)
		}
	})

	t.Run("world-open and all-protocol ingress is reported on the EC2 and RDS groups", func(t *testing.T) {
		world := map[string]int{}
		for _, f := range ofKind(fs, audit.KindIngressOpenToWorld) {
			if f.Severity == audit.SeverityHigh {
				world[f.Resource]++
			}
		}
		// ALL, HTTP, HTTPS, custom TCP 8080 and SSH on the EC2 group; MySQL
		// and Postgres on the RDS group.
		if world[shared] != 5 || world[aurora] != 2 {
			t.Errorf("high world-open findings: got %d on the EC2 group and %d on the RDS group, want 5 and 2", world[shared], world[aurora])
		}
		all := ofKind(fs, audit.KindIngressAllProtocols)
		if !slices.ContainsFunc(all, func(f audit.Finding) bool {
			return f.Resource == shared && f.Severity == audit.SeverityHigh
		}) {
			t.Errorf("the ALL-traffic rule on the EC2 group is not reported as high: %+v", all)
		}
	})

	t.Run("the EC2 group shared with Lambda and RDS is reported", func(t *testing.T) {
		got := ofKind(fs, audit.KindSharedSecurityGroup)
		if len(got) != 1 || got[0].Resource != shared || got[0].Severity != audit.SeverityHigh {
			t.Fatalf("got %+v", got)
		}
		want := []audit.OwnerKind{audit.OwnerEC2, audit.OwnerLambda, audit.OwnerRDS}
		if kinds := inv.AttachedKinds(shared); !slices.Equal(kinds, want) {
			t.Errorf("attached kinds: got %v, want %v", kinds, want)
		}
	})

	// The fixture holds the five network files only (hand-collected before
	// the audit read workloads and data stores), so the checks on those
	// objects have nothing to look at; the moto seed account covers them
	// (audit/live).
	t.Run("every network finding kind is present", func(t *testing.T) {
		for _, k := range []audit.FindingKind{
			audit.KindPublicSubnetWorkload, audit.KindPublicOnlyVPC, audit.KindIngressOpenToWorld, audit.KindIngressAllProtocols,
			audit.KindIngressWidePortRange, audit.KindIngressAdminPort, audit.KindSharedSecurityGroup,
			audit.KindUnusedSecurityGroup, audit.KindDefaultGroupRules,
		} {
			if len(ofKind(fs, k)) == 0 {
				t.Errorf("no %s finding", k)
			}
		}
	})

	t.Run("the load balancer's 80 and 443 are info only", func(t *testing.T) {
		alb := groupNamed(t, inv, "prod-vpc", "prod-alb-sg")
		for _, f := range fs {
			if f.Resource == alb && f.Severity != audit.SeverityInfo {
				t.Errorf("ALB group finding above info: %+v", f)
			}
		}
	})
}

func TestCleanTargetHasNoFindingAtMediumOrAbove(t *testing.T) {
	inv := loadFixture(t, "clean")
	for _, f := range inv.Findings() {
		if f.Severity >= audit.SeverityMedium {
			t.Errorf("unexpected %s finding: %+v", f.Severity, f)
		}
	}
	rep := audit.Report{Inventory: inv, Findings: inv.Findings()}
	if n := rep.Summary().AtLeast(audit.SeverityLow); n != 0 {
		t.Errorf("the clean target should not even have low findings, got %d", n)
	}
}

func TestCleanTargetPlacesEachKindInItsTier(t *testing.T) {
	inv := loadFixture(t, "clean")
	wantTier := map[audit.OwnerKind]audit.Tier{
		audit.OwnerELB: audit.TierPublic, audit.OwnerNAT: audit.TierPublic,
		audit.OwnerEC2: audit.TierPrivate, audit.OwnerECS: audit.TierPrivate, audit.OwnerLambda: audit.TierPrivate,
		audit.OwnerBatch: audit.TierPrivate, audit.OwnerVPCEndpoint: audit.TierPrivate,
		audit.OwnerRDS: audit.TierIsolated, audit.OwnerElastiCache: audit.TierIsolated,
	}
	for _, ifc := range inv.Interfaces {
		s, ok := inv.Subnet(ifc.SubnetID)
		if !ok {
			t.Fatalf("%s: unknown subnet %s", ifc.ID, ifc.SubnetID)
		}
		if want, ok := wantTier[ifc.Kind]; !ok || s.Tier != want {
			t.Errorf("%s (%s) sits in a %s subnet, want %s", ifc.ID, ifc.Kind, s.Tier, want)
		}
	}
}

func TestGoldenReports(t *testing.T) {
	for _, fixture := range []string{"seed-before", "clean"} {
		inv := loadFixture(t, fixture)
		rep := audit.Report{Title: fixture, Inventory: inv, Findings: inv.Findings()}
		js, err := rep.JSON()
		if err != nil {
			t.Fatal(err)
		}
		for ext, got := range map[string][]byte{"md": []byte(rep.Markdown()), "json": js} {
			t.Run(fixture+"."+ext, func(t *testing.T) {
				path := filepath.Join("testdata", fixture+".golden."+ext)
				if *update {
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./audit -update to create it)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s is stale; review the diff of go test ./audit -update\n%s", path, firstDifference(string(want), string(got)))
				}
			})
		}
	}
}

func firstDifference(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(wl), len(gl)) {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("first difference at line %d:\n  want: %s\n  got:  %s", i+1, w, g)
		}
	}
	return ""
}

func TestJSONReportShape(t *testing.T) {
	inv := loadFixture(t, "seed-before")
	js, err := audit.Report{Inventory: inv, Findings: inv.Findings()}.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		VPCs    []map[string]any `json:"vpcs"`
		Subnets []struct {
			ID        string         `json:"id"`
			VPC       string         `json:"vpc"`
			AZ        string         `json:"az"`
			CIDR      string         `json:"cidr"`
			Tier      string         `json:"tier"`
			Workloads map[string]int `json:"workloads"`
		} `json:"subnets"`
		Findings []struct {
			Kind, Severity, Resource, Message, Fix string
		} `json:"findings"`
		Summary struct {
			Findings   int                       `json:"findings"`
			BySeverity map[string]int            `json:"bySeverity"`
			ByKind     map[string]map[string]int `json:"byKind"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.VPCs) != 2 || len(doc.Subnets) != 6 || len(doc.Findings) != doc.Summary.Findings {
		t.Fatalf("got %d VPCs, %d subnets, %d findings (summary says %d)", len(doc.VPCs), len(doc.Subnets), len(doc.Findings), doc.Summary.Findings)
	}
	for _, s := range doc.Subnets {
		if s.ID == "" || s.VPC == "" || s.AZ == "" || s.CIDR == "" || s.Tier != "public" || s.Workloads == nil {
			t.Errorf("incomplete subnet: %+v", s)
		}
	}
	for _, f := range doc.Findings {
		if f.Kind == "" || f.Resource == "" || f.Message == "" || f.Fix == "" {
			t.Errorf("incomplete finding: %+v", f)
		}
		if _, err := audit.ParseSeverity(f.Severity); err != nil {
			t.Errorf("severity %q is not a word: %v", f.Severity, err)
		}
	}
	for _, sev := range []string{"high", "medium", "low", "info"} {
		if _, ok := doc.Summary.BySeverity[sev]; !ok {
			t.Errorf("summary.bySeverity lacks %q", sev)
		}
	}
	if len(doc.Summary.ByKind) != len(audit.FindingKinds()) {
		t.Errorf("summary.byKind should list every kind, got %v", doc.Summary.ByKind)
	}
}

func TestMarkdownReportSections(t *testing.T) {
	inv := loadFixture(t, "seed-before")
	md := audit.Report{Title: "seed-before", Inventory: inv, Findings: inv.Findings()}.Markdown()
	for _, want := range []string{
		"# Network audit: seed-before", "## Summary", "## Findings", "## Subnet inventory", "## Security groups",
		"| Subnet | Name | VPC | Tier | AZ | CIDR | Default route | What sits there |",
		"(`shared-security-group`)", "(main)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	empty := audit.Report{}.Markdown()
	if !strings.Contains(empty, "No findings") {
		t.Errorf("an empty report should say so:\n%s", empty)
	}
}
