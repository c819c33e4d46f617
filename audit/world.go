package audit

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// The internet comes in more spellings than 0.0.0.0/0. AWS accepts any set
// of ranges, and ranges behind a managed prefix list, so a rule or a route
// can reach everyone without the literal: 0.0.0.0/1 plus 128.0.0.0/1, a
// prefix list whose entries do the same, ::/0, or 2000::/3 (every global
// unicast IPv6 address, which is the whole IPv6 internet today). The audit
// treats each of these as "the internet" and says which form it found.

var (
	allIPv4       = netip.MustParsePrefix("0.0.0.0/0")
	allIPv6       = netip.MustParsePrefix("::/0")
	globalUnicast = netip.MustParsePrefix("2000::/3")
)

// worldForms returns, for a set of sources (CIDRs and prefix list ids), a
// description of each way they reach the whole internet, or nothing. Per
// address family it names, in this order of preference: a literal
// (0.0.0.0/0, ::/0, an IPv6 prefix holding 2000::/3), the CIDRs together,
// a prefix list whose entries do it alone, and CIDRs and prefix lists
// together. Prefix lists whose entries could not be read count for
// nothing: the audit concludes nothing from what it did not see.
func (inv *Inventory) worldForms(cidrs, prefixLists []string) []string {
	var forms []string
	for _, fam := range families {
		var found []string
		var ps []netip.Prefix
		var srcs []string
		for _, c := range cidrs {
			p, err := netip.ParsePrefix(c)
			if err != nil || p.Addr().Is4() != fam.v4 {
				continue
			}
			p = p.Masked()
			switch {
			case p == allIPv4:
				found = append(found, "0.0.0.0/0 (all of IPv4)")
			case p == allIPv6:
				found = append(found, "::/0 (all of IPv6)")
			case !fam.v4 && p.Bits() <= globalUnicast.Bits() && p.Contains(globalUnicast.Addr()):
				found = append(found, c+" (every global IPv6 address)")
			default:
				ps, srcs = append(ps, p), append(srcs, c)
			}
		}
		if len(found) == 0 && len(ps) > 1 && covers(ps, fam.space) {
			found = append(found, strings.Join(srcs, " + ")+" (together "+fam.label+")")
		}
		var listed []string
		for _, id := range prefixLists {
			pl, ok := inv.PrefixList(id)
			if !ok || !pl.EntriesRead {
				continue
			}
			var entries []netip.Prefix
			for _, e := range pl.Entries {
				if p, err := netip.ParsePrefix(e); err == nil && p.Addr().Is4() == fam.v4 {
					entries = append(entries, p.Masked())
				}
			}
			if len(entries) == 0 {
				continue
			}
			if len(found) == 0 && covers(entries, fam.space) {
				found = append(found, "prefix list "+pl.label()+" (its entries cover "+fam.label+")")
				continue
			}
			ps = append(ps, entries...)
			listed = append(listed, "prefix list "+pl.label())
		}
		if len(found) == 0 && len(listed) > 0 && covers(ps, fam.space) {
			found = append(found, strings.Join(append(srcs, listed...), " + ")+" (together "+fam.label+")")
		}
		forms = append(forms, found...)
	}
	return forms
}

// families are the address spaces that make "the internet": all of IPv4,
// and every global IPv6 address (2000::/3, all AWS hands out or routes).
var families = []struct {
	v4    bool
	space netip.Prefix
	label string
}{
	{true, allIPv4, "all of IPv4"},
	{false, globalUnicast, "every global IPv6 address"},
}

func (pl *PrefixList) label() string {
	if pl.PrefixListName != "" {
		return fmt.Sprintf("%s (%s)", pl.PrefixListId, pl.PrefixListName)
	}
	return pl.PrefixListId
}

// PrefixList returns the managed prefix list with the given id.
func (inv *Inventory) PrefixList(id string) (*PrefixList, bool) {
	for i := range inv.PrefixLists {
		if inv.PrefixLists[i].PrefixListId == id {
			return &inv.PrefixLists[i], true
		}
	}
	return nil, false
}

// covers reports whether the union of ps contains every address of want.
func covers(ps []netip.Prefix, want netip.Prefix) bool {
	type span struct{ lo, hi netip.Addr }
	var spans []span
	for _, p := range ps {
		if p.Addr().Is4() != want.Addr().Is4() || !p.Overlaps(want) {
			continue
		}
		if p.Bits() <= want.Bits() {
			return true // p contains want
		}
		spans = append(spans, span{p.Addr(), lastAddr(p)})
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.lo.Compare(b.lo), 0) })
	next := want.Addr()
	end := lastAddr(want)
	for _, s := range spans {
		if s.lo.Compare(next) > 0 {
			return false
		}
		if s.hi.Compare(next) >= 0 {
			if s.hi == end {
				return true
			}
			next = s.hi.Next()
		}
	}
	return false
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}
