package audit

import (
	"fmt"
	"strconv"
	"strings"
)

// A database accepts clients without TLS unless its parameter group says
// otherwise: rds.force_ssl = 1 for PostgreSQL, require_secure_transport =
// ON for MySQL. A cluster on one of RDS's default groups (default.*) gets
// the engine's default, which AWS documents as off for Aurora PostgreSQL,
// Aurora MySQL and MySQL, and on for RDS for PostgreSQL from version 15.
// A group of the account's own holds only the values a user set
// (describe-db-cluster-parameters --source user): a parameter it does not
// list has the engine's default too.

// tlsParameter is how an engine forces TLS.
type tlsParameter struct {
	name string
	// forcedByDefault says whether the engine's default forces TLS.
	forcedByDefault func(version string) bool
}

func never(string) bool { return false }

// clusterTLSParameter returns the parameter of a cluster's engine, and
// false for engines the audit does not know (their clusters are left out
// rather than guessed at).
func clusterTLSParameter(engine string) (tlsParameter, bool) {
	switch engine {
	case "aurora-postgresql":
		return tlsParameter{"rds.force_ssl", never}, true
	case "postgres": // Multi-AZ DB clusters
		return tlsParameter{"rds.force_ssl", func(v string) bool { return majorVersion(v) >= 15 }}, true
	case "aurora-mysql", "aurora", "mysql":
		return tlsParameter{"require_secure_transport", never}, true
	}
	return tlsParameter{}, false
}

func majorVersion(v string) int {
	major, _, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(major)
	if err != nil {
		return 0
	}
	return n
}

// forcesTLS reads a parameter value the way RDS accepts it: 1 for
// rds.force_ssl; 1 or ON for require_secure_transport.
func forcesTLS(value string) bool {
	switch strings.ToLower(strings.TrimSpace(value)) {
	case "1", "on", "true":
		return true
	}
	return false
}

// clusterTransit reports a cluster whose parameter group does not force
// TLS, with the reason; ok is false when it does or when the audit cannot
// tell (unknown engine, group or parameters not read).
func (inv *Inventory) clusterTransit(c DBCluster) (reason string, ok bool) {
	param, known := clusterTLSParameter(c.Engine)
	if !known || c.DBClusterParameterGroup == "" {
		return "", false
	}
	name := c.DBClusterParameterGroup
	byDefault := func() (string, bool) {
		if param.forcedByDefault(c.EngineVersion) {
			return "", false
		}
		return fmt.Sprintf("%s is off by default for %s %s", param.name, c.Engine, c.EngineVersion), true
	}
	if strings.HasPrefix(name, "default.") {
		reason, ok := byDefault()
		return "its cluster parameter group is RDS's default " + name + ", where " + reason, ok
	}
	for _, g := range inv.DBClusterParameterGroups {
		if g.DBClusterParameterGroupName != name {
			continue
		}
		if !g.ParametersRead {
			return "", false
		}
		for _, p := range g.Parameters {
			if p.ParameterName == param.name {
				if forcesTLS(p.ParameterValue) {
					return "", false
				}
				return fmt.Sprintf("its cluster parameter group %s sets %s to %s", name, param.name, p.ParameterValue), true
			}
		}
		reason, ok := byDefault()
		return "its cluster parameter group " + name + " leaves " + param.name + " unset, and " + reason, ok
	}
	return "", false
}

func (inv *Inventory) clusterTransitFindings() []Finding {
	var out []Finding
	for _, c := range inv.DBClusters {
		reason, ok := inv.clusterTransit(c)
		if !ok {
			continue
		}
		param, _ := clusterTLSParameter(c.Engine)
		want := "1"
		if param.name == "require_secure_transport" {
			want = "ON"
		}
		label := "DB cluster " + c.DBClusterIdentifier + " (" + c.Engine + ")"
		fix := fmt.Sprintf("make every client connect with TLS (and verify the server: sslmode=verify-full, or ssl-mode=VERIFY_IDENTITY), then set %s to %s in the cluster parameter group; it is dynamic, no reboot", param.name, want)
		if strings.HasPrefix(c.DBClusterParameterGroup, "default.") {
			fix = fmt.Sprintf("make every client connect with TLS, then give the cluster its own cluster parameter group of the same family with %s = %s (a default group cannot be changed; the new group takes effect when the instances reboot)", param.name, want)
		}
		out = append(out, Finding{Kind: KindUnencryptedInTransit, Severity: SeverityMedium, Resource: c.DBClusterIdentifier,
			Related: []string{c.DBClusterParameterGroup}, Detail: label + ": " + param.name,
			Message: label + " accepts connections without TLS: " + reason,
			Fix:     fix})
	}
	return out
}
