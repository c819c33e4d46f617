package compute

import (
	"testing"

	"github.com/acme/platform/dataprotect"
)

// A store's identifier changes with its restore source (a new source is a new
// store, created before the old one goes) and not otherwise.
func TestRestoreSourceIsInTheStoresIdentifier(t *testing.T) {
	a := AuroraSpec{Engine: EngineAuroraPostgres, MasterUsername: "dbadmin", DatabaseName: "app"}
	plain := ClusterIdentifier("prod-database", a)
	a.Restore = &dataprotect.Restore{RecoveryPoint: "arn:aws:rds:us-east-1:111122223333:cluster-snapshot:awsbackup:job-1"}
	one := ClusterIdentifier("prod-database", a)
	a.Restore = &dataprotect.Restore{RecoveryPoint: "arn:aws:rds:us-east-1:111122223333:cluster-snapshot:awsbackup:job-2"}
	two := ClusterIdentifier("prod-database", a)
	if plain == one || one == two {
		t.Errorf("identifiers %s, %s, %s: each restore source needs its own", plain, one, two)
	}
	if plain != "prod-database-85d841" {
		t.Errorf("a cluster without restore changed its identifier: %s", plain)
	}
	c := CacheSpec{Port: 6379}
	if ReplicationGroupID("prod-cache", c) == ReplicationGroupID("prod-cache", CacheSpec{Port: 6379, Restore: &dataprotect.Restore{Snapshot: "arn:aws:elasticache:us-east-1:111122223333:snapshot:s"}}) {
		t.Error("a restored cache keeps the ID of an empty one")
	}
}
