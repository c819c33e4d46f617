package migrate_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// The import-only stage audit --emit-stack writes adopts the seed's Redis as
// a cache workload whose imports carry exactly the snapshot's values: the
// replication group, its subnet group and each member cluster.
func TestAdoptStage_ImportsTheSeedsCacheWithTheSnapshotsValues(t *testing.T) {
	raw := func(file, list string) []map[string]any {
		b, err := os.ReadFile(filepath.Join(examples, "snapshot", file))
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string][]map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		return doc[list]
	}
	rg := raw("elasticache-replication-groups.json", "ReplicationGroups")[0]
	clusters := raw("elasticache-cache-clusters.json", "CacheClusters")
	sng := raw("elasticache-cache-subnet-groups.json", "CacheSubnetGroups")[0]
	g := runStage(t, "adopt").Graph

	got, ok := g.Named("aws:elasticache/replicationGroup:ReplicationGroup", "prod-prod-redis")
	if !ok {
		t.Fatal("the adopt stage does not adopt prod-redis")
	}
	p := clusters[0]
	want := map[string]any{
		"replicationGroupId": rg["ReplicationGroupId"], "description": rg["Description"], "engine": rg["Engine"],
		"engineVersion": strings.Join(strings.Split(p["EngineVersion"].(string), ".")[:2], "."), "nodeType": rg["CacheNodeType"],
		"port":                     p["CacheNodes"].([]any)[0].(map[string]any)["Endpoint"].(map[string]any)["Port"],
		"automaticFailoverEnabled": rg["AutomaticFailover"] == "enabled", "multiAzEnabled": rg["MultiAZ"] == "enabled",
		"atRestEncryptionEnabled": rg["AtRestEncryptionEnabled"], "transitEncryptionEnabled": rg["TransitEncryptionEnabled"],
		"transitEncryptionMode": rg["TransitEncryptionMode"], "snapshotRetentionLimit": rg["SnapshotRetentionLimit"],
		"snapshotWindow": rg["SnapshotWindow"], "subnetGroupName": p["CacheSubnetGroupName"],
		"parameterGroupName": p["CacheParameterGroup"].(map[string]any)["CacheParameterGroupName"],
		"securityGroupIds":   []any{p["SecurityGroups"].([]any)[0].(map[string]any)["SecurityGroupId"]},
	}
	if got.ImportID != rg["ReplicationGroupId"] || !got.Protect || !reflect.DeepEqual(got.Inputs, want) {
		t.Errorf("the group is imported as %q (protect %v) with\n  %v\nthe snapshot has\n  %v", got.ImportID, got.Protect, got.Inputs, want)
	}
	sg, _ := g.Named("aws:elasticache/subnetGroup:SubnetGroup", "prod-prod-redis")
	var subnets, ids []string
	for _, s := range sng["Subnets"].([]any) {
		subnets = append(subnets, s.(map[string]any)["SubnetIdentifier"].(string))
	}
	for _, s := range sg.Inputs["subnetIds"].([]any) {
		ids = append(ids, s.(string))
	}
	sort.Strings(subnets)
	sort.Strings(ids)
	if sg.ImportID != sng["CacheSubnetGroupName"] || sg.Inputs["description"] != sng["CacheSubnetGroupDescription"] || !reflect.DeepEqual(ids, subnets) {
		t.Errorf("the subnet group is imported as %q with %v", sg.ImportID, sg.Inputs)
	}
	for _, c := range clusters {
		id := c["CacheClusterId"].(string)
		m, ok := g.Named("aws:elasticache/cluster:Cluster", "prod-prod-redis-"+id)
		w := map[string]any{"clusterId": id, "replicationGroupId": c["ReplicationGroupId"], "availabilityZone": c["PreferredAvailabilityZone"]}
		if !ok || m.ImportID != id || !reflect.DeepEqual(m.Inputs, w) {
			t.Errorf("member %s imported as %q with %v, want %v", id, m.ImportID, m.Inputs, w)
		}
	}
}
