package migrate_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/acme/platform/migrate"
)

func TestImportFile_ListsExactlyTheLegacyGroupsOfTheVPC(t *testing.T) {
	inv := load(t, seedDir)
	b, err := migrate.ImportFile(inv, "")
	if err != nil {
		t.Fatal(err)
	}
	var doc migrate.ImportDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, g := range inv.SecurityGroups {
		if g.VPCID == seedVPC && g.Name != "default" {
			want = append(want, g.ID)
		}
	}
	var got, names []string
	for _, r := range doc.Resources {
		got = append(got, r.ID)
		names = append(names, r.Name)
		if r.Type != "aws:ec2/securityGroup:SecurityGroup" {
			t.Errorf("%s has type %q", r.ID, r.Type)
		}
		if !strings.HasPrefix(r.Name, "legacy-") {
			t.Errorf("%s is named %q, want legacy-<group name>", r.ID, r.Name)
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("imports %v, want the VPC's groups but the default one: %v", got, want)
	}
	if !slices.Contains(names, "legacy-launch-wizard-1") || !slices.Contains(names, "legacy-prod-aurora-sg") {
		t.Errorf("names %v should come from the group names", names)
	}
	slices.Sort(names)
	if len(slices.Compact(names)) != len(doc.Resources) {
		t.Errorf("names are not unique: %v", names)
	}
}

// The file follows the schema `pulumi import --file` documents: an object
// with resources (and an optional nameTable), each resource with type, name
// and id. Protection is not a key of the schema: pulumi import protects by
// default and --protect=false turns it off for the whole file.
func TestImportFile_FollowsThePulumiImportSchema(t *testing.T) {
	b, err := migrate.ImportFile(load(t, seedDir), seedVPC)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string][]map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw) != 1 || len(raw["resources"]) == 0 {
		t.Fatalf("top level %v, want only a non-empty resources list", raw)
	}
	for _, r := range raw["resources"] {
		for k, v := range r {
			if k != "type" && k != "name" && k != "id" {
				t.Errorf("key %q is not one the legacy groups need", k)
			}
			if s, ok := v.(string); !ok || s == "" {
				t.Errorf("%s is %v, want a non-empty string", k, v)
			}
		}
	}
}

func TestImportFile_NamesFallBackToTheGroupID(t *testing.T) {
	inv := tight()
	inv.SecurityGroups = nil
	for _, g := range []struct{ id, name string }{
		{"sg-0000000000000000a", "Web Servers (old)"},
		{"sg-0000000000000000b", "web-servers-old"},
		{"sg-0000000000000000c", "!!!"},
		{"sg-0000000000000000d", "default"},
	} {
		inv.SecurityGroups = append(inv.SecurityGroups, auditGroup(g.id, g.name, "vpc-0123456789abcdef0"))
	}
	b, err := migrate.ImportFile(inv, "")
	if err != nil {
		t.Fatal(err)
	}
	var doc migrate.ImportDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range doc.Resources {
		got = append(got, r.ID+"="+r.Name)
	}
	want := []string{
		"sg-0000000000000000c=legacy-sg-0000000000000000c",
		"sg-0000000000000000a=legacy-web-servers-old",
		"sg-0000000000000000b=legacy-sg-0000000000000000b",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestImportFile_UnknownVPC(t *testing.T) {
	if _, err := migrate.ImportFile(load(t, seedDir), "vpc-0000000000000000f"); err == nil {
		t.Error("an unknown VPC must be an error")
	}
}
