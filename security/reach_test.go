package security

import (
	"slices"
	"strings"
	"testing"
)

func TestWhoCanReachTheDatabase(t *testing.T) {
	paths, err := refGraph(t).WhoCanReach("database")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"who can reach database:",
		"SOURCE       PORT      HOW                     PATH",
		"api          tcp-5432  direct                  api --tcp-5432--> database",
		"vpn          tcp-5432  direct                  vpn --tcp-5432--> database",
		"vpn-clients  tcp-5432  through the Client VPN  vpn-clients ==vpn tunnel==> vpn --tcp-5432--> database",
		"",
	}, "\n")
	if got := RenderReach(paths); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestTheInternetReachesTheWebServiceOnlyThroughTheALB(t *testing.T) {
	paths, err := refGraph(t).WhoCanReach("web")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"who can reach web:",
		"SOURCE    PORT      HOW               PATH",
		"edge      tcp-8080  direct            edge --tcp-8080--> web",
		"internet  tcp-8080  through alb edge  internet --tcp-80--> edge --tcp-8080--> web",
		"internet  tcp-8080  through alb edge  internet --tcp-443--> edge --tcp-8080--> web",
		"",
	}, "\n")
	if got := RenderReach(paths); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	for _, p := range paths {
		if p.Source == "internet" && (!slices.Equal(p.Via, []string{"edge"}) || p.Direct() || p.Target() != "web") {
			t.Errorf("internet path %+v", p)
		}
	}
}

func TestWhoCanReachTheCacheIncludesTheVPNClientRange(t *testing.T) {
	paths, _ := refGraph(t).WhoCanReach("cache")
	last := paths[len(paths)-1]
	if last.Source != "vpn-clients" || last.How != "from the Client VPN client range" || last.Port() != Redis || last.Hops[0].Rule != "cache-in-vpn-clients-tcp-6379" {
		t.Errorf("vpn-clients path = %+v", last)
	}
}

func TestWhoCanReachNothing(t *testing.T) {
	g := refGraph(t)
	paths, err := g.WhoCanReach("worker")
	if err != nil || len(paths) != 0 {
		t.Fatalf("worker is a lambda: %v %v", paths, err)
	}
	if got := RenderReach(paths); got != "nothing can reach this workload\n" {
		t.Errorf("got %q", got)
	}
	_, err = g.WhoCanReach("jobz")
	if err == nil || err.Error() != `"jobz" is not a workload; declared workloads are: api, cache, database, edge, endpoints, jobs, vpn, web, worker` {
		t.Errorf("unknown workload: %v", err)
	}
}

func TestVPNClientsReachThroughAnInternalALB(t *testing.T) {
	ws := []Workload{
		{Name: "intranet", Kind: KindALB, Port: HTTPS},
		{Name: "admin", Kind: KindECS, Port: AppHTTP},
		{Name: "vpn", Kind: KindVPN},
	}
	cfg := Config{Allow: map[string][]Grant{
		"intranet": {{From: []string{"vpn"}}},
		"admin":    {{From: []string{"intranet"}}},
	}}
	g, err := Build(ws, cfg, Env{VPNClientCIDR: refEnv().VPNClientCIDR})
	if err != nil {
		t.Fatal(err)
	}
	paths, _ := g.WhoCanReach("admin")
	var got []string
	for _, p := range paths {
		got = append(got, p.How+": "+p.String())
	}
	want := []string{
		"direct: intranet --tcp-8080--> admin",
		"through alb intranet: vpn --tcp-443--> intranet --tcp-8080--> admin",
		"through the Client VPN, then alb intranet: vpn-clients ==vpn tunnel==> vpn --tcp-443--> intranet --tcp-8080--> admin",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
