package stack

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/acme/platform/compute"
)

// AccessRow is one thing a workload may use: a data store through an allow
// edge, or an AWS resource it declared in its permissions.
type AccessRow struct {
	Workload string
	// Target is the store's workload name or the declared permission's name.
	Target string
	// Path is how packets get there: the security-group edge and port, or the
	// AWS API for declared resources.
	Path string
	// Identity is what the workload authenticates with.
	Identity string
	// Env lists the environment names the platform sets for it.
	Env []string
}

// Access lists, per compute workload, what it may authenticate to and how it
// learns where it is, sorted by workload then target.
func (d *Design) Access() []AccessRow {
	cfg := d.Config
	var out []AccessRow
	for _, c := range cfg.Connections() {
		identity := c.Identity()
		if c.Auth == compute.AuthSecret {
			switch c.ConsumerKind {
			case compute.KindECS, compute.KindBatch:
				identity += ", injected at start by the execution role"
			default:
				identity += ", fetched by ARN with the workload's role"
			}
		}
		out = append(out, AccessRow{
			Workload: c.Consumer, Target: c.Store,
			Path:     fmt.Sprintf("tcp %d, %s's group -> %s's group", c.Port, c.Consumer, c.Store),
			Identity: identity, Env: c.EnvNames(),
		})
	}
	for _, n := range cfg.Workloads.Names() {
		perms := cfg.Workloads.Permissions(n)
		for i, line := range compute.PermissionSummary(perms) {
			name := sortedNames(perms)[i]
			out = append(out, AccessRow{Workload: n, Target: name, Path: "AWS API (endpoint or NAT)", Identity: "role policy app-" + name + ": " + strings.TrimPrefix(line, name+": ")})
		}
		if cfg.Workloads[n].EC2 != nil && len(cfg.Workloads.Environment(n))+len(compute.ConnectionsOf(cfg.Connections(), n)) > 0 {
			path := compute.ConfigPath(cfg.Name, n)
			out = append(out, AccessRow{Workload: n, Target: "settings", Path: "AWS API (ssm endpoint)",
				Identity: "role policy config: read of SSM " + path + "*", Env: []string{"/etc/platform/env at boot"}})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Workload != out[j].Workload {
			return out[i].Workload < out[j].Workload
		}
		return out[i].Target < out[j].Target
	})
	return out
}

// RenderAccess is the access table as text, for the plan.
func RenderAccess(rows []AccessRow) string {
	if len(rows) == 0 {
		return "no workload reaches a data store or declares a permission\n"
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WORKLOAD\tTARGET\tNETWORK PATH\tIDENTITY\tENVIRONMENT")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Workload, r.Target, r.Path, r.Identity, orDash(strings.Join(r.Env, " ")))
	}
	tw.Flush()
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// AccessMarkdown is the access section of the network rules document: the
// table and the one-time statements IAM database users need.
func (d *Design) AccessMarkdown() string {
	var b strings.Builder
	b.WriteString("## Access: who authenticates to what\n\n")
	b.WriteString("Every allow edge from a compute workload to a data store also grants the workload an identity on that store (and nothing on any other) and puts the store's address in its environment. Secrets are references: ECS and Batch inject them with the execution role, Lambda functions and instances fetch them by ARN with their own role.\n\n")
	rows := d.Access()
	if len(rows) == 0 {
		b.WriteString("No workload reaches a data store or declares a permission.\n")
	} else {
		b.WriteString("| workload | target | network path | identity | environment |\n|---|---|---|---|---|\n")
		for _, r := range rows {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", r.Workload, r.Target, r.Path, r.Identity, orDash("`"+strings.Join(r.Env, "` `")+"`"))
		}
	}
	b.WriteString("\n### One-time database setup\n\n")
	if sql := d.SetupSQL(); sql == "" {
		b.WriteString("No store uses IAM database authentication (`auth: iam` on an aurora workload), so nothing has to be run inside a database. With it, the statements each database user needs appear here.\n")
	} else {
		b.WriteString("IAM database authentication needs each user to exist and hold `rds_iam` (PostgreSQL) or the AWS authentication plugin (MySQL). Run these once, as the master user, through the Client VPN or a port-forwarding session; then grant each user the privileges its application needs.\n\n```sql\n")
		b.WriteString(sql)
		b.WriteString("```\n")
	}
	return b.String()
}

// SetupSQL is, for every aurora store with auth: iam, the statements that
// create its consumers' database users and let them log in with IAM tokens.
func (d *Design) SetupSQL() string {
	cfg := d.Config
	conns := cfg.Connections()
	var b strings.Builder
	for _, store := range cfg.Workloads.Names() {
		a := cfg.Workloads[store].Aurora
		if a == nil || a.Auth != compute.AuthIAM {
			continue
		}
		consumers := compute.ConsumersOf(conns, store)
		if len(consumers) == 0 {
			continue
		}
		fmt.Fprintf(&b, "-- %s: %s cluster %s-%s, database %s; connect as %s\n", store, a.Engine, cfg.Name, store, a.DatabaseName, a.MasterUsername)
		for _, c := range consumers {
			u := cfg.Workloads.DBUser(store, c)
			if a.Engine == compute.EngineAuroraMySQL {
				fmt.Fprintf(&b, "CREATE USER IF NOT EXISTS '%s'@'%%' IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS' REQUIRE SSL;  -- for %s\n", u, c)
				fmt.Fprintf(&b, "GRANT USAGE ON `%s`.* TO '%s'@'%%';\n", a.DatabaseName, u)
				continue
			}
			fmt.Fprintf(&b, "CREATE USER \"%s\";  -- for %s\n", u, c)
			fmt.Fprintf(&b, "GRANT rds_iam TO \"%s\";\n", u)
			fmt.Fprintf(&b, "GRANT CONNECT ON DATABASE \"%s\" TO \"%s\";\n", a.DatabaseName, u)
		}
	}
	return b.String()
}
