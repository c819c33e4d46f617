package review

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/acme/platform/internal/sim"
)

// Money is an amount in millionths of a US dollar: every price in prices.go
// and every hours-times-price product is exact, so a total never drifts.
type Money int64

// Dollars converts a dollar amount to Money, rounding to the micro-dollar.
func Dollars(d float64) Money { return Money(math.Round(d * 1e6)) }

// Float returns the amount in dollars.
func (m Money) Float() float64 { return float64(m) / 1e6 }

// Cents returns the amount in cents, rounded half away from zero.
func (m Money) Cents() int64 {
	if m < 0 {
		return -((-int64(m) + 5000) / 10000)
	}
	return (int64(m) + 5000) / 10000
}

// String renders the amount to the cent: "$1,234.57".
func (m Money) String() string {
	c := m.Cents()
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	whole := strconv.FormatInt(c/100, 10)
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	return fmt.Sprintf("%s$%s.%02d", sign, whole, c%100)
}

// Rate renders an hourly price with the digits it has: "$0.0225", "$0.10".
func (m Money) Rate() string {
	s := strconv.FormatFloat(m.Float(), 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".00"
	} else if len(s)-strings.Index(s, ".") == 2 {
		s += "0"
	}
	return "$" + s
}

// PricesFor returns the price table of a region.
func PricesFor(region string) (Prices, error) {
	p, ok := priceTables[region]
	if !ok {
		return Prices{}, fmt.Errorf("review: no prices for region %q; prices.go holds %s only: add the region's figures from the AWS pricing pages rather than estimate with another region's", region, strings.Join(sortedKeys(priceTables), ", "))
	}
	return p, nil
}

// LineItem is one fixed, hourly-billed part of the layer.
type LineItem struct {
	// Item names what is billed; Unit is one billed unit.
	Item string
	Unit string
	// Count is how many units run all month.
	Count int
	// Hourly is the price of one unit for one hour; Monthly is
	// Count x Hourly x HoursPerMonth.
	Hourly  Money
	Monthly Money
	// PerMonth, for what AWS bills by the month (alarms, web ACLs, keys), is
	// the price of one unit for a month; Hourly is then zero and Monthly is
	// Count x PerMonth.
	PerMonth Money
	// Resources are the logical names the units come from.
	Resources []string
}

// NATOption is the NAT line under one mode: the gateways and their Elastic
// IPs (each a billed public IPv4 address) for a month.
type NATOption struct {
	Mode     string // none, single, perAz
	Gateways int
	Monthly  Money
	// Current marks the mode whose gateway count the graph has.
	Current bool
}

// Estimate is the monthly fixed cost of the network, access and operations layers (alarms, web ACLs, keys).
type Estimate struct {
	Region        string
	AsOf          string
	HoursPerMonth int
	Items         []LineItem
	// Monthly is the sum of the items.
	Monthly Money
	// Zones is how many Availability Zones the graph's subnets use; NATModes
	// prices the NAT line for each mode at that count.
	Zones    int
	NATModes []NATOption
	// Usage lists the usage-based charges the total leaves out.
	Usage []string
	// Data is the data-protection cost: keys and backups (not in Monthly,
	// which is the network and access layer).
	Data *DataCost
}

// NAT modes, as platform:network.nat spells them.
const (
	NATNone   = "none"
	NATSingle = "single"
	NATPerAZ  = "perAz"
)

// NATModeComparison prices the NAT line (gateways plus their Elastic IPs) for
// every mode in a network of azs zones: none has no gateway, single one,
// perAz one per zone.
func NATModeComparison(azs int, region string) ([]NATOption, error) {
	if azs < 0 {
		return nil, fmt.Errorf("review: %d availability zones", azs)
	}
	p, err := PricesFor(region)
	if err != nil {
		return nil, err
	}
	single := min(azs, 1)
	perGateway := (p.NATGatewayHour + p.PublicIPv4Hour) * HoursPerMonth
	return []NATOption{
		{Mode: NATNone, Gateways: 0, Monthly: 0},
		{Mode: NATSingle, Gateways: single, Monthly: Money(single) * perGateway},
		{Mode: NATPerAZ, Gateways: azs, Monthly: Money(azs) * perGateway},
	}, nil
}

// EstimateCost prices the fixed, hourly parts of the network and access
// layer the graph holds: NAT gateways, Elastic IPs, interface endpoints (per
// zone), gateway endpoints (free), Client VPN subnet associations, load
// balancers and the public IPv4 addresses of internet-facing ones. An unknown
// region is an error, not another region's figure.
func EstimateCost(g *sim.Graph, region string) (Estimate, error) {
	p, err := PricesFor(region)
	if err != nil {
		return Estimate{}, err
	}
	v := newView(g)
	e := Estimate{Region: region, AsOf: p.AsOf, HoursPerMonth: HoursPerMonth}
	add := func(item, unit string, hourly Money, units map[string]int) {
		n := 0
		names := sortedKeys(units)
		for _, k := range names {
			n += units[k]
		}
		if n == 0 {
			return
		}
		li := LineItem{Item: item, Unit: unit, Count: n, Hourly: hourly, Monthly: Money(n) * hourly * HoursPerMonth, Resources: names}
		e.Items = append(e.Items, li)
		e.Monthly += li.Monthly
	}
	each := func(rs []sim.Resource) map[string]int {
		out := map[string]int{}
		for _, r := range rs {
			out[r.Name]++
		}
		return out
	}

	nats := v.of(tNAT)
	add("NAT gateways", "gateway", p.NATGatewayHour, each(nats))
	add("Elastic IP addresses (public IPv4)", "address", p.PublicIPv4Hour, each(v.of(tEIP)))

	iface, gateway := map[string]int{}, map[string]int{}
	for _, ep := range v.of(tEndpoint) {
		switch strings.ToLower(str(ep.Inputs, "vpcEndpointType")) {
		case "interface":
			iface[ep.Name] = max(len(strs(ep.Inputs, "subnetIds")), 1)
		case "gateway", "":
			gateway[ep.Name] = 1
		}
	}
	add("Interface endpoints (per endpoint per zone)", "endpoint-zone", p.InterfaceEndpointZoneHour, iface)
	if len(gateway) > 0 {
		// Listed even at no cost, so the reader sees they were counted.
		li := LineItem{Item: "Gateway endpoints (S3, DynamoDB: free)", Unit: "endpoint", Count: len(gateway), Hourly: p.GatewayEndpointHour,
			Monthly: Money(len(gateway)) * p.GatewayEndpointHour * HoursPerMonth, Resources: sortedKeys(gateway)}
		e.Items = append(e.Items, li)
		e.Monthly += li.Monthly
	}
	add("Client VPN subnet associations", "association", p.ClientVPNAssociationHour, each(v.of(tVPNAssoc)))

	albs, nlbs, lbIPs := map[string]int{}, map[string]int{}, map[string]int{}
	for _, lb := range v.of(loadBalancerTypes...) {
		switch lbType(lb) {
		case tApplicationLB:
			albs[lb.Name] = 1
		case tNetworkLB:
			nlbs[lb.Name] = 1
		default:
			continue
		}
		if isTrue(lb.Inputs, "internal") {
			continue
		}
		// AWS gives an internet-facing load balancer a public IPv4 address in
		// each of its zones (at least; it may add more as it scales). An NLB
		// mapping that brings its own Elastic IP is billed as that EIP.
		n := len(strs(lb.Inputs, "subnets"))
		for _, m := range sim.Lookup(lb.Inputs, "subnetMappings[]") {
			if mm, ok := m.(map[string]any); ok && str(mm, "allocationId") == "" {
				n++
			}
		}
		if n > 0 {
			lbIPs[lb.Name] = n
		}
	}
	add("Application Load Balancers (LCUs extra)", "load balancer", p.ApplicationLoadBalancerHour, albs)
	add("Network Load Balancers (NLCUs extra)", "load balancer", p.NetworkLoadBalancerHour, nlbs)
	add("Load balancer public IPv4 (internet-facing: one per zone, at least)", "address", p.PublicIPv4Hour, lbIPs)

	addOperations(v, p, &e)

	e.Zones = graphZones(v)
	e.NATModes, _ = NATModeComparison(e.Zones, region)
	// The mode whose gateway count the graph has. With one zone single and
	// perAz coincide (call it perAz); with none, every mode has no gateway.
	for _, mode := range []string{NATNone, NATPerAZ, NATSingle} {
		i := natIndex(e.NATModes, mode)
		if i >= 0 && e.NATModes[i].Gateways == len(nats) {
			e.NATModes[i].Current = true
			break
		}
	}
	e.Data = estimateData(v, p)
	e.Usage = []string{
		fmt.Sprintf("NAT gateway data processing %s/GB", p.NATGatewayPerGB.Rate()),
		fmt.Sprintf("interface endpoint data processing %s/GB", p.InterfaceEndpointPerGB.Rate()),
		fmt.Sprintf("Client VPN connections %s/connection-hour", p.ClientVPNConnectionHour.Rate()),
		fmt.Sprintf("load balancer capacity units (ALB %s/LCU-hour)", p.ApplicationLoadBalancerLCUHour.Rate()),
		"data transfer out to the internet and between zones",
	}
	e.Usage = append(e.Usage, operationsUsage(v, p)...)
	return e, nil
}

func natIndex(opts []NATOption, mode string) int {
	for i, o := range opts {
		if o.Mode == mode {
			return i
		}
	}
	return -1
}

// graphZones counts the distinct zones of the subnets the program creates
// (imported subnets included: the NAT line covers the whole network).
func graphZones(v *view) int {
	set := map[string]bool{}
	for _, s := range v.of(tSubnet) {
		if az := str(s.Inputs, "availabilityZone"); az != "" {
			set[az] = true
		}
	}
	return len(set)
}

// Line returns the item whose name starts with prefix, if any.
func (e Estimate) Line(prefix string) (LineItem, bool) {
	for _, li := range e.Items {
		if strings.HasPrefix(li.Item, prefix) {
			return li, true
		}
	}
	return LineItem{}, false
}

func natModesText(e Estimate) string {
	var parts []string
	for _, m := range e.NATModes {
		s := fmt.Sprintf("%s %s", m.Mode, m.Monthly)
		if m.Current {
			s += " (this stack)"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " | ")
}

// RenderCost renders the estimate as a text table for the offline plan.
func RenderCost(e Estimate) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Monthly fixed cost of the network, access and operations layers (%s list prices as of %s, %d hours a month):\n", e.Region, e.AsOf, e.HoursPerMonth)
	rows := [][]string{{"ITEM", "COUNT", "PER HOUR", "PER MONTH"}}
	for _, li := range e.Items {
		rows = append(rows, []string{li.Item, strconv.Itoa(li.Count), li.unitPrice(), li.Monthly.String()})
	}
	rows = append(rows, []string{"Total", "", "", e.Monthly.String()})
	width := make([]int, 4)
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], len(c))
		}
	}
	for _, r := range rows {
		// The item left-aligned, the figures right-aligned.
		line := fmt.Sprintf("  %-*s  %*s  %*s  %*s", width[0], r[0], width[1], r[1], width[2], r[2], width[3], r[3])
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	if len(e.NATModes) > 0 {
		fmt.Fprintf(&b, "NAT line by mode (%s, each gateway with its Elastic IP): %s\n", plural(e.Zones, "zone", "zones"), natModesText(e))
	}
	if len(e.Usage) > 0 {
		fmt.Fprintf(&b, "Not included (usage-based): %s.\n", strings.Join(e.Usage, "; "))
	}
	renderData(&b, e.Data, false)
	return b.String()
}

// RenderCostMarkdown renders the estimate for a pull-request comment.
func RenderCostMarkdown(e Estimate) string {
	var b strings.Builder
	b.WriteString("### Monthly fixed cost\n\n")
	fmt.Fprintf(&b, "Network, access and operations layers, %s list prices as of %s, %d hours a month.\n\n", e.Region, e.AsOf, e.HoursPerMonth)
	b.WriteString("| Item | Count | Per hour | Per month |\n|---|---:|---:|---:|\n")
	for _, li := range e.Items {
		fmt.Fprintf(&b, "| %s | %d | %s | %s |\n", li.Item, li.Count, li.unitPrice(), li.Monthly)
	}
	fmt.Fprintf(&b, "| **Total** | | | **%s** |\n", e.Monthly)
	if len(e.NATModes) > 0 {
		fmt.Fprintf(&b, "\nNAT line by mode (%s, each gateway with its Elastic IP): %s.\n", plural(e.Zones, "zone", "zones"), natModesText(e))
	}
	if len(e.Usage) > 0 {
		fmt.Fprintf(&b, "\nNot included (usage-based): %s.\n", strings.Join(e.Usage, "; "))
	}
	renderData(&b, e.Data, true)
	return b.String()
}
