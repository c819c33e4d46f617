package migrate_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/acme/platform/audit"
	"github.com/acme/platform/change"
	"github.com/acme/platform/internal/sim"
	"github.com/acme/platform/legacy"
	"github.com/acme/platform/stack"
)

var updatePreviews = flag.Bool("update", false, "rewrite examples/migration/previews from the stage files")

const (
	tCluster     = "aws:rds/cluster:Cluster"
	tDBInstance  = "aws:rds/clusterInstance:ClusterInstance"
	tReplGroup   = "aws:elasticache/replicationGroup:ReplicationGroup"
	tCacheMember = "aws:elasticache/cluster:Cluster"
	tIngress     = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	tEgress      = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
)

// sequence is every stage of the example migration, in order, each run as
// the one stack "prod" so that consecutive stages diff like successive
// previews of it.
type sequence struct {
	names  []string
	graphs []*sim.Graph
	cfgs   []*stack.Config
	inv    *audit.Inventory
}

var seq *sequence

func loadSequence(t *testing.T) *sequence {
	t.Helper()
	stageMu.Lock()
	s := seq
	stageMu.Unlock()
	if s != nil {
		return s
	}
	s = &sequence{inv: load(t, "../"+wholeSeed)}
	first := parse(t, "adopt", readStage(t, "adopt"))
	s.names = first.Migration.Stages
	for _, name := range s.names {
		s.cfgs = append(s.cfgs, parse(t, name, readStage(t, name)))
		s.graphs = append(s.graphs, runAs(t, stagePath(name), "prod"))
	}
	stageMu.Lock()
	seq = s
	stageMu.Unlock()
	return s
}

// Every stage of platform:migration.stages has its file, and each file says
// it is that stage of the same list.
func TestSequence_EveryStageHasItsFileAndTheSameStages(t *testing.T) {
	s := loadSequence(t)
	if len(s.names) < 5 {
		t.Fatalf("stages %v: the example migration has fewer stages than the runbook's steps", s.names)
	}
	for i, c := range s.cfgs {
		m := c.Migration
		if m == nil || m.Stage != s.names[i] || !slices.Equal(m.Stages, s.names) || m.Snapshot != wholeSeed {
			t.Errorf("Pulumi.%s.yaml: platform:migration %+v", s.names[i], m)
		}
		if (i == 0) != m.ImportOnly {
			t.Errorf("%s: importOnly %v; only the first stage imports only", s.names[i], m.ImportOnly)
		}
	}
}

// Applied one after the other, no stage replaces or deletes a protected
// resource, replaces a data store or changes a type without rules; each
// preview is the one committed under examples/migration/previews.
func TestSequence_EveryStepPreviewsSafelyAndAsCommitted(t *testing.T) {
	s := loadSequence(t)
	rows := []string{"| Stage | `pulumi preview` from the stage before | Deleted | Protect lifted |", "|---|---|---|---|",
		fmt.Sprintf("| %s | %d imports, nothing else | - | - |", s.names[0], countImports(s.graphs[0]))}
	defer func() { checkDocBlock(t, rows) }()
	for i := 1; i < len(s.names); i++ {
		before, after := s.names[i-1], s.names[i]
		rep := change.Diff(s.graphs[i-1], s.graphs[i])
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s |", after, rep.Summary(), orDash(entryNames(rep.Of(change.Removed))), orDash(lifted(rep))))
		t.Run(after, func(t *testing.T) {
			for _, err := range rep.Errors() {
				t.Errorf("%s -> %s: %v", before, after, err)
			}
			for _, e := range rep.Of(change.Unknown) {
				t.Errorf("%s %s changes without replacement rules", e.Type, e.Name)
			}
			for _, e := range append(rep.Of(change.Replaced), rep.Of(change.Removed)...) {
				if e.Type == tCluster || e.Type == tReplGroup {
					t.Errorf("%s %s is %s", e.Type, e.Name, e.Kind)
				}
				if e.Kind == change.Replaced && e.Protected {
					t.Errorf("%s %s: a protected resource is replaced", e.Type, e.Name)
				}
			}
			checkPreview(t, after, rep.Text())
		})
	}
}

func countImports(g *sim.Graph) int {
	n := 0
	for _, r := range g.Resources {
		if r.ImportID != "" {
			n++
		}
	}
	return n
}

func entryNames(es []change.Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, "`"+e.Name+"`")
	}
	sort.Strings(out)
	return out
}

func lifted(rep *change.Report) []string {
	var out []string
	for _, e := range rep.Entries {
		if e.Protect == "lifted" {
			out = append(out, "`"+e.Name+"`")
		}
	}
	sort.Strings(out)
	return out
}

func orDash(list []string) string {
	if len(list) == 0 {
		return "-"
	}
	return strings.Join(list, ", ")
}

const (
	docBegin = "<!-- begin: stage previews (go test ./migrate -run Sequence -update) -->\n"
	docEnd   = "<!-- end: stage previews -->"
)

// checkDocBlock keeps the runbook's table of stage previews equal to what
// the stage files preview.
func checkDocBlock(t *testing.T, rows []string) {
	t.Helper()
	path := filepath.Join("..", "docs", "migration.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i, j := strings.Index(doc, docBegin), strings.Index(doc, docEnd)
	if i < 0 || j < i {
		t.Fatalf("%s has no stage previews block (%q ... %q)", path, docBegin, docEnd)
	}
	want := doc[:i+len(docBegin)] + strings.Join(rows, "\n") + "\n" + doc[j:]
	if *updatePreviews {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if want != doc {
		t.Errorf("docs/migration.md's stage previews differ from the stage files'; go test ./migrate -run Sequence -update")
	}
}

func checkPreview(t *testing.T, stage, text string) {
	t.Helper()
	path := filepath.Join(examples, "previews", stage+".txt")
	if *updatePreviews {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./migrate -run Sequence -update writes it)", err)
	}
	if string(want) != text {
		t.Errorf("the preview of stage %s differs from %s; if the change is meant, go test ./migrate -run Sequence -update", stage, path)
	}
}

// The first stage imports and creates nothing; the data stores and every
// old workload are imported there, with protect, never created later.
func TestSequence_TheFirstStageOnlyImports(t *testing.T) {
	s := loadSequence(t)
	g := s.graphs[0]
	n := 0
	for _, r := range g.Resources {
		if !r.Custom {
			continue
		}
		n++
		if r.ImportID == "" || !r.Protect {
			t.Errorf("%s %s: import %q protect %v", r.Type, r.Name, r.ImportID, r.Protect)
		}
	}
	if n == 0 {
		t.Fatal("the first stage registers nothing")
	}
	for _, typ := range []string{tCluster, tReplGroup} {
		if len(g.OfType(typ)) != 1 {
			t.Errorf("the first stage imports %d %s, want the seed's one", len(g.OfType(typ)), typ)
		}
	}
}

// The cluster and the replication group are one resource from the import
// to the end: the same URN, the same identifier, so the same endpoints.
func TestSequence_TheStoresAndTheirEndpointsNeverChangeIdentity(t *testing.T) {
	s := loadSequence(t)
	for _, typ := range []string{tCluster, tReplGroup} {
		var urn, id, endpoint string
		for i, g := range s.graphs {
			rs := g.OfType(typ)
			if len(rs) != 1 {
				t.Errorf("%s: %d %s", s.names[i], len(rs), typ)
				continue
			}
			r := rs[0]
			ep := fmt.Sprint(r.Outputs["endpoint"], r.Outputs["primaryEndpointAddress"])
			if urn == "" {
				urn, id, endpoint = r.URN, r.ID, ep
			}
			if r.URN != urn || r.ID != id || ep != endpoint {
				t.Errorf("%s: %s is %s (%s, endpoint %s); the import made %s (%s, endpoint %s)", s.names[i], typ, r.URN, r.ID, ep, urn, id, endpoint)
			}
		}
	}
}

// path is a consumer that needs a store on a port.
type path struct {
	consumer string
	groups   []string // the consumer's security groups
	store    string
	port     int
}

// needs lists the paths each stage must keep open: the new workloads' allow
// edges to the stores, and the stores each old workload still in the file
// reaches (platform:migration.workloads.<name>.reaches).
func (s *sequence) needs(t *testing.T, i int) []path {
	t.Helper()
	c, g := s.cfgs[i], s.graphs[i]
	var out []path
	for _, store := range c.Workloads.Names() {
		port := c.Workloads.ServicePort(store)
		if k := c.Workloads.Kind(store); k != "aurora" && k != "cache" {
			continue
		}
		for _, grant := range c.Security.Allow[store] {
			for _, from := range grant.From {
				if legacy.IsGroupID(from) {
					continue
				}
				sg, ok := g.Named("aws:ec2/securityGroup:SecurityGroup", "prod-sg-"+from)
				if !ok {
					t.Errorf("%s: no security group for %s", s.names[i], from)
					continue
				}
				out = append(out, path{from, []string{sg.ID}, store, port})
			}
		}
	}
	if m := c.Migration; m != nil {
		for _, n := range m.WorkloadNames() {
			w := m.Workloads[n]
			for _, store := range w.Reaches {
				var groups []string
				for _, id := range w.IDs {
					f, err := legacy.Find(s.inv, w.Kind, id)
					if err != nil {
						t.Fatal(err)
					}
					groups = append(groups, f.Groups...)
				}
				out = append(out, path{n, groups, store, c.Workloads.ServicePort(store)})
			}
		}
	}
	return out
}

// storeGroups are the security groups a store carries in a graph.
func storeGroups(g *sim.Graph, c *stack.Config, store string) []string {
	var key, typ string
	switch c.Workloads.Kind(store) {
	case "aurora":
		typ, key = tCluster, "vpcSecurityGroupIds"
	case "cache":
		typ, key = tReplGroup, "securityGroupIds"
	}
	for _, r := range g.OfType(typ) {
		if strings.HasPrefix(r.Name, "prod-"+store) {
			var out []string
			for _, x := range r.Inputs[key].([]any) {
				out = append(out, x.(string))
			}
			return out
		}
	}
	return nil
}

// admits says whether group to accepts traffic from group from on port: an
// old group by the rules the snapshot shows (the stack never edits them: a
// rule naming the group, or a range holding the whole VPC, where every
// workload runs), any group by the rules the graph registers; and whether
// from may send it.
func (s *sequence) admits(g *sim.Graph, to, from string, port int) bool {
	in := false
	if sg, ok := s.inv.SecurityGroup(to); ok {
		for _, r := range sg.Ingress {
			if ruleCovers(r, port) && (slices.Contains(r.GroupIDs, from) || s.holdsVPC(r)) {
				in = true
			}
		}
	}
	for _, r := range g.OfType(tIngress) {
		if str(r, "securityGroupId") == to && str(r, "referencedSecurityGroupId") == from && portIn(r, port) {
			in = true
		}
	}
	if !in {
		return false
	}
	if sg, ok := s.inv.SecurityGroup(from); ok {
		for _, r := range sg.Egress {
			if ruleCovers(r, port) && (slices.Contains(r.GroupIDs, to) || s.holdsVPC(r)) {
				return true
			}
		}
	}
	for _, r := range g.OfType(tEgress) {
		if str(r, "securityGroupId") == from && str(r, "referencedSecurityGroupId") == to && portIn(r, port) {
			return true
		}
	}
	return false
}

// holdsVPC says whether one of a rule's ranges holds the whole seed VPC.
func (s *sequence) holdsVPC(r audit.Rule) bool {
	vpc := netip.MustParsePrefix("10.0.0.0/16")
	for _, c := range r.CIDRs {
		if p, err := netip.ParsePrefix(c); err == nil && p.Addr().Is4() && p.Bits() <= vpc.Bits() && p.Contains(vpc.Addr()) {
			return true
		}
	}
	return false
}

func ruleCovers(r audit.Rule, port int) bool {
	return r.Protocol == "-1" || (r.Protocol == "tcp" && r.FromPort <= port && port <= r.ToPort)
}

func worldOpen(r audit.Rule) bool {
	return slices.Contains(r.CIDRs, "0.0.0.0/0") || slices.Contains(r.CIDRs, "::/0")
}

func portIn(r sim.Resource, port int) bool {
	from, _ := r.Inputs["fromPort"].(float64)
	to, _ := r.Inputs["toPort"].(float64)
	if p, _ := r.Inputs["ipProtocol"].(string); p == "-1" {
		return true
	}
	return int(from) <= port && port <= int(to)
}

// In every stage, every workload that runs there reaches every store it
// needs: through an old group the store still carries, or a rule the stack
// registers (its allow edges and the bridges).
func TestSequence_EveryPathAWorkloadNeedsExistsInEveryStage(t *testing.T) {
	s := loadSequence(t)
	checked := 0
	for i, name := range s.names {
		for _, p := range s.needs(t, i) {
			groups := storeGroups(s.graphs[i], s.cfgs[i], p.store)
			if len(groups) == 0 {
				t.Errorf("%s: %s needs %s, which carries no security group here", name, p.consumer, p.store)
				continue
			}
			ok := false
			for _, to := range groups {
				for _, from := range p.groups {
					ok = ok || s.admits(s.graphs[i], to, from, p.port)
				}
			}
			checked++
			if !ok {
				t.Errorf("%s: %s (groups %v) cannot reach %s on %d (its groups %v)", name, p.consumer, p.groups, p.store, p.port, groups)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no path was checked")
	}
}

// exposure counts what the seed's team found: workloads in public subnets
// (pairs of a public subnet and what runs in it, the load balancer and NAT
// gateways aside), and rules open to the whole internet outside a load
// balancer's HTTP and HTTPS listeners.
func (s *sequence) exposure(t *testing.T, i int) (placed, open int) {
	t.Helper()
	c, g := s.cfgs[i], s.graphs[i]
	public := map[string]bool{}
	for _, e := range c.Network.Existing.Subnets {
		if e.Public {
			public[e.ID] = true
		}
	}
	// Old workloads still in the file run where the snapshot says.
	if m := c.Migration; m != nil {
		for _, n := range m.WorkloadNames() {
			w := m.Workloads[n]
			for _, id := range w.IDs {
				f, _ := legacy.Find(s.inv, w.Kind, id)
				if w.Kind == legacy.KindALB {
					continue
				}
				for _, sn := range f.Subnets {
					if public[sn] {
						placed++
					}
				}
			}
		}
	}
	// The snapshot's database instances and cache members run in its
	// public subnets for as long as the stack keeps them.
	for _, typ := range []string{tDBInstance, tCacheMember} {
		for _, r := range g.OfType(typ) {
			if r.ImportID != "" {
				placed++
			}
		}
	}
	paths := [][]string{{"subnetId"}, {"vpcZoneIdentifiers"}, {"vpcConfig", "subnetIds"}, {"networkConfiguration", "subnets"}, {"computeResources", "subnets"}}
	for _, r := range g.Resources {
		if r.ImportID != "" || r.Type == "aws:ec2/natGateway:NatGateway" || r.Type == "aws:lb/loadBalancer:LoadBalancer" {
			continue
		}
		for _, p := range paths {
			for _, id := range lookupIDs(r.Inputs, p...) {
				if sn, ok := g.ByID(id); ok && public[sn.ImportID] {
					placed++
				}
			}
		}
	}
	// Old groups still in the graph keep the snapshot's rules.
	for _, r := range g.OfType("aws:ec2/securityGroup:SecurityGroup") {
		if sg, ok := s.inv.SecurityGroup(r.ImportID); ok && r.ImportID != "" {
			for _, rule := range sg.Ingress {
				if worldOpen(rule) {
					open++
				}
			}
		}
	}
	for _, r := range g.OfType(tIngress) {
		if str(r, "cidrIpv4") == "0.0.0.0/0" || str(r, "cidrIpv6") == "::/0" {
			if !portIn(r, 443) && !portIn(r, 80) {
				open++
			}
		}
	}
	return placed, open
}

// The public exposures never grow from one stage to the next and are gone at
// the end.
func TestSequence_PublicExposureNeverGrowsAndEndsAtZero(t *testing.T) {
	s := loadSequence(t)
	var trail []string
	prevPlaced, prevOpen := -1, -1
	for i, name := range s.names {
		placed, open := s.exposure(t, i)
		trail = append(trail, fmt.Sprintf("%s: %d placed, %d open", name, placed, open))
		if i == 0 && (placed == 0 || open == 0) {
			t.Errorf("the seed shows %d workloads in public subnets and %d world-open rules; the count sees nothing", placed, open)
		}
		if prevPlaced >= 0 && (placed > prevPlaced || open > prevOpen) {
			t.Errorf("%s: exposure grows: %d -> %d placed, %d -> %d open", name, prevPlaced, placed, prevOpen, open)
		}
		prevPlaced, prevOpen = placed, open
	}
	if prevPlaced != 0 || prevOpen != 0 {
		t.Errorf("the last stage still has %d placed and %d open", prevPlaced, prevOpen)
	}
	t.Log(strings.Join(trail, "\n"))
}

// The last stage is the greenfield platform of the same workloads: the same
// security rules between the same workloads, and the same resources but for
// what the migration adopted in place of creating it.
func TestSequence_TheLastStageIsTheGreenfieldStackOfTheSameWorkloads(t *testing.T) {
	s := loadSequence(t)
	last := s.graphs[len(s.graphs)-1]
	green := runAs(t, greenfield(t, stagePath(s.names[len(s.names)-1])), "prod")
	if got, want := ruleShape(last), ruleShape(green); !slices.Equal(got, want) {
		t.Errorf("rules differ from the greenfield stack's:\n got  %v\n want %v", got, want)
	}
	if len(ruleShape(green)) == 0 {
		t.Fatal("the greenfield stack has no rules: nothing was compared")
	}
	lc, gc := last.CountByType(), green.CountByType()
	for _, typ := range sortedTypes(lc, gc) {
		if lc[typ] != gc[typ] && !adoptedInstead[typ] {
			t.Errorf("%s: %d in the last stage, %d in the greenfield stack", typ, lc[typ], gc[typ])
		}
	}
}

// adoptedInstead are the types where the migration keeps what it adopted in
// place of what a greenfield stack creates: the old route tables (the public
// subnets keep theirs) and parameter groups (the cluster keeps its own).
var adoptedInstead = map[string]bool{
	// The site's name stays the weighted record the traffic shift made:
	// Route 53 cannot turn it into a simple record without a moment with no
	// answer.
	"aws:route53/record:Record": true,
	// The adopted replication group's members are resources of their own
	// (the migration created two in the isolated subnets); a greenfield group
	// counts its members instead.
	"aws:elasticache/cluster:Cluster":                     true,
	"aws:ec2/routeTable:RouteTable":                       true,
	"aws:ec2/routeTableAssociation:RouteTableAssociation": true,
	"aws:ec2/route:Route":                                 true,
	"aws:rds/clusterParameterGroup:ClusterParameterGroup": true,
	"aws:elasticache/parameterGroup:ParameterGroup":       true,
}

func sortedTypes(a, b map[string]int) []string {
	var out []string
	for k := range a {
		out = append(out, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// ruleShape names each security rule by its tag-free shape: the workload
// whose group holds it, the direction, the peer and the ports.
func ruleShape(g *sim.Graph) []string {
	names := map[string]string{}
	for _, r := range g.OfType("aws:ec2/securityGroup:SecurityGroup") {
		names[r.ID] = strings.TrimPrefix(r.Name, "prod-sg-")
	}
	var out []string
	for _, typ := range []string{tIngress, tEgress} {
		for _, r := range g.OfType(typ) {
			peer := names[str(r, "referencedSecurityGroupId")]
			if peer == "" {
				peer = str(r, "cidrIpv4") + str(r, "cidrIpv6") + str(r, "prefixListId")
			}
			from, _ := r.Inputs["fromPort"].(float64)
			to, _ := r.Inputs["toPort"].(float64)
			out = append(out, fmt.Sprintf("%s %s %s %s %d-%d", names[str(r, "securityGroupId")], typ[len("aws:vpc/securityGroup"):], peer, str(r, "ipProtocol"), int(from), int(to)))
		}
	}
	sort.Strings(out)
	return out
}

// greenfield writes the last stage as a stack that adopts nothing: the same
// workloads, rules and settings, with a VPC of its own and the stores created.
func greenfield(t *testing.T, path string) string {
	t.Helper()
	f, err := stack.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]string{}
	for k, v := range f.Values {
		values[k] = v
	}
	delete(values, "platform:migration")
	values["platform:network"] = `{"cidr":"10.0.0.0/16","availabilityZones":["eu-west-1a","eu-west-1b","eu-west-1c"],"nat":"perAz","flowLogs":{"retentionDays":365},` +
		`"tiers":{"public":{"prefixLength":24},"private":{"prefixLength":20},"isolated":{"prefixLength":24}},` +
		`"endpoints":["ssm","ssmmessages","ec2messages","kms","logs","monitoring","ecr.api","ecr.dkr","secretsmanager","sts"]}`
	w := decodeMap(t, values["platform:workloads"])
	for _, v := range w {
		spec := v.(map[string]any)
		adopt, ok := spec["adopt"].(map[string]any)
		if !ok {
			continue
		}
		delete(spec, "adopt")
		switch spec["kind"] {
		case "aurora":
			// As many instances as the move left: the new ones.
			spec["instances"] = len(adopt["newInstances"].([]any))
		case "cache":
			// As many members as the move left: those without an until.
			n := 0
			for _, m := range adopt["members"].(map[string]any) {
				if m.(map[string]any)["until"] == nil {
					n++
				}
			}
			spec["replicas"] = n - 1
			delete(spec, "transitEncryption")
		}
	}
	values["platform:workloads"] = encode(t, w)
	out := filepath.Join(t.TempDir(), "Pulumi.greenfield.yaml")
	writeValues(t, out, values)
	return out
}

func decodeMap(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func encode(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// An adopted cache's node alarms follow the node, not its place in the
// group: from one stage to the next an alarm never turns to another node, and
// a node that stays keeps every alarm it had, so a stage that removes one
// member deletes that member's alarms and touches no other.
func TestSequence_ACacheNodesAlarmsFollowTheNodeNotItsPosition(t *testing.T) {
	s := loadSequence(t)
	nodeOf := func(g *sim.Graph) map[string]string { // alarm URN -> cache cluster it watches
		out := map[string]string{}
		for _, a := range g.OfType("aws:cloudwatch/metricAlarm:MetricAlarm") {
			if dims, ok := a.Inputs["dimensions"].(map[string]any); ok {
				if id, ok := dims["CacheClusterId"].(string); ok {
					out[a.URN] = id
				}
			}
		}
		return out
	}
	watched := 0
	for i := 1; i < len(s.graphs); i++ {
		before, after := nodeOf(s.graphs[i-1]), nodeOf(s.graphs[i])
		watched += len(after)
		alarmsOf := func(m map[string]string) map[string][]string {
			out := map[string][]string{}
			for urn, id := range m {
				out[id] = append(out[id], urn)
			}
			for id := range out {
				sort.Strings(out[id])
			}
			return out
		}
		was, is := alarmsOf(before), alarmsOf(after)
		for urn, id := range after {
			if old, ok := before[urn]; ok && old != id {
				t.Errorf("%s: %s watched %s in %s and now watches %s", s.names[i], urn, old, s.names[i-1], id)
			}
		}
		for id, urns := range is {
			if old, ok := was[id]; ok && strings.Join(old, " ") != strings.Join(urns, " ") {
				t.Errorf("%s: node %s's alarms changed from %v to %v", s.names[i], id, old, urns)
			}
		}
	}
	if watched == 0 {
		t.Fatal("no stage has an alarm on a cache node")
	}
}
