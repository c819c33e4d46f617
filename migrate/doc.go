// Package migrate turns an audit of an existing, exposed AWS network into the
// first files of a staged migration onto the platform, without downtime.
//
// GenerateStack writes the adopt-stage stack file (stage 0 of
// docs/migration.md) for one VPC of an audit.Inventory: the VPC, its internet
// gateway and every existing subnet listed exactly as found, so that `pulumi
// up` imports them (protected, tags untouched) instead of changing them, and
// the private and isolated tiers the migration adds planned in the VPC's free
// space with network.PlanInFreeSpace and pinned, so their ranges never move
// once deployed. The file explains each block in comments, and it is checked
// with stack.Parse before it is returned: a file GenerateStack hands out is
// one the program accepts.
//
// ImportFile writes a `pulumi import --file` document for the legacy security
// groups of that VPC: the resources the program never creates but the
// contract stage must delete, one reviewed deletion at a time.
//
// Both read only the inventory (the JSON of `aws ec2 describe-*`), so they run
// offline like the audit. cmd/audit exposes them as --emit-stack and
// --emit-import; examples/migration holds the four stage files for the seed
// account and docs/migration.md the runbook.
package migrate
