package compute

import (
	"fmt"
	"hash/fnv"
	"regexp"
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// What AWS does on its own to a data store, and the names it keeps after a
// deletion (issue 17): the engine version a store is registered with, and the
// identifier of its final snapshot.

// versionChoice is the engine version to register and whether the program
// leaves it to AWS.
type versionChoice struct {
	version string
	// ignore: AWS already runs this major at the configured minor or a newer
	// one (automatic minor upgrades); the running version stands and a
	// change of engineVersion is ignored.
	ignore bool
}

var versionNumbers = regexp.MustCompile(`[0-9]+`)

// CompareVersions compares two engine versions: -1, 0 or 1 (see compareVersions).
func CompareVersions(a, b string) int { return compareVersions(a, b) }

// compareVersions compares two engine versions number by number (16.10 is
// newer than 16.9; 8.0.mysql_aurora.3.08.0 reads as 8 0 3 8 0). A version
// that is a prefix of the other is older.
func compareVersions(a, b string) int {
	na, nb := versionNumbers.FindAllString(a, -1), versionNumbers.FindAllString(b, -1)
	for i := 0; i < len(na) && i < len(nb); i++ {
		x, _ := strconv.Atoi(na[i])
		y, _ := strconv.Atoi(nb[i])
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(na) < len(nb):
		return -1
	case len(na) > len(nb):
		return 1
	}
	return 0
}

// chooseVersion decides the engine version of a store: configured is the
// stack's engineVersion, running what the store runs now ("" when it does
// not exist yet), major names a version's major line (the parameter group
// family for Aurora). Within one major the configured version is a floor:
// AWS's minor upgrades above it are left alone (ignored), a configured
// version above the running one is a deliberate minor upgrade. A configured
// major above the running one is a major upgrade; one below is a downgrade,
// which neither RDS nor ElastiCache does in place.
func chooseVersion(configured, running string, major func(string) string) (versionChoice, error) {
	if running == "" {
		return versionChoice{version: configured}, nil
	}
	if major(configured) == major(running) {
		return versionChoice{version: configured, ignore: compareVersions(configured, running) <= 0}, nil
	}
	if compareVersions(configured, running) < 0 {
		return versionChoice{}, fmt.Errorf("engineVersion %s is older than the running %s: AWS cannot downgrade an engine in place; set engineVersion to %s or newer", configured, running, running)
	}
	return versionChoice{version: configured}, nil
}

// finalSnapshotID is the identifier of the snapshot a store leaves when it is
// deleted. Snapshot identifiers are unique per account and region and the
// snapshot outlives the store, so a constant one makes the second deletion
// (a replacement, or a stack torn down and built again) fail with "already
// exists". The identifier is base plus a hash of values that are new for
// every lifetime of the store: the auto-named subnet group's name and the
// security group's ID (new whenever the stack is built again) and the
// settings whose change replaces the store. It stays the same from run to
// run while the store lives. base must already be a valid identifier; the
// result keeps RDS's rules (letters, digits, single hyphens, no hyphen at
// the end) within max characters.
func finalSnapshotID(base string, max int, lifetime ...pulumi.StringInput) pulumi.StringOutput {
	var in []any
	for _, v := range lifetime {
		in = append(in, v)
	}
	return pulumi.All(in...).ApplyT(func(vals []any) string {
		h := fnv.New32a()
		h.Write([]byte(base))
		for _, v := range vals {
			h.Write([]byte{0})
			h.Write([]byte(fmt.Sprint(v)))
		}
		suffix := fmt.Sprintf("-final-%08x", h.Sum32())
		if len(base)+len(suffix) > max {
			base = base[:max-len(suffix)]
		}
		for len(base) > 0 && base[len(base)-1] == '-' {
			base = base[:len(base)-1]
		}
		return base + suffix
	}).(pulumi.StringOutput)
}

// CheckRunning reports a configured engine version the running cluster
// cannot move to in place (a downgrade), or nil.
func (s AuroraSpec) CheckRunning(running string) error {
	_, err := chooseVersion(s.EngineVersion, running, func(v string) string { return AuroraFamily(s.Engine, v) })
	return err
}

// CheckRunning reports a configured engine version the running replication
// group cannot move to in place (a downgrade), or nil.
func (s CacheSpec) CheckRunning(running string) error {
	_, err := chooseVersion(s.EngineVersion, running, cacheMajor)
	return err
}
