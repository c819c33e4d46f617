package review

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// networkGraph is a prod-like access layer: 3 zones, a NAT gateway and its
// Elastic IP per zone, 10 interface endpoints in 3 subnets each, S3 and
// DynamoDB gateway endpoints, 3 Client VPN associations and one ALB.
func networkGraph(internetFacing bool) *builder {
	b := newBuilder()
	b.add(tVpc, "vpc", "vpc-1", nil)
	var priv, pub []any
	for _, az := range []string{"a", "b", "c"} {
		b.add(tSubnet, "pub-"+az, "subnet-pub-"+az, obj{"availabilityZone": "us-east-1" + az})
		b.add(tSubnet, "priv-"+az, "subnet-priv-"+az, obj{"availabilityZone": "us-east-1" + az})
		b.add(tEIP, "nat-"+az+"-eip", "eipalloc-"+az, obj{"domain": "vpc"})
		b.add(tNAT, "nat-"+az, "nat-"+az, obj{"allocationId": "eipalloc-" + az, "subnetId": "subnet-pub-" + az})
		b.add(tVPNAssoc, "vpn-assoc-"+az, "cvpn-assoc-"+az, obj{"subnetId": "subnet-priv-" + az})
		priv = append(priv, "subnet-priv-"+az)
		pub = append(pub, "subnet-pub-"+az)
	}
	for i := 0; i < 10; i++ {
		n := fmt.Sprintf("vpce-%d", i)
		b.add(tEndpoint, n, n, obj{"vpcEndpointType": "Interface", "subnetIds": priv})
	}
	b.add(tEndpoint, "vpce-s3", "vpce-s3", obj{"vpcEndpointType": "Gateway"})
	b.add(tEndpoint, "vpce-dynamodb", "vpce-dynamodb", obj{"vpcEndpointType": "Gateway"})
	b.add(tVPNEndpoint, "vpn", "cvpn-endpoint-1", nil)
	b.add(tLB, "alb", "alb", obj{"loadBalancerType": "application", "internal": !internetFacing, "subnets": pub})
	return b
}

func TestEstimateCost_ExactFiguresForAHandBuiltNetwork(t *testing.T) {
	e, err := EstimateCost(networkGraph(false).graph(), "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	type line struct {
		item    string
		count   int
		hourly  Money
		monthly Money
	}
	var got []line
	for _, li := range e.Items {
		got = append(got, line{li.Item, li.Count, li.Hourly, li.Monthly})
	}
	want := []line{
		{"NAT gateways", 3, 45_000, 98_550_000},                                  // 3 x $0.045 x 730 = $98.55
		{"Elastic IP addresses (public IPv4)", 3, 5_000, 10_950_000},             // 3 x $0.005 x 730 = $10.95
		{"Interface endpoints (per endpoint per zone)", 30, 10_000, 219_000_000}, // 10 x 3 x $0.01 x 730 = $219.00
		{"Gateway endpoints (S3, DynamoDB: free)", 2, 0, 0},
		{"Client VPN subnet associations", 3, 100_000, 219_000_000},        // 3 x $0.10 x 730 = $219.00
		{"Application Load Balancers (LCUs extra)", 1, 22_500, 16_425_000}, // $0.0225 x 730 = $16.425
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("items:\n got %+v\nwant %+v", got, want)
	}
	if e.Monthly != 563_925_000 || e.Monthly.String() != "$563.93" {
		t.Errorf("total %d (%s), want 563925000 ($563.93)", e.Monthly, e.Monthly)
	}
	if e.Zones != 3 || e.HoursPerMonth != 730 || e.Region != "us-east-1" {
		t.Errorf("zones %d, hours %d, region %s", e.Zones, e.HoursPerMonth, e.Region)
	}
	if li, ok := e.Line("NAT gateways"); !ok || !reflect.DeepEqual(li.Resources, []string{"nat-a", "nat-b", "nat-c"}) {
		t.Errorf("NAT line resources %v", li.Resources)
	}

	// An internet-facing ALB also holds a billed public IPv4 address per zone.
	e, err = EstimateCost(networkGraph(true).graph(), "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	li, ok := e.Line("Load balancer public IPv4")
	if !ok || li.Count != 3 || li.Monthly != 10_950_000 {
		t.Errorf("load balancer addresses: %+v", li)
	}
	if e.Monthly != 574_875_000 || e.Monthly.String() != "$574.88" {
		t.Errorf("total %d (%s), want 574875000 ($574.88)", e.Monthly, e.Monthly)
	}
}

func TestNATModeComparison(t *testing.T) {
	perGateway := Money(36_500_000) // ($0.045 + $0.005 for its Elastic IP) x 730 = $36.50
	for _, tc := range []struct {
		azs  int
		want []NATOption
	}{
		{3, []NATOption{{Mode: "none"}, {Mode: "single", Gateways: 1, Monthly: perGateway}, {Mode: "perAz", Gateways: 3, Monthly: 3 * perGateway}}},
		{2, []NATOption{{Mode: "none"}, {Mode: "single", Gateways: 1, Monthly: perGateway}, {Mode: "perAz", Gateways: 2, Monthly: 2 * perGateway}}},
		{0, []NATOption{{Mode: "none"}, {Mode: "single"}, {Mode: "perAz"}}},
	} {
		got, err := NATModeComparison(tc.azs, "us-east-1")
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%d zones: got %+v, %v; want %+v", tc.azs, got, err, tc.want)
		}
	}
	if got := (3 * perGateway).String(); got != "$109.50" {
		t.Errorf("perAz in 3 zones renders %s", got)
	}
	if _, err := NATModeComparison(-1, "us-east-1"); err == nil {
		t.Error("a negative zone count is an error")
	}

	// The estimate marks the mode the graph's gateways match.
	for _, tc := range []struct {
		remove []string
		want   string
	}{{nil, "perAz"}, {[]string{"nat-b", "nat-c"}, "single"}, {[]string{"nat-a", "nat-b", "nat-c"}, "none"}, {[]string{"nat-c"}, ""}} {
		b := networkGraph(false)
		for _, n := range tc.remove {
			b.remove(n)
		}
		e, err := EstimateCost(b.graph(), "us-east-1")
		if err != nil {
			t.Fatal(err)
		}
		current := ""
		for _, m := range e.NATModes {
			if m.Current {
				current += m.Mode
			}
		}
		if current != tc.want {
			t.Errorf("without %v: current mode %q, want %q", tc.remove, current, tc.want)
		}
	}
}

func TestEstimateCost_UnknownRegionIsAnError(t *testing.T) {
	_, err := EstimateCost(networkGraph(false).graph(), "eu-west-1")
	want := `review: no prices for region "eu-west-1"; prices.go holds us-east-1 only: add the region's figures from the AWS pricing pages rather than estimate with another region's`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	if _, err := NATModeComparison(3, ""); err == nil {
		t.Error("an empty region is an error")
	}
}

func TestMoney(t *testing.T) {
	for _, tc := range []struct {
		m    Money
		s, r string
	}{
		{Dollars(0.0225), "$0.02", "$0.0225"},
		{Dollars(0.10), "$0.10", "$0.10"},
		{Dollars(0.045), "$0.05", "$0.045"},
		{0, "$0.00", "$0.00"},
		{Money(16_425_000), "$16.43", "$16.425"},
		{Money(1_234_567_890), "$1,234.57", "$1234.56789"},
		{Money(-5_000), "-$0.01", "$-0.005"},
	} {
		if tc.m.String() != tc.s || tc.m.Rate() != tc.r {
			t.Errorf("%d: String %s Rate %s; want %s and %s", tc.m, tc.m, tc.m.Rate(), tc.s, tc.r)
		}
	}
}

func TestRenderCost(t *testing.T) {
	e, err := EstimateCost(networkGraph(true).graph(), "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	text := RenderCost(e)
	for _, want := range []string{
		"us-east-1 list prices as of 2025, 730 hours a month",
		"  NAT gateways ",
		"$98.55",
		"  Total ",
		"$574.88",
		"NAT line by mode (3 zones, each gateway with its Elastic IP): none $0.00 | single $36.50 | perAz $109.50 (this stack)",
		"Not included (usage-based): NAT gateway data processing $0.045/GB",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	md := RenderCostMarkdown(e)
	for _, want := range []string{"| NAT gateways | 3 | $0.045 | $98.55 |", "| **Total** | | | **$574.88** |", "perAz $109.50 (this stack)"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

// Alarms are billed per metric they read, a web ACL and each of its rules by
// the month; alias records cost nothing. (Keys are the data protection's line.)
func TestEstimateCost_OperationsLayerByTheMonth(t *testing.T) {
	b := networkGraph(false)
	b.add(tMetricAlarm, "cpu", "cpu", obj{"metricName": "CPUUtilization"})
	b.add(tMetricAlarm, "rate", "rate", obj{"metricQueries": list(
		obj{"id": "result", "expression": "100 * part / whole"},
		obj{"id": "part", "metric": obj{"metricName": "HTTPCode_ELB_5XX_Count"}},
		obj{"id": "whole", "metric": obj{"metricName": "RequestCount"}})})
	b.add(tWebACL, "acl", "acl", obj{"rules": list(obj{"name": "a"}, obj{"name": "b"}, obj{"name": "c"})})
	b.add(tKMSKey, "key", "key", nil)
	b.add(tR53Record, "www-a", "www-a", obj{"aliases": list(obj{"name": "lb"})})
	b.add(tR53Record, "validation", "validation", obj{"records": list("x")})
	e, err := EstimateCost(b.graph(), "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	for item, want := range map[string][2]int64{
		"CloudWatch alarms":      {3, 300_000},   // 1 + 2 metrics x $0.10
		"AWS WAF web ACLs":       {1, 5_000_000}, // $5.00
		"AWS WAF rules":          {3, 3_000_000}, // 3 x $1.00
		"Route 53 alias records": {1, 0},
	} {
		li, ok := e.Line(item)
		if !ok || int64(li.Count) != want[0] || int64(li.Monthly) != want[1] || li.Hourly != 0 {
			t.Errorf("%s: %+v, want count %d, %d a month", item, li, want[0], want[1])
		}
	}
	if e.Monthly != 563_925_000+8_300_000 {
		t.Errorf("total %s", e.Monthly)
	}
	text := RenderCost(e)
	if !strings.Contains(text, "$0.10/mo") || !strings.Contains(text, "WAF requests $0.60/million") {
		t.Errorf("render:\n%s", text)
	}
}
