// The aurora kind's config: an Aurora cluster in the isolated subnets.

package compute

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/acme/platform/dataprotect"
	"github.com/acme/platform/internal/problems"
)

// Defaults of the kind, named so that the docs and the code agree.
const (
	DefaultInstanceClass       = "db.r6g.large"
	DefaultAuroraInstances     = 2
	DefaultMasterUsername      = "dbadmin"
	DefaultBackupRetentionDays = 14
)

var (
	pgVersion    = regexp.MustCompile(`^[0-9]+\.[0-9]+$`)
	mysqlVersion = regexp.MustCompile(`^[0-9]+\.[0-9]+\.mysql_aurora\.[0-9]+\.[0-9]+\.[0-9]+$`)
	dbIdentifier = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
)

// AuroraSpec is an Aurora cluster in the isolated subnets (kind: aurora),
// encrypted, TLS-only, with its master password managed by Secrets Manager.
type AuroraSpec struct {
	Kind Kind `json:"kind"`
	// StoreSpec says how consumers authenticate (auth: secret | iam) and
	// names their environment values (envPrefix).
	StoreSpec
	// IAMUsers names, per consumer, the database user it logs in as with auth:
	// iam; default the consumer's name with underscores (api-v2 -> api_v2).
	// Each user needs a one-time grant inside the database: the plan and the
	// network rules document print the statements.
	IAMUsers map[string]string `json:"iamUsers,omitempty"`
	// Engine is aurora-postgresql or aurora-mysql. Required.
	Engine string `json:"engine"`
	// EngineVersion, e.g. 16.4 (aurora-postgresql) or 8.0.mysql_aurora.3.08.0
	// (aurora-mysql). Required: upgrades are deliberate.
	EngineVersion string `json:"engineVersion"`
	// InstanceClass of every instance; default db.r6g.large.
	InstanceClass string `json:"instanceClass"`
	// Instances counts the writer and the readers; at least 1, default 2.
	// platform:protect needs at least 2 so that losing a zone fails over.
	Instances int `json:"instances"`
	// DatabaseName is the database created with the cluster; default the
	// workload name with hyphens turned into underscores.
	DatabaseName string `json:"databaseName"`
	// MasterUsername; default dbadmin. The password is generated and kept in
	// Secrets Manager by RDS, never in config or state.
	MasterUsername string `json:"masterUsername"`
	// BackupRetentionDays keeps automated backups; 1 to 35, default 14.
	BackupRetentionDays int `json:"backupRetentionDays"`
	// Port; default 5432 for aurora-postgresql, 3306 for aurora-mysql.
	Port int `json:"port"`
	// Parameters are cluster parameter group values. TLS is always required
	// (rds.force_ssl=1 / require_secure_transport=ON) and cannot be turned off here.
	Parameters map[string]string `json:"parameters,omitempty"`
	// ClusterIdentifier names the cluster in AWS (unique per account and
	// region, fixed at creation; its exported logs live under
	// /aws/rds/cluster/<identifier>/). Default: <platform:name>-<workload>-
	// plus a short hash of the settings whose change replaces the cluster, so
	// a replacement gets a new name. A cluster created before this key
	// existed was named by Pulumi: set its identifier here to keep it.
	ClusterIdentifier string `json:"clusterIdentifier,omitempty"`
	// LogRetentionDays keeps the logs the cluster exports to CloudWatch (the
	// platform creates their log groups); a CloudWatch retention value, default 30.
	LogRetentionDays int `json:"logRetentionDays"`
	// ApplyImmediately makes RDS apply a change when `pulumi up` runs rather
	// than at the next maintenance window; default true. See docs/real-account.md.
	ApplyImmediately bool `json:"applyImmediately"`
	// Scaling, when present, adds and removes readers beside the instances
	// (Aurora Auto Scaling) between minCount and maxCount readers, on their
	// average CPU or connections.
	Scaling *ScalingSpec `json:"scaling,omitempty"`
	// Restore creates the cluster from a backup instead of empty: exactly one
	// of snapshot (a cluster snapshot ARN), recoveryPoint (an AWS Backup
	// recovery point ARN) or pointInTime {source, time}. The database name and
	// master user come from the source. After the restore, a snapshot or
	// recovery point may be removed (the provider ignores the removal); a
	// pointInTime must stay, or the cluster is replaced.
	Restore *dataprotect.Restore `json:"restore,omitempty"`
	// Adopt takes over an existing cluster, named in the migration's
	// snapshot, and moves it into the isolated tier in stages (see
	// AuroraAdopt). masterUsername, databaseName, port and
	// backupRetentionDays then default to the cluster's own values, and
	// engine, engineVersion and instanceClass must equal them.
	Adopt *AuroraAdopt `json:"adopt,omitempty"`
}

// Aurora engines.
const (
	EngineAuroraPostgres = "aurora-postgresql"
	EngineAuroraMySQL    = "aurora-mysql"
)

func (s *AuroraSpec) defaults(name string, has func(...string) bool) {
	if !has("auth") {
		s.Auth = AuthSecret
	}
	if !has("instanceClass") && s.Adopt == nil {
		s.InstanceClass = DefaultInstanceClass
	}
	if !has("instances") {
		s.Instances = DefaultAuroraInstances
		if s.Adopt != nil {
			s.Instances = len(s.Adopt.NewInstances)
		}
	}
	if s.Adopt != nil {
		// The adopted cluster's own values, filled from the snapshot.
		if !has("logRetentionDays") {
			s.LogRetentionDays = DefaultLogRetentionDays
		}
		if !has("applyImmediately") {
			s.ApplyImmediately = DefaultApplyImmediately
		}
		return
	}
	if !has("databaseName") {
		s.DatabaseName = strings.ReplaceAll(name, "-", "_")
	}
	if !has("masterUsername") {
		s.MasterUsername = DefaultMasterUsername
	}
	if !has("backupRetentionDays") {
		s.BackupRetentionDays = DefaultBackupRetentionDays
	}
	if !has("port") {
		s.Port = DefaultAuroraPort(s.Engine)
	}
	if !has("logRetentionDays") {
		s.LogRetentionDays = DefaultLogRetentionDays
	}
	if !has("applyImmediately") {
		s.ApplyImmediately = DefaultApplyImmediately
	}
}

// DefaultApplyImmediately: a data store applies a change when `pulumi up`
// runs it, so the deploy does what its preview said when it said. A change
// deferred to the maintenance window is a choice a stack makes per store.
const DefaultApplyImmediately = true

// DefaultAuroraPort is the engine's conventional port: 3306 for aurora-mysql,
// 5432 otherwise.
func DefaultAuroraPort(engine string) int {
	if engine == EngineAuroraMySQL {
		return 3306
	}
	return 5432
}

func (s AuroraSpec) validate(k string, v ValidateContext, p *problems.List) {
	s.StoreSpec.validate(k, KindAurora, s.Engine, s.EngineVersion, p)
	switch s.Engine {
	case EngineAuroraPostgres:
		if s.EngineVersion == "" {
			p.Add(k+".engineVersion", "required; set the version, e.g. 16.4")
		} else if !pgVersion.MatchString(s.EngineVersion) {
			p.Add(k+".engineVersion", "%q is not an aurora-postgresql version; write major.minor, e.g. 16.4", s.EngineVersion)
		} else if major, _ := strconv.Atoi(strings.SplitN(s.EngineVersion, ".", 2)[0]); s.Adopt == nil && major < 11 {
			// RDS Extended Support starts at 11: on 9.6 and 10 RDS creates no
			// new cluster (an adopted one runs what it runs).
			p.Add(k+".engineVersion", "Aurora PostgreSQL %d has reached its end of life and RDS creates no new cluster on it; use a current version, e.g. 16.4", major)
		}
	case EngineAuroraMySQL:
		if s.EngineVersion == "" {
			p.Add(k+".engineVersion", "required; set the version, e.g. 8.0.mysql_aurora.3.08.0")
		} else if !mysqlVersion.MatchString(s.EngineVersion) {
			p.Add(k+".engineVersion", "%q is not an aurora-mysql version; write it as 8.0.mysql_aurora.3.08.0", s.EngineVersion)
		} else if s.Adopt == nil && strings.HasPrefix(s.EngineVersion, "5.6.") {
			p.Add(k+".engineVersion", "Aurora MySQL version 1 (MySQL 5.6) has reached its end of life and RDS creates no new cluster on it; use version 3, e.g. 8.0.mysql_aurora.3.08.0")
		}
	case "":
		p.Add(k+".engine", "required; use aurora-postgresql or aurora-mysql")
	default:
		p.Add(k+".engine", "%q is not an Aurora engine; use aurora-postgresql or aurora-mysql", s.Engine)
	}
	adopted := s.Adopt != nil
	if adopted {
		s.validateAdoptShape(k, p)
	}
	if (!adopted || s.InstanceClass != "") && !strings.HasPrefix(s.InstanceClass, "db.") {
		p.Add(k+".instanceClass", "%q is not a DB instance class; write one such as %s", s.InstanceClass, DefaultInstanceClass)
	} else if s.InstanceClass != "" && s.InstanceClass != "db.serverless" {
		if why := badClassSize(s.InstanceClass); why != "" {
			p.Add(k+".instanceClass", "%q is not a DB instance class: %s", s.InstanceClass, why)
		}
	}
	switch {
	case s.Instances < 1:
		p.Add(k+".instances", "must be at least 1 (the writer), got %d", s.Instances)
	case s.Instances > MaxAuroraInstances:
		p.Add(k+".instances", "must be at most %d (the writer and Aurora's 15 readers), got %d", MaxAuroraInstances, s.Instances)
	case v.Protect && s.Instances < 2:
		p.Add(k+".instances", "a protected (production) stack needs at least 2 instances, a writer and a reader in another zone to fail over to; got %d", s.Instances)
	}
	// An adopted cluster's unset values come from the snapshot.
	if (!adopted || s.DatabaseName != "") && (!dbIdentifier.MatchString(s.DatabaseName) || len(s.DatabaseName) > 63) {
		p.Add(k+".databaseName", "%q is not a database name; use letters, digits and underscores, starting with a letter, at most 63 characters", s.DatabaseName)
	}
	if (!adopted || s.MasterUsername != "") && (!dbIdentifier.MatchString(s.MasterUsername) || len(s.MasterUsername) > 16) {
		p.Add(k+".masterUsername", "%q is not a user name; use letters, digits and underscores, starting with a letter, at most 16 characters", s.MasterUsername)
	}
	if (!adopted || s.BackupRetentionDays != 0) && (s.BackupRetentionDays < 1 || s.BackupRetentionDays > 35) {
		p.Add(k+".backupRetentionDays", "must be between 1 and 35 days, got %d", s.BackupRetentionDays)
	}
	if !adopted || s.Port != 0 {
		checkPort(p, k+".port", s.Port)
	}
	checkRetention(p, k+".logRetentionDays", s.LogRetentionDays)
	if s.ClusterIdentifier != "" {
		if why := badDBIdentifier(s.ClusterIdentifier, 63); why != "" {
			p.Add(k+".clusterIdentifier", "%q %s", s.ClusterIdentifier, why)
		}
	}
	for _, n := range sortedKeys(s.Parameters) {
		pk := k + ".parameters." + n
		val := strings.TrimSpace(s.Parameters[n])
		switch {
		case n == "rds.force_ssl" && val != "1":
			p.Add(pk, "TLS is required for every connection; remove this parameter (the platform sets rds.force_ssl=1)")
		case n == "require_secure_transport" && !strings.EqualFold(val, "ON") && val != "1":
			p.Add(pk, "TLS is required for every connection; remove this parameter (the platform sets require_secure_transport=ON)")
		}
	}
	if s.Restore != nil {
		s.Restore.ValidateAurora(k+".restore", v.Region, v.now(), p)
	}
}

var dbIdentifierChars = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*$`)

// badDBIdentifier says what is wrong with an RDS identifier (a cluster's, a
// snapshot's), or "" when RDS accepts it: 1 to max letters, digits and
// hyphens, starting with a letter, no two consecutive hyphens, not ending
// with a hyphen.
func badDBIdentifier(id string, max int) string {
	switch {
	case len(id) == 0 || len(id) > max:
		return fmt.Sprintf("must have 1 to %d characters", max)
	case !dbIdentifierChars.MatchString(id):
		return "must be letters, digits and hyphens, starting with a letter"
	case strings.Contains(id, "--"):
		return "must not contain two consecutive hyphens"
	case strings.HasSuffix(id, "-"):
		return "must not end with a hyphen"
	}
	return ""
}

// ClusterIdentifier is the identifier the cluster of workload component name
// gets: the configured one, else name plus a hash of the settings whose
// change replaces the cluster (engine, master user, database name, restore
// source, storage key), so a replacement can be created before the old
// cluster is deleted.
func ClusterIdentifier(name string, s AuroraSpec) string {
	if s.Adopt != nil && s.Adopt.ClusterIdentifier != "" {
		return s.Adopt.ClusterIdentifier
	}
	if s.ClusterIdentifier != "" {
		return s.ClusterIdentifier
	}
	fp := []string{s.Engine, s.MasterUsername, s.DatabaseName}
	if s.Restore != nil {
		// A new restore source replaces the cluster: a new identifier lets the
		// restored one be created before the old one goes.
		fp = append(fp, s.Restore.Kind()+" "+s.Restore.Source())
	}
	if s.StorageKey != "" {
		fp = append(fp, "key "+s.StorageKey)
	}
	return strings.ToLower(physicalName(name, 63, fp...))
}

// AuroraFamily is the parameter group family of an engine and version:
// aurora-postgresql16 for 16.4, aurora-mysql8.0 for 8.0.mysql_aurora.3.08.0.
func AuroraFamily(engine, version string) string {
	parts := strings.Split(version, ".")
	if engine == EngineAuroraMySQL {
		if len(parts) >= 2 {
			return engine + parts[0] + "." + parts[1]
		}
		return engine + version
	}
	major := parts[0]
	// Before 10, PostgreSQL's major version had two parts (9.6).
	if len(parts) >= 2 && major == "9" {
		major += "." + parts[1]
	}
	return engine + major
}
