// Package importopt holds the options every resource the stack imports is
// registered with, for the packages that take over an account's resources:
// compute (adopted Aurora clusters and ElastiCache groups) and legacy (the
// old account's groups and workloads).
package importopt

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// Options imports the resource by its ID under parent, protects it as given,
// and leaves its tags and the inputs named in ignore as they are: an import
// must match the live resource exactly, and the stack's default tags are not
// the old resource's.
func Options(parent pulumi.ResourceOption, id string, protect bool, ignore ...string) []pulumi.ResourceOption {
	keep := []string{"tags", "tagsAll"}
	for _, k := range ignore {
		if k != "tags" && k != "tagsAll" {
			keep = append(keep, k)
		}
	}
	return []pulumi.ResourceOption{parent, pulumi.Import(pulumi.ID(id)), pulumi.Protect(protect), pulumi.IgnoreChanges(keep)}
}

// Value is a string the snapshot shows, as an optional input: nil when the
// snapshot has none, so the import reads AWS's value instead of setting "".
func Value(s string) pulumi.StringPtrInput {
	if s == "" {
		return nil
	}
	return pulumi.String(s)
}
