package security

import (
	"net/netip"
	"testing"

	"github.com/acme/platform/internal/problems"
)

// reference is the platform of the docs: an internet-facing alb in front of a
// web service, an api behind it, a lambda worker and a batch job, Aurora and
// ElastiCache, interface and gateway endpoints and the Client VPN.
func refWorkloads() []Workload {
	return []Workload{
		{Name: "edge", Kind: KindALB, Port: HTTPS, InternetFacing: true},
		{Name: "web", Kind: KindECS, Port: AppHTTP},
		{Name: "api", Kind: KindECS, Port: AppHTTP, InternetEgress: true},
		{Name: "worker", Kind: KindLambda},
		{Name: "jobs", Kind: KindBatch, InternetEgress: true, ExtraGroups: 1},
		{Name: "database", Kind: KindAurora, Port: Postgres},
		{Name: "cache", Kind: KindCache, Port: Redis},
		{Name: "endpoints", Kind: KindEndpoints, Port: HTTPS},
		{Name: "vpn", Kind: KindVPN},
	}
}

func refConfig() Config {
	return Config{Allow: map[string][]Grant{
		"web": {{From: []string{"edge"}, Reason: "alb forwards to the web service"}},
		"api": {
			{From: []string{"web", "worker"}},
			{From: []string{"vpn"}, Port: "8080", Reason: "engineers call the api over the VPN"},
		},
		"database": {
			{From: []string{"api"}, Reason: "api reads and writes"},
			{From: []string{"vpn"}, Reason: "on-call psql through the Client VPN"},
		},
		"cache": {
			{From: []string{"api", "jobs"}},
			{From: []string{"vpn-clients"}, Port: "6379", Reason: "on-call redis-cli"},
		},
	}}
}

func refEnv() Env {
	return Env{
		VPNClientCIDR:      netip.MustParsePrefix("10.100.0.0/22"),
		InterfaceEndpoints: true,
		GatewayEndpoints:   []string{"s3", "dynamodb"},
	}
}

func refGraph(t testing.TB) *Graph {
	t.Helper()
	g, err := Build(refWorkloads(), refConfig(), refEnv())
	if err != nil {
		t.Fatalf("reference platform rejected:\n%v", err)
	}
	return g
}

// base is the small platform of the invariant table: declared workloads are
// api, database, edge, web.
func baseWorkloads() []Workload {
	return []Workload{
		{Name: "edge", Kind: KindALB, Port: HTTPS, InternetFacing: true},
		{Name: "web", Kind: KindECS, Port: AppHTTP},
		{Name: "api", Kind: KindECS, Port: AppHTTP},
		{Name: "database", Kind: KindAurora, Port: Postgres},
	}
}

func baseConfig() Config {
	return Config{Allow: map[string][]Grant{
		"web":      {{From: []string{"edge"}}},
		"database": {{From: []string{"api"}}},
	}}
}

func messages(err error) []string { return problems.Messages(err) }
