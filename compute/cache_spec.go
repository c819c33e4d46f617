// The cache kind's config: an ElastiCache replication group in the isolated subnets.

package compute

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/acme/platform/dataprotect"
	"github.com/acme/platform/internal/problems"
)

// Defaults of the kind, named so that the docs and the code agree.
const (
	DefaultNodeType              = "cache.t4g.small"
	DefaultCacheReplicas         = 1
	DefaultSnapshotRetentionDays = 7
	DefaultCachePort             = 6379
)

var (
	cacheVersion = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
)

// CacheSpec is an ElastiCache replication group (Redis OSS or Valkey) in the
// isolated subnets (kind: cache), encrypted in transit and at rest; clients
// authenticate as IAM-enabled ElastiCache users or with an auth token kept in
// Secrets Manager.
type CacheSpec struct {
	Kind Kind `json:"kind"`
	// StoreSpec says how consumers authenticate (auth: iam | secret) and
	// names their environment values (envPrefix). With iam (the default where
	// the engine supports it) the stack creates one ElastiCache user per
	// consumer and no token exists; with secret the cache has one auth token,
	// kept in Secrets Manager.
	StoreSpec
	// Engine is redis or valkey. Required.
	Engine string `json:"engine"`
	// EngineVersion, e.g. 7.1 (redis) or 8.0 (valkey). Required.
	EngineVersion string `json:"engineVersion"`
	// NodeType; default cache.t4g.small.
	NodeType string `json:"nodeType"`
	// Replicas per primary; 0 to 5, default 1.
	Replicas int `json:"replicas"`
	// AutomaticFailover promotes a replica when the primary fails (and spreads
	// the nodes over zones); default true when replicas > 0. It needs a replica.
	AutomaticFailover bool `json:"automaticFailover"`
	// SnapshotRetentionDays keeps daily snapshots; 0 (none) to 35, default 7.
	SnapshotRetentionDays int `json:"snapshotRetentionDays"`
	// Port; default 6379.
	Port int `json:"port"`
	// ApplyImmediately makes ElastiCache apply a change when `pulumi up` runs
	// rather than at the next maintenance window; default true.
	ApplyImmediately bool `json:"applyImmediately"`
	// Restore creates the replication group from a snapshot instead of empty:
	// snapshot is an ElastiCache snapshot ARN of this account and region, or
	// an exported .rdb object in S3 (arn:aws:s3:::<bucket>/<key>.rdb). Keep
	// the block after the restore: removing it replaces the group.
	Restore *dataprotect.Restore `json:"restore,omitempty"`
	// Adopt takes over an existing replication group during a migration
	// (platform:migration) instead of creating one: see CacheAdopt.
	Adopt *CacheAdopt `json:"adopt,omitempty"`
	// AdoptedMembers are an adopted group's cache clusters in this stage, as
	// the stack resolves them from the snapshot and the stages: not config.
	AdoptedMembers []string `json:"-"`
}

// NodeKeys name the cache's nodes where one thing per node is named (its
// alarms): 001, 002, ... for a group the stack creates, whose members AWS
// calls <group>-001, <group>-002, ...; for an adopted group, the key of each
// member of this stage (see NodeKey). Keys follow members, not positions: when
// a stage removes a member, the others' alarms keep their names.
func (s CacheSpec) NodeKeys() []string {
	if s.Adopt != nil && len(s.AdoptedMembers) > 0 {
		out := make([]string, len(s.AdoptedMembers))
		for i, m := range s.AdoptedMembers {
			out[i] = NodeKey(s.Adopt.ReplicationGroupID, m)
		}
		sort.Strings(out)
		return out
	}
	out := make([]string, s.Replicas+1)
	for i := range out {
		out[i] = fmt.Sprintf("%03d", i+1)
	}
	return out
}

// NodeKey is a member's key within its replication group: the member ID
// without the group's ID and hyphen when it starts with them (AWS's own
// <group>-001), else the whole member ID.
func NodeKey(groupID, memberID string) string {
	if k, ok := strings.CutPrefix(memberID, groupID+"-"); ok && groupID != "" && k != "" {
		return k
	}
	return memberID
}

func (s *CacheSpec) defaults(has func(...string) bool) {
	switch {
	case has("auth"):
	case s.Adopt != nil:
		// What the group has stays until a stage says iam.
		s.Auth = AuthExisting
	default:
		s.Auth = AuthSecret
		if CacheSupportsIAM(s.Engine, s.EngineVersion) {
			s.Auth = AuthIAM
		}
	}
	if !has("nodeType") {
		s.NodeType = DefaultNodeType
	}
	if !has("replicas") {
		s.Replicas = DefaultCacheReplicas
	}
	if !has("automaticFailover") {
		s.AutomaticFailover = s.Replicas > 0
	}
	if !has("snapshotRetentionDays") {
		s.SnapshotRetentionDays = DefaultSnapshotRetentionDays
	}
	if !has("port") {
		s.Port = DefaultCachePort
	}
	if !has("applyImmediately") {
		s.ApplyImmediately = DefaultApplyImmediately
	}
}

func (s CacheSpec) validate(k string, v ValidateContext, p *problems.List) {
	s.validateAdopt(k, p)
	ss := s.StoreSpec
	if s.Adopt != nil && ss.Auth == AuthExisting {
		ss.Auth = AuthSecret // a valid mode here; the rest of StoreSpec is checked as usual
	}
	ss.validate(k, KindCache, s.Engine, s.EngineVersion, p)
	switch s.Engine {
	case "redis", "valkey":
	case "":
		p.Add(k+".engine", "required; use redis or valkey")
	default:
		p.Add(k+".engine", "%q is not a cache engine; use redis or valkey", s.Engine)
	}
	switch {
	case s.EngineVersion == "":
		p.Add(k+".engineVersion", "required; set the version, e.g. 7.1 (redis) or 8.0 (valkey)")
	case !cacheVersion.MatchString(s.EngineVersion):
		p.Add(k+".engineVersion", "%q is not an engine version; write major.minor, e.g. 7.1", s.EngineVersion)
	}
	if !strings.HasPrefix(s.NodeType, "cache.") {
		p.Add(k+".nodeType", "%q is not a cache node type; write one such as %s", s.NodeType, DefaultNodeType)
	} else if why := badClassSize(s.NodeType); why != "" {
		p.Add(k+".nodeType", "%q is not a cache node type: %s", s.NodeType, why)
	}
	switch {
	case s.Replicas < 0 || s.Replicas > 5:
		p.Add(k+".replicas", "must be between 0 and 5 replicas per primary, got %d", s.Replicas)
	case s.AutomaticFailover && s.Replicas == 0:
		p.Add(k+".automaticFailover", "failover without a replica: automatic failover promotes a replica, and replicas is 0; add a replica or set automaticFailover: false")
	}
	if s.SnapshotRetentionDays < 0 || s.SnapshotRetentionDays > 35 {
		p.Add(k+".snapshotRetentionDays", "must be between 0 and 35 days, got %d", s.SnapshotRetentionDays)
	}
	checkPort(p, k+".port", s.Port)
	if s.Restore != nil {
		s.Restore.ValidateCache(k+".restore", v.Region, p)
	}
}
