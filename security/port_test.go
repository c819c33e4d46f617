package security

import (
	"testing"

	"pgregory.net/rapid"
)

func TestParsePortAcceptsTheWrittenForms(t *testing.T) {
	cases := []struct {
		in   string
		want Port
	}{
		{"5432", TCP(5432)},
		{"tcp/5432", TCP(5432)},
		{"8000-8010", TCPRange(8000, 8010)},
		{"tcp/8000-8010", TCPRange(8000, 8010)},
		{"udp/53", UDP(53)},
		{"udp/60000-61000", Port{ProtoUDP, 60000, 61000}},
		{" 443 ", HTTPS},
		{"1", TCP(1)},
		{"65535", TCP(65535)},
		{"0443", HTTPS},
		{"22", SSH}, // parsing does not judge; Build refuses SSH
	}
	for _, c := range cases {
		got, err := ParsePort(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParsePort(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

func TestParsePortRejectsAllTrafficAndNonsense(t *testing.T) {
	const ex = `write a port like "5432", "tcp/5432", "8000-8010" or "udp/53"`
	cases := []struct{ in, want string }{
		{"", `empty port; ` + ex},
		{"   ", `empty port; ` + ex},
		{"-1", `protocol "-1" means all traffic, which is never allowed; name a tcp or udp port`},
		{"all", `protocol "all" means all traffic, which is never allowed; name a tcp or udp port`},
		{"ALL", `protocol "ALL" means all traffic, which is never allowed; name a tcp or udp port`},
		{"-1/0-65535", `protocol "-1" means all traffic, which is never allowed; name a tcp or udp port`},
		{"all/443", `protocol "all" means all traffic, which is never allowed; name a tcp or udp port`},
		{"icmp/8", `protocol "icmp" is not supported; use tcp or udp`},
		{"TCP/443", `protocol "TCP" is not supported; use tcp or udp`},
		{"/443", `protocol "" is not supported; use tcp or udp`},
		{"https", `"https" is not a port; ` + ex},
		{"tcp/", `"tcp/" is not a port; ` + ex},
		{"tcp/+22", `"tcp/+22" is not a port; ` + ex},
		{"8000-", `"8000-" is not a port; ` + ex},
		{"-8000", `"-8000" is not a port; ` + ex},
		{"80,443", `"80,443" is not a port; ` + ex},
		{"80/443", `protocol "80" is not supported; use tcp or udp`},
		{"1-2-3", `"1-2-3" is not a port; ` + ex},
		{"123456", `"123456" is not a port; ` + ex},
		{"0", `port 0 is out of range; ports go from 1 to 65535`},
		{"0-65535", `port 0 is out of range; ports go from 1 to 65535`},
		{"65536", `port 65536 is out of range; ports go from 1 to 65535`},
		{"8010-8000", `range 8010-8000 is reversed; write 8000-8010`},
	}
	for _, c := range cases {
		p, err := ParsePort(c.in)
		if err == nil {
			t.Errorf("ParsePort(%q) = %v, want error %q", c.in, p, c.want)
			continue
		}
		if err.Error() != c.want {
			t.Errorf("ParsePort(%q) error\n got  %s\n want %s", c.in, err, c.want)
		}
	}
}

func TestPortNamesAndRanges(t *testing.T) {
	cases := []struct {
		p             Port
		str, cfg, num string
		width         int
	}{
		{Postgres, "tcp-5432", "5432", "5432", 1},
		{TCPRange(8000, 8010), "tcp-8000-8010", "8000-8010", "8000-8010", 11},
		{DNS, "udp-53", "udp/53", "53", 1},
		{Port{}, "none", "", "", 0},
	}
	for _, c := range cases {
		if c.p.String() != c.str || c.p.Width() != c.width || c.p.Numbers() != c.num {
			t.Errorf("%#v: String %q Width %d Numbers %q", c.p, c.p.String(), c.p.Width(), c.p.Numbers())
		}
		if c.p.ConfigString() != c.cfg {
			t.Errorf("%#v: ConfigString %q, want %q", c.p, c.p.ConfigString(), c.cfg)
		}
	}
	r := TCPRange(8000, 8010)
	for n, want := range map[int]bool{7999: false, 8000: true, 8005: true, 8010: true, 8011: false} {
		if r.Contains(n) != want {
			t.Errorf("%v.Contains(%d) = %v", r, n, !want)
		}
	}
	if (Port{}).Contains(0) {
		t.Error("the zero Port contains nothing")
	}
	if !TCP(8005).Within(r) || !r.Within(r) || TCPRange(7999, 8001).Within(r) || UDP(8005).Within(r) || (Port{}).Within(r) {
		t.Error("Within is wrong")
	}
	if _, ok := forbiddenIn(TCPRange(20, 25)); !ok {
		t.Error("20-25 contains SSH")
	}
	if _, ok := forbiddenIn(UDP(3389)); !ok {
		t.Error("udp 3389 is RDP")
	}
	if f, ok := forbiddenIn(TCPRange(3390, 65535)); ok {
		t.Errorf("3390-65535 contains %v", f)
	}
}

func TestCatalogPortsAreValidAndNotForbidden(t *testing.T) {
	for _, n := range Catalog() {
		if err := n.Port.Validate(); err != nil {
			t.Errorf("%s: %v", n.Name, err)
		}
		if _, bad := forbiddenIn(n.Port); bad {
			t.Errorf("%s is forbidden", n.Name)
		}
	}
	for _, k := range append(userKinds, KindEndpoints, KindVPN) {
		if p := DefaultPort(k); p.IsZero() == k.AcceptsConnections() && k != KindEC2 && k != KindECS {
			t.Errorf("DefaultPort(%s) = %v", k, p)
		}
	}
}

func genPort() *rapid.Generator[Port] {
	return rapid.Custom(func(t *rapid.T) Port {
		proto := rapid.SampledFrom([]Protocol{ProtoTCP, ProtoUDP}).Draw(t, "proto")
		from := rapid.IntRange(1, 65535).Draw(t, "from")
		to := rapid.IntRange(from, min(65535, from+rapid.IntRange(0, 2000).Draw(t, "width"))).Draw(t, "to")
		return Port{proto, from, to}
	})
}

func TestParsePortRoundTripsConfigString(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := genPort().Draw(t, "port")
		got, err := ParsePort(p.ConfigString())
		if err != nil || got != p {
			t.Fatalf("ParsePort(%q) = %v, %v; want %v", p.ConfigString(), got, err, p)
		}
		if w := p.Width(); w != p.To-p.From+1 || !p.Contains(p.From) || !p.Contains(p.To) || p.Contains(p.To+1) {
			t.Fatalf("range arithmetic of %v", p)
		}
	})
}

func TestParsePortNeverYieldsAnInvalidPort(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.StringMatching(`[a-z0-9/ +*-]{0,12}`).Draw(t, "s")
		p, err := ParsePort(s)
		if err == nil && p.Validate() != nil {
			t.Fatalf("ParsePort(%q) = %v, which is invalid: %v", s, p, p.Validate())
		}
	})
}
