package security

import (
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/acme/platform/internal/problems"
	"pgregory.net/rapid"
)

func ruleNames(rs []Rule) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
	}
	return out
}

func TestReferencePlatformRules(t *testing.T) {
	want := []string{
		"api-in-vpn-tcp-8080", "api-in-web-tcp-8080", "api-in-worker-tcp-8080",
		"api-out-cache-tcp-6379", "api-out-database-tcp-5432", "api-out-dynamodb-tcp-443",
		"api-out-endpoints-tcp-443", "api-out-internet-tcp-443", "api-out-s3-tcp-443",
		"cache-in-api-tcp-6379", "cache-in-jobs-tcp-6379", "cache-in-vpn-clients-tcp-6379",
		"database-in-api-tcp-5432", "database-in-vpn-tcp-5432",
		"edge-in-internet-tcp-80", "edge-in-internet-tcp-443", "edge-out-web-tcp-8080",
		"endpoints-in-api-tcp-443", "endpoints-in-jobs-tcp-443", "endpoints-in-web-tcp-443", "endpoints-in-worker-tcp-443",
		"jobs-out-cache-tcp-6379", "jobs-out-dynamodb-tcp-443", "jobs-out-endpoints-tcp-443", "jobs-out-internet-tcp-443", "jobs-out-s3-tcp-443",
		"vpn-out-api-tcp-8080", "vpn-out-database-tcp-5432",
		"web-in-edge-tcp-8080", "web-out-api-tcp-8080", "web-out-dynamodb-tcp-443", "web-out-endpoints-tcp-443", "web-out-s3-tcp-443",
		"worker-out-api-tcp-8080", "worker-out-dynamodb-tcp-443", "worker-out-endpoints-tcp-443", "worker-out-s3-tcp-443",
	}
	if got := ruleNames(refGraph(t).Rules()); !slices.Equal(got, want) {
		t.Errorf("rules:\n got  %q\n want %q", got, want)
	}
}

func TestDatabaseAcceptsPostgresOnlyFromAPIAndVPN(t *testing.T) {
	db, _ := refGraph(t).Group("database")
	var got []string
	for _, r := range db.Ingress {
		got = append(got, fmt.Sprintf("%s %s %s", r.Peer.Kind(), r.Peer.Key(), r.Port))
	}
	want := []string{"group api tcp-5432", "group vpn tcp-5432"}
	if !slices.Equal(got, want) {
		t.Errorf("database ingress = %q, want %q", got, want)
	}
	if len(db.Egress) != 0 {
		t.Errorf("database has egress: %v", ruleNames(db.Egress))
	}
}

func TestEveryEdgeBetweenWorkloadsWritesBothSides(t *testing.T) {
	g := refGraph(t)
	names := map[string]Rule{}
	for _, r := range g.Rules() {
		names[r.Name] = r
	}
	for _, e := range g.Edges() {
		if e.To.Kind() == PeerGroup {
			in, ok := names[e.To.Key()+"-in-"+e.From.Key()+"-"+e.Port.String()]
			if !ok || in.Peer != e.From || in.Reason != e.Reason {
				t.Errorf("edge %s -> %s %s: no matching ingress rule", e.From.Key(), e.To.Key(), e.Port)
			}
		}
		if e.From.Kind() == PeerGroup {
			out, ok := names[e.From.Key()+"-out-"+e.To.Key()+"-"+e.Port.String()]
			if !ok || out.Peer != e.To || out.Reason != e.Reason {
				t.Errorf("edge %s -> %s %s: no matching egress rule", e.From.Key(), e.To.Key(), e.Port)
			}
		}
	}
	ingress, egress := 0, 0
	for _, e := range g.Edges() {
		if e.To.Kind() == PeerGroup {
			ingress++
		}
		if e.From.Kind() == PeerGroup {
			egress++
		}
	}
	if n := len(g.Rules()); n != ingress+egress {
		t.Errorf("%d rules for %d ingress and %d egress sides", n, ingress, egress)
	}
}

func TestDataStoresAndEndpointsHaveNoEgressAndComputeHasNoInternetUnlessAsked(t *testing.T) {
	for _, s := range refGraph(t).Groups() {
		if !s.Kind.HasEgress() && len(s.Egress) > 0 {
			t.Errorf("%s (%s) has egress %v", s.Workload, s.Kind, ruleNames(s.Egress))
		}
		for _, r := range s.Egress {
			if r.Peer.Key() == "internet" && !s.InternetEgress {
				t.Errorf("%s reaches the internet without asking", s.Workload)
			}
		}
	}
}

func TestAddressRangesAreOnlyTheInternetIntoTheALBAndTheVPNClients(t *testing.T) {
	g := refGraph(t)
	for _, r := range g.Rules() {
		if r.Peer.Kind() != PeerCIDR {
			continue
		}
		switch {
		case r.Direction == Ingress && r.Group == "edge" && r.Peer.CIDR.String() == "0.0.0.0/0" && (r.Port == HTTPS || r.Port == HTTP):
		case r.Direction == Egress && r.Peer.CIDR.String() == "0.0.0.0/0" && r.Port == HTTPS && (r.Group == "api" || r.Group == "jobs"):
		case r.Direction == Ingress && r.Peer.Key() == "vpn-clients" && r.Peer.CIDR == netip.MustParsePrefix("10.100.0.0/22") && r.Port == Redis:
		default:
			t.Errorf("unexpected address range rule %s (%s)", r.Name, r.Peer.CIDR)
		}
	}
}

func TestDuplicateEdgesCollapseAndKeepEveryReason(t *testing.T) {
	cfg := baseConfig()
	cfg.Allow["database"] = []Grant{
		{From: []string{"api", "api"}, Reason: "orders"},
		{From: []string{"api"}, Port: "5432", Reason: "billing"},
		{From: []string{"api"}},
	}
	cfg.Allow["edge"] = []Grant{{From: []string{"internet"}, Port: "443", Reason: "public site"}}
	g, err := Build(baseWorkloads(), cfg, Env{})
	if err != nil {
		t.Fatal(err)
	}
	db, _ := g.Group("database")
	if len(db.Ingress) != 1 || db.Ingress[0].Reason != "billing; orders" {
		t.Errorf("database ingress = %+v", db.Ingress)
	}
	edge, _ := g.Group("edge")
	if got := ruleNames(edge.Ingress); !slices.Equal(got, []string{"edge-in-internet-tcp-80", "edge-in-internet-tcp-443"}) {
		t.Errorf("edge ingress = %q", got)
	}
	if edge.Ingress[1].Reason != "public site" || edge.Ingress[0].Reason != "HTTP from the internet, only redirected to HTTPS" {
		t.Errorf("edge reasons = %q, %q", edge.Ingress[0].Reason, edge.Ingress[1].Reason)
	}
}

func TestGrantsDefaultToTheServicePortAndAReason(t *testing.T) {
	db, _ := refGraph(t).Group("cache")
	if r := db.Ingress[0]; r.Port != Redis || r.Reason != "api to cache" {
		t.Errorf("cache ingress from api = %+v", r)
	}
}

func TestSelfEdgesAreRejectedByDesign(t *testing.T) {
	// Documented decision: a workload never allows itself. With one group per
	// workload a self rule opens the port between every member of it, and a
	// data store would need egress to hold the other side.
	cfg := baseConfig()
	cfg.Allow["api"] = []Grant{{From: []string{"api"}}}
	if _, err := Build(baseWorkloads(), cfg, Env{}); err == nil || !strings.Contains(err.Error(), `"api" cannot allow itself`) {
		t.Fatalf("self edge: %v", err)
	}
}

// shuffled returns the same platform with every list in another order.
func shuffled(t *rapid.T, ws []Workload, cfg Config, env Env) ([]Workload, Config, Env) {
	ws = rapid.Permutation(ws).Draw(t, "workloads")
	out := Config{Allow: map[string][]Grant{}, MaxRulesPerGroup: cfg.MaxRulesPerGroup, MaxGroupsPerInterface: cfg.MaxGroupsPerInterface}
	for k, gs := range cfg.Allow {
		gs = rapid.Permutation(gs).Draw(t, "grants of "+k)
		for i := range gs {
			gs[i].From = rapid.Permutation(gs[i].From).Draw(t, "from")
		}
		out.Allow[k] = gs
	}
	env.GatewayEndpoints = rapid.Permutation(env.GatewayEndpoints).Draw(t, "gateways")
	return ws, out, env
}

func TestReorderingTheConfigChangesNothing(t *testing.T) {
	want := refGraph(t)
	wantDoc := RenderMarkdown(want, "Network rules")
	rapid.Check(t, func(t *rapid.T) {
		ws, cfg, env := shuffled(t, refWorkloads(), refConfig(), refEnv())
		g, err := Build(ws, cfg, env)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g.Rules(), want.Rules()) || !reflect.DeepEqual(g.Groups(), want.Groups()) || !reflect.DeepEqual(g.Edges(), want.Edges()) {
			t.Fatalf("rules changed:\n%q", ruleNames(g.Rules()))
		}
		if RenderMarkdown(g, "Network rules") != wantDoc {
			t.Fatal("docs changed")
		}
	})
}

// genPlatform draws a platform that is mostly right and sometimes wrong in
// every way the config can be wrong.
func genPlatform(t *rapid.T) ([]Workload, Config, Env) {
	var ws []Workload
	names := []string{"a", "b", "c", "d", "e", "f", "g"}
	n := rapid.IntRange(1, len(names)).Draw(t, "workloads")
	for _, name := range names[:n] {
		k := rapid.SampledFrom(userKinds).Draw(t, "kind")
		w := Workload{Name: name, Kind: k, Port: DefaultPort(k)}
		if rapid.IntRange(0, 19).Draw(t, "odd port") == 0 {
			w.Port = rapid.SampledFrom([]Port{{}, SSH, TCPRange(1, 1024), TCPRange(8000, 8100), DNS, {Protocol: "icmp", From: 1, To: 1}}).Draw(t, "port")
		}
		w.InternetEgress = k.IsCompute() && rapid.Bool().Draw(t, "egress") || rapid.IntRange(0, 30).Draw(t, "egress anyway") == 0
		w.InternetFacing = k == KindALB && rapid.Bool().Draw(t, "facing") || rapid.IntRange(0, 20).Draw(t, "facing anyway") == 0
		w.ExtraGroups = rapid.IntRange(0, 4).Draw(t, "extra") + rapid.IntRange(0, 20).Draw(t, "too many")/20
		ws = append(ws, w)
	}
	env := Env{}
	if rapid.Bool().Draw(t, "endpoints") {
		env.InterfaceEndpoints = true
		ws = append(ws, Workload{Name: "endpoints", Kind: KindEndpoints, Port: HTTPS})
	}
	if rapid.Bool().Draw(t, "vpn") {
		env.VPNClientCIDR = netip.MustParsePrefix("10.100.0.0/22")
		ws = append(ws, Workload{Name: "vpn", Kind: KindVPN})
	}
	env.GatewayEndpoints = rapid.SliceOfN(rapid.SampledFrom([]string{"s3", "dynamodb", "s3"}), 0, 3).Draw(t, "gateways")

	odd := func(what string) bool { return rapid.IntRange(0, 29).Draw(t, what) == 0 }
	ports := []string{"443", "80", "5432", "6379", "8080", "8000-8100", "22", "udp/53", "all"}
	cfg := Config{Allow: map[string][]Grant{}, MaxRulesPerGroup: rapid.SampledFrom([]int{0, 0, 0, 3, 5}).Draw(t, "max rules")}
	var targets, from []string
	for _, w := range ws[:n] {
		if w.Kind.AcceptsConnections() || odd("target that accepts nothing") {
			targets = append(targets, w.Name)
		}
		if w.Kind.HasEgress() || odd("source without egress") {
			from = append(from, w.Name)
		}
	}
	for range rapid.IntRange(0, 12).Draw(t, "grants") {
		if len(targets) == 0 || len(from) == 0 {
			break
		}
		target := rapid.SampledFrom(targets).Draw(t, "target")
		if odd("odd target") {
			target = rapid.SampledFrom([]string{"vpn", "endpoints", "jobz", "internet"}).Draw(t, "target")
		}
		g := Grant{}
		for range rapid.IntRange(1, 3).Draw(t, "sources") {
			src := rapid.SampledFrom(from).Draw(t, "source")
			if src == target && !odd("self") {
				continue
			}
			if odd("odd source") {
				src = rapid.SampledFrom([]string{"internet", "vpn-clients", "vpn", "endpoints", "jobz", "10.0.0.0/8"}).Draw(t, "source")
			}
			g.From = append(g.From, src)
		}
		if g.From == nil && !odd("no sources") {
			continue
		}
		if odd("port") {
			g.Port = PortText(rapid.SampledFrom(ports).Draw(t, "grant port"))
		}
		if rapid.Bool().Draw(t, "has reason") {
			g.Reason = "because"
			if odd("bad reason") {
				g.Reason = "a <b>"
			}
		}
		cfg.Allow[target] = append(cfg.Allow[target], g)
	}
	return ws, cfg, env
}

// The config checks of Build are complete: whatever the config, Build either
// refuses it with problems or returns a graph in which every invariant holds
// (Build re-verifies the graph and would return a different error otherwise).
func TestAnyConfigIsRefusedOrSafe(t *testing.T) {
	accepted := 0
	rapid.Check(t, func(t *rapid.T) {
		ws, cfg, env := genPlatform(t)
		g, err := Build(ws, cfg, env)
		if err != nil {
			var pe *problems.Error
			if !errors.As(err, &pe) {
				t.Fatalf("not a config problem: %v", err)
			}
			return
		}
		accepted++
		for _, r := range g.Rules() {
			if !r.Port.Protocol.Valid() {
				t.Fatalf("%s: protocol %q", r.Name, r.Port.Protocol)
			}
			if r.Port.Contains(22) || r.Port.Contains(3389) {
				t.Fatalf("%s opens SSH or RDP", r.Name)
			}
			if r.Peer.Kind() == PeerCIDR && r.Peer.Key() != "internet" && r.Peer.Key() != "vpn-clients" {
				t.Fatalf("%s: range %s", r.Name, r.Peer.CIDR)
			}
			w, _ := g.workload(r.Group)
			if r.Direction == Egress && (w.Kind.IsDataStore() || w.Kind == KindEndpoints) {
				t.Fatalf("%s: egress on %s", r.Name, w.Kind)
			}
			if r.Peer.Key() == r.Group {
				t.Fatalf("%s: self rule", r.Name)
			}
		}
		if err := g.verify(); err != nil {
			t.Fatal(err)
		}
		// Reordering the same platform changes nothing either.
		ws2, cfg2, env2 := shuffled(t, ws, cfg, env)
		g2, err := Build(ws2, cfg2, env2)
		if err != nil || !reflect.DeepEqual(g2.Rules(), g.Rules()) {
			t.Fatalf("reordered: %v", err)
		}
	})
	t.Logf("%d generated platforms accepted", accepted)
	if accepted == 0 {
		t.Error("no generated platform was accepted; the generator tests nothing")
	}
}
