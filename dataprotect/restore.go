package dataprotect

import (
	"regexp"
	"strings"
	"time"

	"github.com/acme/platform/internal/problems"
)

// Restore creates a data store from a backup instead of empty. It is the
// `restore` block of an aurora or cache workload: exactly one of
//
//	restore: {snapshot: <ARN>}
//	restore: {recoveryPoint: <ARN>}
//	restore: {pointInTime: {source: <cluster>, time: <RFC 3339 | latest>}}
//
// The restored store is built like any other (isolated subnets, its own
// security group and rules, the stack's keys), so a restore drill is
// `pulumi up` of a drill stack and a real recovery is a reviewed stack
// change. The source is fixed at creation: a changed source replaces the
// store. Removing the block afterwards is harmless for an Aurora snapshot or
// recovery point (the provider ignores it); keep a pointInTime block and a
// cache's snapshot, whose removal replaces the store.
type Restore struct {
	// Snapshot is an Aurora cluster snapshot ARN
	// (arn:aws:rds:<region>:<account>:cluster-snapshot:<id>), or for a cache an
	// ElastiCache snapshot ARN (arn:aws:elasticache:<region>:<account>:snapshot:<name>)
	// or an exported .rdb object (arn:aws:s3:::<bucket>/<key>.rdb).
	Snapshot string `json:"snapshot,omitempty"`
	// RecoveryPoint is an AWS Backup recovery point of an Aurora cluster; the
	// vault lists it as arn:aws:rds:<region>:<account>:cluster-snapshot:awsbackup:<job>.
	RecoveryPoint string `json:"recoveryPoint,omitempty"`
	// PointInTime restores another cluster as it was at a moment within its
	// backup retention (Aurora only).
	PointInTime *PointInTime `json:"pointInTime,omitempty"`
}

// PointInTime is a moment of another cluster.
type PointInTime struct {
	// Source is the cluster's identifier or ARN, in the stack's region. Required.
	Source string `json:"source"`
	// Time is an RFC 3339 instant in the past (2026-03-01T04:30:00Z), or
	// "latest" for the latest restorable time (about five minutes ago). Required.
	Time string `json:"time"`
}

// Restore kinds, as config spells them.
const (
	RestoreSnapshot      = "snapshot"
	RestoreRecoveryPoint = "recoveryPoint"
	RestorePointInTime   = "pointInTime"
)

// LatestRestorableTime is the Time value that asks for the latest restorable time.
const LatestRestorableTime = "latest"

// Kind names which source is set ("" when none or several).
func (r Restore) Kind() string {
	var kinds []string
	if r.Snapshot != "" {
		kinds = append(kinds, RestoreSnapshot)
	}
	if r.RecoveryPoint != "" {
		kinds = append(kinds, RestoreRecoveryPoint)
	}
	if r.PointInTime != nil {
		kinds = append(kinds, RestorePointInTime)
	}
	if len(kinds) != 1 {
		return ""
	}
	return kinds[0]
}

// Source is the ARN or identifier the store is restored from.
func (r Restore) Source() string {
	switch r.Kind() {
	case RestoreSnapshot:
		return r.Snapshot
	case RestoreRecoveryPoint:
		return r.RecoveryPoint
	case RestorePointInTime:
		return r.PointInTime.Source
	}
	return ""
}

var (
	clusterSnapshotARN = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):rds:([a-z0-9-]+):([0-9]{12}):cluster-snapshot:([A-Za-z][A-Za-z0-9:-]{0,254})$`)
	clusterARN         = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):rds:([a-z0-9-]+):([0-9]{12}):cluster:([A-Za-z][A-Za-z0-9-]{0,62})$`)
	cacheSnapshotARN   = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):elasticache:([a-z0-9-]+):([0-9]{12}):snapshot:([A-Za-z][A-Za-z0-9-]{0,254})$`)
	rdbObjectARN       = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(.+\.rdb)$`)
)

// validIdentifier reports whether s is a DB cluster identifier: 1 to 63
// letters, digits and hyphens, a letter first, no hyphen last or twice in a row.
func validIdentifier(s string) bool {
	if s == "" || len(s) > 63 || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') || strings.HasSuffix(s, "-") || strings.Contains(s, "--") {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

func checkOneSource(k string, r Restore, p *problems.List) bool {
	n := 0
	for _, set := range []bool{r.Snapshot != "", r.RecoveryPoint != "", r.PointInTime != nil} {
		if set {
			n++
		}
	}
	switch n {
	case 0:
		p.Add(k, "name what to restore: snapshot, recoveryPoint or pointInTime {source, time}; or remove restore for an empty store")
	case 1:
		return true
	default:
		p.Add(k, "set exactly one of snapshot, recoveryPoint and pointInTime")
	}
	return false
}

// ValidateAurora checks an aurora workload's restore block: the source must
// be an ARN of the right kind in region (snapshots restore only in their own
// region), and a point in time must lie in the past as of now.
func (r Restore) ValidateAurora(k, region string, now time.Time, p *problems.List) {
	if !checkOneSource(k, r, p) {
		return
	}
	switch r.Kind() {
	case RestoreSnapshot:
		m := clusterSnapshotARN.FindStringSubmatch(r.Snapshot)
		switch {
		case m == nil:
			p.Add(k+".snapshot", "%q is not an Aurora cluster snapshot ARN; write arn:aws:rds:<region>:<account>:cluster-snapshot:<id> (aws rds describe-db-cluster-snapshots lists them)", r.Snapshot)
		case region != "" && m[2] != region:
			p.Add(k+".snapshot", "the snapshot is in %s and the stack in %s; RDS restores a snapshot only in its own region: copy it first (aws rds copy-db-cluster-snapshot --source-region %s ...) and name the copy", m[2], region, m[2])
		}
	case RestoreRecoveryPoint:
		m := clusterSnapshotARN.FindStringSubmatch(r.RecoveryPoint)
		switch {
		case m == nil || !strings.HasPrefix(m[4], "awsbackup:"):
			p.Add(k+".recoveryPoint", "%q is not an Aurora recovery point ARN; AWS Backup lists them as arn:aws:rds:<region>:<account>:cluster-snapshot:awsbackup:<job id> (aws backup list-recovery-points-by-backup-vault)", r.RecoveryPoint)
		case region != "" && m[2] != region:
			p.Add(k+".recoveryPoint", "the recovery point is in %s and the stack in %s; restore from the copy in this region (its vault lists it), or run the stack in %s", m[2], region, m[2])
		}
	case RestorePointInTime:
		pit := r.PointInTime
		switch m := clusterARN.FindStringSubmatch(pit.Source); {
		case pit.Source == "":
			p.Add(k+".pointInTime.source", "required; the identifier or ARN of the cluster to restore")
		case m != nil && region != "" && m[2] != region:
			p.Add(k+".pointInTime.source", "the cluster is in %s and the stack in %s; a point-in-time restore stays in the source's region", m[2], region)
		case m == nil && !validIdentifier(pit.Source):
			p.Add(k+".pointInTime.source", "%q is neither a DB cluster identifier nor a cluster ARN (arn:aws:rds:<region>:<account>:cluster:<id>)", pit.Source)
		}
		switch pit.Time {
		case "":
			p.Add(k+".pointInTime.time", "required; an RFC 3339 time such as 2026-03-01T04:30:00Z, or latest")
		case LatestRestorableTime:
		default:
			t, err := time.Parse(time.RFC3339, pit.Time)
			switch {
			case err != nil:
				p.Add(k+".pointInTime.time", "%q is not an RFC 3339 time; write it like 2026-03-01T04:30:00Z, or use latest", pit.Time)
			case t.After(now):
				p.Add(k+".pointInTime.time", "%s is in the future (now is %s); a cluster can only be restored to a moment it has already lived through, or use latest", pit.Time, now.UTC().Format(time.RFC3339))
			}
		}
	}
}

// ValidateCache checks a cache workload's restore block. ElastiCache restores
// only from a snapshot of its own account and region or an exported .rdb file.
func (r Restore) ValidateCache(k, region string, p *problems.List) {
	if !checkOneSource(k, r, p) {
		return
	}
	switch r.Kind() {
	case RestoreRecoveryPoint:
		p.Add(k+".recoveryPoint", "AWS Backup does not cover ElastiCache, so a cache has no recovery points; restore from a snapshot (snapshot: arn:aws:elasticache:...:snapshot:<name>)")
	case RestorePointInTime:
		p.Add(k+".pointInTime", "ElastiCache has no point-in-time restore; restore from a snapshot (snapshot: arn:aws:elasticache:...:snapshot:<name>)")
	case RestoreSnapshot:
		if rdbObjectARN.MatchString(r.Snapshot) {
			return
		}
		m := cacheSnapshotARN.FindStringSubmatch(r.Snapshot)
		switch {
		case m == nil:
			p.Add(k+".snapshot", "%q is neither an ElastiCache snapshot ARN (arn:aws:elasticache:<region>:<account>:snapshot:<name>) nor an exported .rdb object (arn:aws:s3:::<bucket>/<key>.rdb)", r.Snapshot)
		case region != "" && m[2] != region:
			p.Add(k+".snapshot", "the snapshot is in %s and the stack in %s; ElastiCache restores a snapshot only in its own region: export it to S3 and name the .rdb object instead", m[2], region)
		}
	}
}

// CacheSnapshot splits a cache restore source into what ElastiCache takes:
// a snapshot name (for a snapshot of this account and region) or S3 object
// ARNs of exported .rdb files.
func (r Restore) CacheSnapshot() (name string, rdbARNs []string) {
	if rdbObjectARN.MatchString(r.Snapshot) {
		return "", []string{r.Snapshot}
	}
	if m := cacheSnapshotARN.FindStringSubmatch(r.Snapshot); m != nil {
		return m[4], nil
	}
	return "", nil
}

// SnapshotAccount is the account that owns a snapshot or recovery point ARN
// ("" for a point in time or an S3 object).
func (r Restore) SnapshotAccount() string {
	for _, re := range []*regexp.Regexp{clusterSnapshotARN, cacheSnapshotARN} {
		if m := re.FindStringSubmatch(r.Source()); m != nil {
			return m[3]
		}
	}
	return ""
}
