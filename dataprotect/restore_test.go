package dataprotect

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/acme/platform/internal/decode"
	"github.com/acme/platform/internal/problems"
)

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

const (
	snapshotARN = "arn:aws:rds:us-east-1:111122223333:cluster-snapshot:prod-database-before-upgrade"
	pointARN    = "arn:aws:rds:us-east-1:111122223333:cluster-snapshot:awsbackup:job-1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d"
)

func restoreProblems(t *testing.T, doc string, cache bool) []string {
	t.Helper()
	var raw any
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
		t.Fatal(err)
	}
	var p problems.List
	var r Restore
	decode.Into("restore", raw, &r, &p)
	if cache {
		r.ValidateCache("restore", "us-east-1", &p)
	} else {
		r.ValidateAurora("restore", "us-east-1", now, &p)
	}
	return problems.Messages(p.Err())
}

func TestRestore_AcceptedSources(t *testing.T) {
	for _, doc := range []string{
		`{"snapshot":"` + snapshotARN + `"}`,
		`{"snapshot":"arn:aws:rds:us-east-1:444455556666:cluster-snapshot:shared-from-backup-account"}`,
		`{"recoveryPoint":"` + pointARN + `"}`,
		`{"pointInTime":{"source":"prod-database-a1b2c3","time":"2026-06-01T11:59:59Z"}}`,
		`{"pointInTime":{"source":"prod-database-a1b2c3","time":"2026-06-01T12:00:00Z"}}`, // now is not the future
		`{"pointInTime":{"source":"arn:aws:rds:us-east-1:111122223333:cluster:prod-database-a1b2c3","time":"latest"}}`,
	} {
		if msgs := restoreProblems(t, doc, false); len(msgs) > 0 {
			t.Errorf("%s: %q", doc, msgs)
		}
	}
	for _, doc := range []string{
		`{"snapshot":"arn:aws:elasticache:us-east-1:111122223333:snapshot:prod-cache-weekly"}`,
		`{"snapshot":"arn:aws:s3:::acme-cache-exports/prod/cache-0001.rdb"}`,
	} {
		if msgs := restoreProblems(t, doc, true); len(msgs) > 0 {
			t.Errorf("cache %s: %q", doc, msgs)
		}
	}
}

func TestRestore_BadSourcesAreNamed(t *testing.T) {
	for _, tc := range []struct {
		doc, at, words string
		cache          bool
	}{
		{`{"snapshot":"prod-database-before-upgrade"}`, "restore.snapshot", "not an Aurora cluster snapshot ARN", false},
		{`{"snapshot":"arn:aws:rds:us-east-1:111122223333:snapshot:an-instance-snapshot"}`, "restore.snapshot", "not an Aurora cluster snapshot ARN", false},
		{`{"snapshot":"arn:aws:rds:us-west-2:111122223333:cluster-snapshot:x"}`, "restore.snapshot", "only in its own region", false},
		{`{"recoveryPoint":"arn:aws:backup:us-east-1:111122223333:recovery-point:1a2b"}`, "restore.recoveryPoint", "not an Aurora recovery point ARN", false},
		{`{"recoveryPoint":"` + snapshotARN + `"}`, "restore.recoveryPoint", "not an Aurora recovery point ARN", false},
		{`{"recoveryPoint":"arn:aws:rds:us-west-2:111122223333:cluster-snapshot:awsbackup:copyjob-1"}`, "restore.recoveryPoint", "restore from the copy in this region", false},
		{`{"pointInTime":{"source":"prod-database","time":"2026-06-01T12:00:01Z"}}`, "restore.pointInTime.time", "in the future", false},
		{`{"pointInTime":{"source":"prod-database","time":"yesterday"}}`, "restore.pointInTime.time", "not an RFC 3339 time", false},
		{`{"pointInTime":{"source":"prod-database"}}`, "restore.pointInTime.time", "required", false},
		{`{"pointInTime":{"time":"latest"}}`, "restore.pointInTime.source", "required", false},
		{`{"pointInTime":{"source":"prod--database","time":"latest"}}`, "restore.pointInTime.source", "neither a DB cluster identifier", false},
		{`{"pointInTime":{"source":"arn:aws:rds:eu-west-1:111122223333:cluster:db","time":"latest"}}`, "restore.pointInTime.source", "stays in the source's region", false},
		{`{}`, "restore", "name what to restore", false},
		{`{"snapshot":"` + snapshotARN + `","recoveryPoint":"` + pointARN + `"}`, "restore", "exactly one", false},
		{`{"recoveryPoint":"` + pointARN + `"}`, "restore.recoveryPoint", "does not cover ElastiCache", true},
		{`{"pointInTime":{"source":"x","time":"latest"}}`, "restore.pointInTime", "no point-in-time restore", true},
		{`{"snapshot":"` + snapshotARN + `"}`, "restore.snapshot", "neither an ElastiCache snapshot ARN", true},
		{`{"snapshot":"arn:aws:elasticache:eu-west-1:111122223333:snapshot:s"}`, "restore.snapshot", "only in its own region", true},
	} {
		msgs := restoreProblems(t, tc.doc, tc.cache)
		if len(msgs) != 1 || !strings.HasPrefix(msgs[0], tc.at+": ") || !strings.Contains(msgs[0], tc.words) {
			t.Errorf("%s (cache %v):\n got %q\n want one problem at %s containing %q", tc.doc, tc.cache, msgs, tc.at, tc.words)
		}
	}
}

func TestRestore_SourcesAsAWSTakesThem(t *testing.T) {
	r := Restore{Snapshot: "arn:aws:elasticache:us-east-1:111122223333:snapshot:prod-cache-m03"}
	if name, rdb := r.CacheSnapshot(); name != "prod-cache-m03" || rdb != nil {
		t.Errorf("cache snapshot: %q %v", name, rdb)
	}
	r = Restore{Snapshot: "arn:aws:s3:::bkt/x.rdb"}
	if name, rdb := r.CacheSnapshot(); name != "" || len(rdb) != 1 {
		t.Errorf("rdb export: %q %v", name, rdb)
	}
	r = Restore{RecoveryPoint: pointARN}
	if r.Kind() != RestoreRecoveryPoint || r.Source() != pointARN || r.SnapshotAccount() != "111122223333" {
		t.Errorf("recovery point: %s %s %s", r.Kind(), r.Source(), r.SnapshotAccount())
	}
	if (Restore{}).Kind() != "" || (Restore{Snapshot: "a", RecoveryPoint: "b"}).Kind() != "" {
		t.Error("no source or two sources have no kind")
	}
}
