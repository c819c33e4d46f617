package review

import (
	"strconv"
	"strings"

	"github.com/acme/platform/internal/sim"
)

// ---- RDS ------------------------------------------------------------------

func isAurora(r sim.Resource) bool { return strings.HasPrefix(str(r.Inputs, "engine"), "aurora") }

// clusterInstances returns the rds.ClusterInstances of a cluster.
func clusterInstances(v *view, c sim.Resource) []sim.Resource {
	var out []sim.Resource
	for _, i := range v.of(tRDSClusterIn) {
		if v.refersTo(i, "clusterIdentifier", c) {
			out = append(out, i)
		}
	}
	return out
}

// checkClusterFlag checks that every rds.Cluster (that applies) sets a
// boolean input true.
func checkClusterFlag(input, what string, applies func(sim.Resource) bool) func(*view) outcome {
	return func(v *view) (o outcome) {
		for _, c := range v.of(tRDSCluster) {
			if applies != nil && !applies(c) {
				continue
			}
			o.eval(1)
			switch {
			case isFalse(c.Inputs, input):
				o.fail(c, "%s is off (%s: false)", what, input)
			case !isTrue(c.Inputs, input):
				o.fail(c, "%s is off (%s is not set)", what, input)
			}
		}
		return o
	}
}

func checkRDSPublic(v *view) (o outcome) {
	for _, i := range v.of(tRDSClusterIn, tRDSInstance) {
		o.eval(1)
		if isTrue(i.Inputs, "publiclyAccessible") {
			o.fail(i, "publiclyAccessible is true")
		}
	}
	return o
}

func checkRDSInstanceEncryption(v *view) (o outcome) {
	for _, i := range v.of(tRDSInstance) {
		o.eval(1)
		if !isTrue(i.Inputs, "storageEncrypted") {
			o.fail(i, "storageEncrypted is not true")
		}
	}
	for _, i := range v.of(tRDSClusterIn) {
		o.eval(1)
		clusters := v.refs(i, "clusterIdentifier", tRDSCluster)
		if len(clusters) == 0 {
			o.fail(i, "its cluster is not in the graph, so its encryption cannot be checked")
			continue
		}
		for _, c := range clusters {
			if !isTrue(c.Inputs, "storageEncrypted") {
				o.fail(i, "its cluster %s does not set storageEncrypted", c.Name)
			}
		}
	}
	return o
}

func checkRDSMinorUpgrades(v *view) (o outcome) {
	for _, i := range v.of(tRDSClusterIn, tRDSInstance) {
		o.eval(1)
		if isFalse(i.Inputs, "autoMinorVersionUpgrade") {
			o.fail(i, "autoMinorVersionUpgrade is false")
		}
	}
	return o
}

func checkClusterZones(v *view) (o outcome) {
	for _, c := range v.of(tRDSCluster) {
		o.eval(1)
		in := clusterInstances(v, c)
		if len(in) < 2 {
			o.fail(c, "has %s; a second instance in another zone takes over when one fails", plural(len(in), "instance", "instances"))
			continue
		}
		zones := map[string]bool{}
		pinned := 0
		for _, i := range in {
			if az := str(i.Inputs, "availabilityZone"); az != "" {
				zones[az] = true
				pinned++
			}
		}
		if pinned == len(in) && len(zones) < 2 {
			o.fail(c, "every instance is pinned to %s", strings.Join(sortedKeys(zones), ", "))
		}
	}
	return o
}

// restored reports whether a cluster is created from a snapshot, a recovery
// point or another cluster's point in time (it takes the source's master user).
func restored(c sim.Resource) bool {
	return str(c.Inputs, "snapshotIdentifier") != "" || val(c.Inputs, "restoreToPointInTime") != nil
}

func checkClusterUsername(v *view) (o outcome) {
	for _, c := range v.of(tRDSCluster) {
		if restored(c) && str(c.Inputs, "masterUsername") == "" {
			continue // the master user is the source's; check the source
		}
		o.eval(1)
		switch u := str(c.Inputs, "masterUsername"); u {
		case "admin", "postgres":
			o.fail(c, "masterUsername is the engine default %q", u)
		case "":
			o.fail(c, "masterUsername is not set (the engine default is used)")
		}
	}
	return o
}

func checkClusterLogs(engine, export string) func(*view) outcome {
	return func(v *view) (o outcome) {
		for _, c := range v.of(tRDSCluster) {
			if str(c.Inputs, "engine") != engine {
				continue
			}
			o.eval(1)
			if !oneOf(export, strs(c.Inputs, "enabledCloudwatchLogsExports")) {
				o.fail(c, "enabledCloudwatchLogsExports does not list %q", export)
			}
		}
		return o
	}
}

// ---- ElastiCache ------------------------------------------------------------

// redisLike reports whether a cache engine is Redis OSS or Valkey (the
// ElastiCache.1 and .6 controls do not apply to Memcached).
func redisLike(r sim.Resource) bool {
	e := strings.ToLower(str(r.Inputs, "engine"))
	return e == "" || e == "redis" || e == "valkey"
}

// standaloneCaches are the elasticache.Clusters that are not members of a
// replication group (members are checked through their group).
func standaloneCaches(v *view) []sim.Resource {
	var out []sim.Resource
	for _, c := range v.of(tCacheCluster) {
		if str(c.Inputs, "replicationGroupId") == "" {
			out = append(out, c)
		}
	}
	return out
}

func checkCacheBackups(v *view) (o outcome) {
	for _, r := range append(v.of(tCacheRG), standaloneCaches(v)...) {
		if !redisLike(r) {
			continue
		}
		o.eval(1)
		if n, ok := number(val(r.Inputs, "snapshotRetentionLimit")); !ok || n < 1 {
			o.fail(r, "snapshotRetentionLimit is %s; automatic backups need at least 1 day", valueText(val(r.Inputs, "snapshotRetentionLimit")))
		}
	}
	return o
}

func checkCacheMinorUpgrades(v *view) (o outcome) {
	for _, r := range append(v.of(tCacheRG), standaloneCaches(v)...) {
		o.eval(1)
		if isFalse(r.Inputs, "autoMinorVersionUpgrade") {
			o.fail(r, "autoMinorVersionUpgrade is false")
		}
	}
	return o
}

func checkCacheFlag(input, what string) func(*view) outcome {
	return func(v *view) (o outcome) {
		for _, r := range v.of(tCacheRG) {
			o.eval(1)
			if !isTrue(r.Inputs, input) {
				o.fail(r, "%s is off (%s is %s)", what, input, valueText(val(r.Inputs, input)))
			}
		}
		return o
	}
}

func checkCacheAuth(v *view) (o outcome) {
	for _, r := range v.of(tCacheRG) {
		if strings.ToLower(str(r.Inputs, "engine")) == "valkey" {
			continue
		}
		major, ok := engineMajor(str(r.Inputs, "engineVersion"))
		if !ok || major >= 6 {
			continue
		}
		o.eval(1)
		token := str(r.Inputs, "authToken") != "" || secretSet(val(r.Inputs, "authToken"))
		if !token && len(strs(r.Inputs, "userGroupIds")) == 0 {
			o.fail(r, "Redis OSS %s without an authToken (AUTH) or user groups", str(r.Inputs, "engineVersion"))
		}
	}
	return o
}

// secretSet reports whether an input holds a value the engine keeps secret or
// unknown (a *resource.Secret or an output): set, but not a plain string.
func secretSet(x any) bool {
	switch x.(type) {
	case nil, string:
		return false
	}
	return true
}

func engineMajor(version string) (int, bool) {
	head, _, _ := strings.Cut(version, ".")
	n, err := strconv.Atoi(head)
	return n, err == nil
}

func checkCacheSubnetGroup(v *view) (o outcome) {
	for _, r := range append(v.of(tCacheRG), standaloneCaches(v)...) {
		o.eval(1)
		switch g := str(r.Inputs, "subnetGroupName"); g {
		case "":
			o.fail(r, "names no subnet group, so ElastiCache uses the default one")
		case "default":
			o.fail(r, "uses the default subnet group")
		}
	}
	return o
}

// valueText describes an input value in a finding.
func valueText(x any) string {
	switch t := x.(type) {
	case nil:
		return "not set"
	case string:
		return strconv.Quote(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	}
	return "set"
}
