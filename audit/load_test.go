package audit_test

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/acme/platform/audit"
)

func TestLoadRejectsBadInputNamingTheFile(t *testing.T) {
	cases := []struct {
		name    string
		content string // empty: the file is not created
		want    []string
	}{
		{"malformed JSON names the file, line and column",
			"{\n    \"Subnets\": [\n        {\"SubnetId\": \"subnet-1\",}\n    ]\n}\n",
			[]string{"subnets.json", "malformed JSON", "line 3, column 33"}},
		{"truncated output names the file", "{\n    \"Subnets\": [\n", []string{"subnets.json", "malformed JSON"}},
		{"a wrongly typed field names the field", `{"Subnets": [{"SubnetId": "subnet-1", "MapPublicIpOnLaunch": "yes"}]}`,
			[]string{"subnets.json", "line 1", "Subnets.MapPublicIpOnLaunch", "string"}},
		{"output of the wrong command is caught", `{"Vpcs": []}`,
			[]string{"subnets.json", `"Subnets"`, "describe-subnets"}},
		{"an array instead of the CLI object is caught", `[]`, []string{"subnets.json", "top level"}},
		{"an empty file is caught", "  \n", []string{"subnets.json", "empty file"}},
		{"a missing file is named", "", []string{"subnets.json", "no such file"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "subnets.json")
			if tc.content != "" {
				writeFile(t, dir, "subnets.json", tc.content)
			}
			_, err := audit.LoadFiles(audit.Files{Subnets: path})
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q should contain %q", err, w)
				}
			}
			var ie *audit.InputError
			if !errors.As(err, &ie) || ie.File != path {
				t.Errorf("want an *InputError for %s, got %#v", path, err)
			}
		})
	}
}

func TestLoadToleratesUnknownFields(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "vpcs.json", `{
		"Vpcs": [{
			"VpcId": "vpc-0abc", "CidrBlock": "10.0.0.0/16", "FutureField": {"nested": [1, 2]},
			"CidrBlockAssociationSet": [
				{"CidrBlock": "10.0.0.0/16", "CidrBlockState": {"State": "associated"}},
				{"CidrBlock": "100.64.0.0/16", "CidrBlockState": {"State": "associated"}},
				{"CidrBlock": "10.9.0.0/16", "CidrBlockState": {"State": "disassociated"}}
			],
			"Tags": [{"Key": "Name", "Value": "prod"}]
		}],
		"NextToken": null
	}`)
	inv, err := audit.LoadFiles(audit.Files{VPCs: path})
	if err != nil {
		t.Fatal(err)
	}
	v, ok := inv.VPC("vpc-0abc")
	if !ok || v.Name != "prod" || !slices.Equal(v.CIDRs, []string{"10.0.0.0/16", "100.64.0.0/16"}) {
		t.Fatalf("got %+v", inv.VPCs)
	}
}

func TestLoadWithoutRouteTablesLeavesTiersUnknown(t *testing.T) {
	inv, err := audit.LoadFiles(audit.Files{Subnets: filepath.Join("testdata", "seed-before", audit.SubnetsFile)})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range inv.Subnets {
		if s.Tier != audit.TierUnknown {
			t.Errorf("%s: got tier %s without route tables", s.ID, s.Tier)
		}
	}
	if got := ofKind(inv.Findings(), audit.KindPublicSubnetWorkload); len(got) != 0 {
		t.Errorf("unknown tiers must not be reported as public: %+v", got)
	}
}

func TestLoadFilesNeedsAtLeastOneFile(t *testing.T) {
	if _, err := audit.LoadFiles(audit.Files{}); !errors.Is(err, audit.ErrNoInput) {
		t.Fatalf("got %v, want ErrNoInput", err)
	}
}

func TestLoadRequiresEveryFileOfTheFolder(t *testing.T) {
	_, err := audit.Load(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), audit.VPCsFile) {
		t.Fatalf("want an error naming %s, got %v", audit.VPCsFile, err)
	}
}

// The adopt-an-existing-VPC step reads the inventory rather than the report;
// this pins what it relies on.
func TestInventoryExposesWhatAdoptionNeeds(t *testing.T) {
	inv := loadFixture(t, "clean")
	if len(inv.VPCs) != 1 || inv.VPCs[0].CIDR != "10.0.0.0/16" || inv.VPCs[0].OwnerID != "111122223333" {
		t.Fatalf("VPC: %+v", inv.VPCs)
	}
	tiers := map[audit.Tier][]string{}
	azs := map[string]bool{}
	for _, s := range inv.Subnets {
		if s.CIDR == "" || s.AZ == "" || s.AZID == "" || s.RouteTableID == "" || s.Name == "" {
			t.Errorf("subnet %s lacks CIDR, AZ, AZ id, route table or name: %+v", s.ID, s)
		}
		tiers[s.Tier] = append(tiers[s.Tier], s.CIDR)
		azs[s.AZ] = true
	}
	if len(tiers[audit.TierPublic]) != 3 || len(tiers[audit.TierPrivate]) != 3 || len(tiers[audit.TierIsolated]) != 3 || len(azs) != 3 {
		t.Errorf("want 3 subnets per tier over 3 AZs, got %v over %d AZs", tiers, len(azs))
	}
	for _, g := range inv.SecurityGroups {
		kinds := inv.AttachedKinds(g.ID)
		if g.Name == "default" {
			if len(kinds) != 0 {
				t.Errorf("default group should be unused, got %v", kinds)
			}
			continue
		}
		if len(kinds) != 1 {
			t.Errorf("group %s (%s) should serve exactly one kind, got %v", g.ID, g.Name, kinds)
		}
	}
	if _, ok := inv.Subnet(inv.Interfaces[0].SubnetID); !ok {
		t.Error("interfaces should point at known subnets")
	}
	if g, ok := inv.SecurityGroup(groupNamed(t, inv, "prod-vpc", "prod-aurora")); !ok || len(g.Ingress) != 1 || len(g.Ingress[0].GroupIDs) != 4 {
		t.Errorf("prod-aurora rules: %+v", g)
	}
}
