package audit

import (
	"fmt"
	"slices"
	"strings"
)

// A group's rules add up: AWS allows traffic that any one rule allows. Two
// rules that each open a port to half of IPv4 open it to the internet
// together, though neither does alone, and describe-security-groups keeps
// them apart when their ports or protocols differ (tcp 0-65535 from
// 0.0.0.0/1 beside tcp 443 from 128.0.0.0/1). combinedRules finds, per
// group, protocol and port, what the rules open to the whole internet only
// together, as one synthetic rule per port range that the ingress checks
// then judge like any other.

// combinedRules returns the synthetic rules of a group: for each protocol
// and maximal port range where the rules that apply reach the internet
// together and none of them alone does, the union of their sources. parts
// holds the rules that contributed, world the form found.
func (inv *Inventory) combinedRules(g SecurityGroup) []Rule {
	var rules []Rule
	for _, r := range g.Ingress {
		if len(r.CIDRs) > 0 || len(r.PrefixListIDs) > 0 {
			r.world = inv.worldForms(r.CIDRs, r.PrefixListIDs)
			rules = append(rules, r)
		}
	}
	if len(rules) < 2 {
		return nil
	}
	var everything []Rule // rules on every protocol
	protocols := []string{}
	for _, r := range rules {
		p := protocolOf(r)
		if p == "all" {
			everything = append(everything, r)
		} else if !slices.Contains(protocols, p) {
			protocols = append(protocols, p)
		}
	}
	// All protocols: only rules on every protocol apply. When they open
	// everything to the internet, every port of every protocol is open and
	// that one finding says it all.
	if syn, ok := inv.together(everything, Rule{Protocol: "-1", FromPort: -1, ToPort: -1}); ok {
		return []Rule{syn}
	}
	var out []Rule
	slices.Sort(protocols)
	for _, p := range protocols {
		applies := slices.Clone(everything)
		for _, r := range rules {
			if protocolOf(r) == p {
				applies = append(applies, r)
			}
		}
		for _, span := range portSpans(p, applies) {
			if syn, ok := inv.together(span.rules, Rule{Protocol: p, FromPort: span.from, ToPort: span.to}); ok {
				out = append(out, syn)
			}
		}
	}
	return out
}

// together merges the sources of rules into shape (protocol and ports)
// when they reach the internet together and none alone does.
func (inv *Inventory) together(rules []Rule, shape Rule) (Rule, bool) {
	if len(rules) < 2 || slices.ContainsFunc(rules, func(r Rule) bool { return len(r.world) > 0 }) {
		return Rule{}, false
	}
	for _, r := range rules {
		for _, c := range r.CIDRs {
			if !slices.Contains(shape.CIDRs, c) {
				shape.CIDRs = append(shape.CIDRs, c)
			}
		}
		for _, id := range r.PrefixListIDs {
			if !slices.Contains(shape.PrefixListIDs, id) {
				shape.PrefixListIDs = append(shape.PrefixListIDs, id)
			}
		}
	}
	forms := inv.worldForms(shape.CIDRs, shape.PrefixListIDs)
	if len(forms) == 0 {
		return Rule{}, false
	}
	for i, f := range forms {
		// "... (together all of IPv4)" -> "... (together all of IPv4, across 2 rules)"
		forms[i] = strings.TrimSuffix(f, ")") + fmt.Sprintf(", across %d rules)", len(rules))
	}
	shape.world, shape.parts = forms, rules
	return shape, true
}

// protocolOf names a rule's protocol the same way whatever AWS printed:
// "all", "tcp", "udp", "icmp", "icmpv6" or the number.
func protocolOf(r Rule) string {
	switch p := strings.ToLower(r.Protocol); p {
	case "-1", "all":
		return "all"
	case "6":
		return "tcp"
	case "17":
		return "udp"
	case "1":
		return "icmp"
	case "58":
		return "icmpv6"
	default:
		return p
	}
}

type portSpan struct {
	from, to int
	rules    []Rule
}

// portSpans splits the ports of a protocol into the maximal ranges over
// which the same rules apply, keeping those where two or more do. TCP and
// UDP ports are ranges; other protocols' "ports" (ICMP type and code) are
// compared as they are, -1 meaning all.
func portSpans(protocol string, rules []Rule) []portSpan {
	if protocol != "tcp" && protocol != "udp" {
		var out []portSpan
		var keys [][2]int
		for _, r := range rules {
			if protocolOf(r) != "all" && !slices.Contains(keys, [2]int{r.FromPort, r.ToPort}) {
				keys = append(keys, [2]int{r.FromPort, r.ToPort})
			}
		}
		for _, k := range keys {
			span := portSpan{from: k[0], to: k[1]}
			for _, r := range rules {
				if protocolOf(r) == "all" || r.FromPort == -1 || (r.FromPort == k[0] && r.ToPort == k[1]) {
					span.rules = append(span.rules, r)
				}
			}
			if len(span.rules) > 1 {
				out = append(out, span)
			}
		}
		return out
	}
	rangeOf := func(r Rule) (int, int) {
		if protocolOf(r) == "all" || r.FromPort < 0 {
			return 0, 65535
		}
		return r.FromPort, r.ToPort
	}
	// Every port where the set of rules that apply may change.
	cuts := []int{0, 65536}
	for _, r := range rules {
		from, to := rangeOf(r)
		cuts = append(cuts, from, to+1)
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	var out []portSpan
	for i := 0; i+1 < len(cuts); i++ {
		from, to := cuts[i], cuts[i+1]-1
		var applies []Rule
		for _, r := range rules {
			if f, t := rangeOf(r); f <= from && to <= t {
				applies = append(applies, r)
			}
		}
		if len(applies) < 2 {
			continue
		}
		if n := len(out); n > 0 && out[n-1].to == from-1 && sameRules(out[n-1].rules, applies) {
			out[n-1].to = to
			continue
		}
		out = append(out, portSpan{from: from, to: to, rules: applies})
	}
	return out
}

func sameRules(a, b []Rule) bool {
	return slices.EqualFunc(a, b, func(x, y Rule) bool { return x.String() == y.String() && x.Protocol == y.Protocol })
}

// partsText lists the rules a synthetic rule was made of.
func (r Rule) partsText() string {
	var s []string
	for _, p := range r.parts {
		s = append(s, p.String())
	}
	return strings.Join(s, "; ")
}
