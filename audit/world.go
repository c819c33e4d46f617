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
// description of each way they reach the whole internet, or nothing.
func (inv *Inventory) worldForms(cidrs, prefixLists []string) []string {
	var forms []string
	var v4, v6 []netip.Prefix
	var v4Src, v6Src []string
	for _, c := range cidrs {
		p, err := netip.ParsePrefix(c)
		if err != nil {
			continue
		}
		p = p.Masked()
		switch {
		case p == allIPv4:
			forms = append(forms, "0.0.0.0/0 (all of IPv4)")
			continue
		case p == allIPv6:
			forms = append(forms, "::/0 (all of IPv6)")
			continue
		case p.Addr().Is6() && p.Bits() <= 3 && p.Contains(globalUnicast.Addr()):
			forms = append(forms, c+" (every global IPv6 address)")
			continue
		}
		if p.Addr().Is4() {
			v4, v4Src = append(v4, p), append(v4Src, c)
		} else {
			v6, v6Src = append(v6, p), append(v6Src, c)
		}
	}
	if covers(v4, allIPv4) {
		forms = append(forms, strings.Join(v4Src, " + ")+" (together all of IPv4)")
	} else if covers(v6, globalUnicast) {
		forms = append(forms, strings.Join(v6Src, " + ")+" (together every global IPv6 address)")
	}
	for _, id := range prefixLists {
		pl, ok := inv.PrefixList(id)
		if !ok || !pl.EntriesRead {
			continue
		}
		var ps []netip.Prefix
		for _, e := range pl.Entries {
			if p, err := netip.ParsePrefix(e); err == nil {
				ps = append(ps, p.Masked())
			}
		}
		name := id
		if pl.PrefixListName != "" {
			name = fmt.Sprintf("%s (%s)", id, pl.PrefixListName)
		}
		switch {
		case covers(ps, allIPv4):
			forms = append(forms, "prefix list "+name+" (its entries cover all of IPv4)")
		case covers(ps, globalUnicast):
			forms = append(forms, "prefix list "+name+" (its entries cover every global IPv6 address)")
		}
	}
	return forms
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
