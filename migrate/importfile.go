package migrate

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/acme/platform/audit"
)

// SecurityGroupType is the pulumi-aws type token of a security group.
const SecurityGroupType = "aws:ec2/securityGroup:SecurityGroup"

// ImportDoc is the document `pulumi import --file` reads: a list of
// resources, each a type token, a name and the cloud ID. The full schema also
// has nameTable (parents and providers by name) and per-resource parent,
// provider, version, properties, component, remote and logicalName; the
// legacy groups need none of them. It has no per-resource protect field:
// `pulumi import` protects every imported resource unless given
// --protect=false.
type ImportDoc struct {
	Resources []ImportResource `json:"resources"`
}

// ImportResource is one resource to import.
type ImportResource struct {
	// Type is the resource's type token.
	Type string `json:"type"`
	// Name becomes the resource's name in the stack (its URN).
	Name string `json:"name"`
	// ID is the cloud ID the provider reads the resource by.
	ID string `json:"id"`
}

// LegacyGroups returns the security groups of the VPC that the contract
// stage deletes: every group but the VPC's default group, which cannot be
// deleted and which the program empties instead. Sorted by name, then ID.
func LegacyGroups(inv *audit.Inventory, vpcID string) ([]audit.SecurityGroup, error) {
	vpc, err := pickVPC(inv, vpcID)
	if err != nil {
		return nil, err
	}
	var out []audit.SecurityGroup
	for _, g := range inv.SecurityGroups {
		if g.VPCID == vpc.ID && g.Name != "default" {
			out = append(out, g)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// ImportFile returns a `pulumi import --file` document for the legacy
// security groups of the VPC ("" means WorkloadVPC), named
// legacy-<group name>, or legacy-<group id> when the name does not make a
// usable, unique resource name.
//
// The program never declares these groups, so once imported the next
// preview plans to delete each one, and because `pulumi import` protects
// what it imports, that preview fails, listing them. That is the contract
// stage's review: each group is deleted only after `pulumi state unprotect`
// on its URN, once nothing uses it (docs/migration.md, stage 3). Import it
// then, not earlier: while the groups are in the stack, every preview lists
// them.
func ImportFile(inv *audit.Inventory, vpcID string) ([]byte, error) {
	groups, err := LegacyGroups(inv, vpcID)
	if err != nil {
		return nil, err
	}
	doc := ImportDoc{Resources: []ImportResource{}}
	used := map[string]bool{}
	for _, g := range groups {
		name := "legacy-" + slug(g.Name)
		if slug(g.Name) == "" || used[name] {
			name = "legacy-" + g.ID
		}
		used[name] = true
		doc.Resources = append(doc.Resources, ImportResource{Type: SecurityGroupType, Name: name, ID: g.ID})
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return append(b, '\n'), nil
}

// slug lowercases a group name and turns every run of characters other than
// letters and digits into one hyphen: "Prod Web (old)" -> "prod-web-old".
func slug(s string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
			continue
		}
		hyphen = true
	}
	return b.String()
}
