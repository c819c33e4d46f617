package change

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/sim"
	"github.com/acme/platform/stack"
)

// Scenario tests run the real program twice, on the prod stack file and on an
// edited copy of it, and diff the two graphs. They are the promise made to the
// platform's users: an ordinary config change replaces nothing.
//
// Helpers for more scenarios (security rules, workloads):
//
//	r := scenario(t, func(v map[string]string) { ... edit v ... })
//	r := scenarioPair(t, baseEdit, edit)      // both sides edited from prod
//	editNetwork(t, v, func(net map[string]any) { net["azCount"] = 4 })
//	wantNoReplacements(t, r); wantAdded(t, r, "type name", ...); wantRemoved(...)

const prodStackFile = "../Pulumi.prod.yaml"

var (
	runMu    sync.Mutex
	runCache = map[string]*sim.Graph{}
)

// prodValues returns a fresh copy of Pulumi.prod.yaml's config values.
func prodValues(t testing.TB) map[string]string {
	t.Helper()
	f, err := stack.ReadFile(prodStackFile)
	if err != nil {
		t.Fatalf("reading %s: %v", prodStackFile, err)
	}
	out := make(map[string]string, len(f.Values))
	for k, v := range f.Values {
		out[k] = v
	}
	return out
}

// runProgram runs the real program on prod's stack name with the given values
// and returns its graph; runs are cached by their values.
func runProgram(t testing.TB, values map[string]string) *sim.Graph {
	t.Helper()
	key, err := json.Marshal(values) // map keys are sorted: a stable cache key
	if err != nil {
		t.Fatal(err)
	}
	runMu.Lock()
	defer runMu.Unlock()
	if g, ok := runCache[string(key)]; ok {
		return g
	}
	res, err := offline.Run(&stack.File{Path: "Pulumi.prod.yaml (edited)", Stack: "prod", Values: values})
	if err != nil {
		t.Fatalf("offline run: %v", err)
	}
	runCache[string(key)] = res.Graph
	return res.Graph
}

// editNetwork edits the platform:network object of values in place.
func editNetwork(t testing.TB, values map[string]string, edit func(net map[string]any)) {
	t.Helper()
	var net map[string]any
	if err := json.Unmarshal([]byte(values["platform:network"]), &net); err != nil {
		t.Fatalf("platform:network is not a JSON object: %v", err)
	}
	edit(net)
	b, err := json.Marshal(net)
	if err != nil {
		t.Fatal(err)
	}
	values["platform:network"] = string(b)
}

// netEdit adapts a platform:network edit to a values edit.
func netEdit(t testing.TB, edit func(net map[string]any)) func(map[string]string) {
	return func(v map[string]string) { editNetwork(t, v, edit) }
}

// scenarioPair diffs prod edited by base (nil: unedited) against prod edited by
// base and then edit.
func scenarioPair(t testing.TB, base, edit func(values map[string]string)) *Report {
	t.Helper()
	before := prodValues(t)
	if base != nil {
		base(before)
	}
	after := prodValues(t)
	if base != nil {
		base(after)
	}
	edit(after)
	r := Diff(runProgram(t, before), runProgram(t, after))
	t.Logf("\n%s", r.Text())
	return r
}

// scenario diffs prod against prod edited by edit.
func scenario(t testing.TB, edit func(values map[string]string)) *Report {
	t.Helper()
	return scenarioPair(t, nil, edit)
}

func wantNoReplacements(t testing.TB, r *Report) {
	t.Helper()
	for _, e := range r.Of(Replaced) {
		t.Errorf("REPLACED: %s %s (%s) because %s", e.Type, e.Name, strings.Join(e.Forcing, ", "), strings.Join(e.Reasons, "; "))
	}
	for _, e := range r.Of(Unknown) {
		t.Errorf("UNKNOWN replacement rules: %s %s (%s)", e.Type, e.Name, strings.Join(e.Props, ", "))
	}
}

func wantNamed(t testing.TB, r *Report, k Kind, want ...string) {
	t.Helper()
	sort.Strings(want)
	got := r.Named(k)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got  %q\n want %q", k, got, want)
	}
}

func wantAdded(t testing.TB, r *Report, want ...string) { t.Helper(); wantNamed(t, r, Added, want...) }
func wantRemoved(t testing.TB, r *Report, want ...string) {
	t.Helper()
	wantNamed(t, r, Removed, want...)
}

// networkOwned reports whether an entry belongs to the network component tree
// (the URN's parent-type chain runs through platform:network:*).
func networkOwned(e Entry) bool { return strings.Contains(e.URN, "::platform:network:") }

// wantNetwork checks the exact set of network-owned entries of one kind, and
// that every other component's entry of that kind (the program grows: access,
// compute) is scoped to what changed: its name contains scope.
func wantNetwork(t testing.TB, r *Report, k Kind, scope string, want ...string) {
	t.Helper()
	var got, others []string
	for _, e := range r.Of(k) {
		if networkOwned(e) {
			got = append(got, e.Type+" "+e.Name)
		} else {
			others = append(others, e.Type+" "+e.Name)
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("network %s:\n got  %q\n want %q", k, got, want)
	}
	for _, o := range others {
		if scope == "" || !strings.Contains(o, scope) {
			t.Errorf("%s outside the network that is not about %q: %s", k, scope, o)
		}
	}
	if len(others) > 0 {
		t.Logf("other components' %s resources (scoped to %q): %q", k, scope, others)
	}
}

// zoneResources are what one zone brings: three subnets, the private route
// table, three associations, its NAT gateway and address, and the default route.
func zoneResources(az string, nat bool) []string {
	out := []string{
		tSubnet + " prod-public-" + az, tSubnet + " prod-private-" + az, tSubnet + " prod-isolated-" + az,
		tRT + " prod-private-" + az + "-rt",
		tRTA + " prod-public-" + az + "-rta", tRTA + " prod-private-" + az + "-rta", tRTA + " prod-isolated-" + az + "-rta",
	}
	if nat {
		out = append(out, tNAT+" prod-nat-"+az, tEIP+" prod-nat-"+az+"-eip", tRoute+" prod-private-"+az+"-default")
	}
	return out
}

func TestScenarioProdIsStable(t *testing.T) {
	r := scenario(t, func(map[string]string) {})
	if !r.Empty() {
		t.Fatalf("two runs of the same config differ:\n%s", r.Text())
	}
}

func TestScenarioAddZone(t *testing.T) {
	r := scenario(t, netEdit(t, func(n map[string]any) { n["azCount"] = 4 }))
	wantNoReplacements(t, r)
	wantNetwork(t, r, Added, "us-east-1d", zoneResources("us-east-1d", true)...)
	wantRemoved(t, r)
	if len(r.Errors()) != 0 {
		t.Errorf("errors: %v", r.Errors())
	}
	// The gateway endpoints now also serve the new zone's route table: an in-place update.
	for _, svc := range []string{"s3", "dynamodb"} {
		e, ok := r.Get(mustURN(t, r, tVpce, "prod-vpce-"+svc))
		if !ok || e.Kind != Updated || !contains(e.Props, "routeTableIds") {
			t.Errorf("gateway endpoint %s: %+v", svc, e)
		}
	}
}

// tierScenario removes a tier (and applies base) on both sides, then adds the
// tier back on the after side. base must remove what needs the tier (the
// Client VPN and the data stores need isolated, an internet-facing ALB public).
func tierScenario(t *testing.T, tier string, base func(map[string]string)) *Report {
	t.Helper()
	without := func(v map[string]string) {
		if base != nil {
			base(v)
		}
		editNetwork(t, v, func(n map[string]any) { delete(n["tiers"].(map[string]any), tier) })
	}
	v := prodValues(t)
	without(v)
	if _, err := offline.Run(&stack.File{Path: "Pulumi.prod.yaml (edited)", Stack: "prod", Values: v}); err != nil {
		t.Fatalf("the base must be a valid stack without the %s tier: %v", tier, err)
	}
	tiers := map[string]any{}
	editNetwork(t, prodValues(t), func(n map[string]any) { tiers = n["tiers"].(map[string]any) })
	return scenarioPair(t, without, func(v map[string]string) {
		editNetwork(t, v, func(n map[string]any) { n["tiers"].(map[string]any)[tier] = tiers[tier] })
	})
}

func tierResources(tier string) []string {
	var out []string
	for _, az := range []string{"us-east-1a", "us-east-1b", "us-east-1c"} {
		out = append(out, tSubnet+" prod-"+tier+"-"+az, tRTA+" prod-"+tier+"-"+az+"-rta")
	}
	return append(out, tRT+" prod-"+tier+"-rt")
}

// The public tier with nat: none and an internal load balancer (a tier
// addition that adds no NAT gateways and moves nothing).
func TestScenarioAddPublicTier(t *testing.T) {
	r := tierScenario(t, "public", func(v map[string]string) {
		editNetwork(t, v, func(n map[string]any) { n["nat"] = "none" })
		editJSON(t, v, "platform:workloads", func(w map[string]any) { w["edge"].(map[string]any)["internetFacing"] = false })
	})
	wantNoReplacements(t, r)
	wantNetwork(t, r, Added, "public", append(tierResources("public"),
		tIGW+" prod-igw", tRoute+" prod-public-default")...)
	wantRemoved(t, r)
}

func TestScenarioReorderEndpoints(t *testing.T) {
	r := scenario(t, netEdit(t, func(n map[string]any) {
		l := n["endpoints"].([]any)
		for i, j := 0, len(l)-1; i < j; i, j = i+1, j-1 {
			l[i], l[j] = l[j], l[i]
		}
	}))
	if !r.Empty() {
		t.Fatalf("reordering the endpoints list must change nothing:\n%s", r.Text())
	}
}

func TestScenarioAddAndRemoveEndpoint(t *testing.T) {
	endpoint := func(svc string) []string { return []string{tVpce + " prod-vpce-" + svc} }

	add := scenario(t, netEdit(t, func(n map[string]any) { n["endpoints"] = append(n["endpoints"].([]any), "ecs") }))
	wantNoReplacements(t, add)
	wantAdded(t, add, endpoint("ecs")...)
	wantRemoved(t, add)
	if len(add.Of(Updated)) != 0 {
		t.Errorf("adding an endpoint updates others: %v", add.Named(Updated))
	}

	remove := scenario(t, netEdit(t, func(n map[string]any) {
		var keep []any
		for _, s := range n["endpoints"].([]any) {
			// Not kms: prod's encrypted sessions and ECS Exec need it.
			if s != "sts" {
				keep = append(keep, s)
			}
		}
		n["endpoints"] = keep
	}))
	wantNoReplacements(t, remove)
	wantAdded(t, remove)
	wantRemoved(t, remove, endpoint("sts")...)
	if len(remove.Of(Updated)) != 0 {
		t.Errorf("removing an endpoint updates others: %v", remove.Named(Updated))
	}
}

// Production refuses nat: single (validation), so the NAT switches run on prod
// with platform:protect off; nothing else differs.
func unprotected(v map[string]string) { v["platform:protect"] = "false" }

func natMode(t testing.TB, mode string) func(map[string]string) {
	return func(v map[string]string) {
		unprotected(v)
		editNetwork(t, v, func(n map[string]any) { n["nat"] = mode })
	}
}

func TestScenarioNATPerAZToSingle(t *testing.T) {
	r := scenarioPair(t, natMode(t, "perAz"), natMode(t, "single"))
	wantNoReplacements(t, r)
	wantAdded(t, r)
	wantRemoved(t, r,
		tNAT+" prod-nat-us-east-1b", tEIP+" prod-nat-us-east-1b-eip",
		tNAT+" prod-nat-us-east-1c", tEIP+" prod-nat-us-east-1c-eip",
		// Each gateway's port-allocation alarm goes with it.
		tAlarm+" prod-alarms-nat-us-east-1b-port-allocation-errors", tAlarm+" prod-alarms-nat-us-east-1c-port-allocation-errors")
	checkNATSwitch(t, r)
}

func TestScenarioNATSingleToPerAZ(t *testing.T) {
	r := scenarioPair(t, natMode(t, "single"), natMode(t, "perAz"))
	wantNoReplacements(t, r)
	wantRemoved(t, r)
	wantAdded(t, r,
		tNAT+" prod-nat-us-east-1b", tEIP+" prod-nat-us-east-1b-eip",
		tNAT+" prod-nat-us-east-1c", tEIP+" prod-nat-us-east-1c-eip",
		tAlarm+" prod-alarms-nat-us-east-1b-port-allocation-errors", tAlarm+" prod-alarms-nat-us-east-1c-port-allocation-errors")
	checkNATSwitch(t, r)
}

// checkNATSwitch: the first zone's gateway and address are untouched, and the
// other zones' default routes change target in place.
func checkNATSwitch(t *testing.T, r *Report) {
	t.Helper()
	for _, name := range []string{"prod-nat-us-east-1a", "prod-nat-us-east-1a-eip", "prod-private-us-east-1a-default"} {
		for _, e := range r.Entries {
			if e.Name == name {
				t.Errorf("%s %s must stay untouched, got %s %v", e.Type, e.Name, e.Kind, e.Props)
			}
		}
	}
	var updated []string
	for _, e := range r.Of(Updated) {
		updated = append(updated, e.Type+" "+e.Name+" "+strings.Join(e.Props, ","))
	}
	want := []string{
		tRoute + " prod-private-us-east-1b-default natGatewayId",
		tRoute + " prod-private-us-east-1c-default natGatewayId",
	}
	if strings.Join(updated, "\n") != strings.Join(want, "\n") {
		t.Errorf("updates:\n got  %q\n want %q", updated, want)
	}
}

var flowLogResources = []string{
	"platform:network:FlowLogs prod-flow-logs",
	"aws:cloudwatch/logGroup:LogGroup prod-flow-logs-logs",
	"aws:ec2/flowLog:FlowLog prod-flow-logs",
	"aws:iam/role:Role prod-flow-logs-role",
	"aws:iam/rolePolicy:RolePolicy prod-flow-logs-write",
	"aws:kms/key:Key prod-flow-logs-key",
}

func flowLogs(t testing.TB, on bool) func(map[string]string) {
	return netEdit(t, func(n map[string]any) {
		fl, _ := n["flowLogs"].(map[string]any)
		if fl == nil {
			fl = map[string]any{}
		}
		fl["enabled"] = on
		n["flowLogs"] = fl
	})
}

func TestScenarioFlowLogsOffAndOn(t *testing.T) {
	off := scenario(t, flowLogs(t, false))
	wantNoReplacements(t, off)
	wantAdded(t, off)
	wantRemoved(t, off, flowLogResources...)
	// Switching flow logs off is allowed in prod: nothing protected goes. The
	// key and log group are retained on delete instead, so the logs already
	// written stay readable.
	if errs := off.Errors(); len(errs) != 0 {
		t.Errorf("errors: %v", errs)
	}
	base, err := offline.RunFile("../Pulumi.prod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"prod-flow-logs-key", "prod-flow-logs-logs"} {
		for _, r := range base.Graph.Resources {
			if r.Name == name && !r.RetainOnDelete {
				t.Errorf("%s must be retained when flow logs are turned off", name)
			}
		}
	}

	on := scenarioPair(t, flowLogs(t, false), flowLogs(t, true))
	wantNoReplacements(t, on)
	wantRemoved(t, on)
	wantAdded(t, on, flowLogResources...)
	if len(on.Errors()) != 0 {
		t.Errorf("errors: %v", on.Errors())
	}
}

func TestScenarioChangeVPCCIDRIsBlocked(t *testing.T) {
	r := scenario(t, netEdit(t, func(n map[string]any) { n["cidr"] = "10.2.0.0/16" }))
	vpc, ok := r.Get(mustURN(t, r, tVpc, "prod-vpc"))
	if !ok || vpc.Kind != Replaced || !contains(vpc.Forcing, "cidrBlock") || !vpc.Protected {
		t.Fatalf("vpc: %+v", vpc)
	}
	blocked := map[string]bool{}
	for _, err := range r.Errors() {
		pe := err.(*ProtectedError)
		blocked[pe.Entry.Type+" "+pe.Entry.Name] = true
		if pe.Entry.Advice == "" {
			t.Errorf("%s: no advice", err)
		}
	}
	if !blocked[tVpc+" prod-vpc"] {
		t.Error("the VPC replacement is not an error")
	}
	for _, tier := range []string{"public", "private", "isolated"} {
		for _, az := range []string{"us-east-1a", "us-east-1b", "us-east-1c"} {
			name := fmt.Sprintf("prod-%s-%s", tier, az)
			if !blocked[tSubnet+" "+name] {
				t.Errorf("subnet %s: replacement is not an error", name)
			}
		}
	}
	if !strings.Contains(r.Text(), "PROTECTED: a VPC's primary range never changes in place") ||
		!strings.Contains(r.Text(), "PROTECTED: add a new tier or zone instead") {
		t.Errorf("text lacks the advice:\n%s", r.Text())
	}
	if !strings.Contains(r.Markdown(), "**Blocked:**") {
		t.Error("markdown does not say blocked")
	}
}

func mustURN(t testing.TB, r *Report, typ, name string) string {
	t.Helper()
	for _, e := range r.Entries {
		if e.Type == typ && e.Name == name {
			return e.URN
		}
	}
	t.Fatalf("%s %s: not in the report:\n%s", typ, name, r.Text())
	return ""
}
