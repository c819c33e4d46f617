package stack

import (
	"fmt"
	"sort"
	"strings"

	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/network"
)

// Zones are the region's available zones as getAvailabilityZones returns
// them: names sorted, and each name's zone ID at the same index (IDs may be
// missing, e.g. in a test that knows only names).
type Zones struct {
	Names []string
	IDs   []string
}

// byID maps zone IDs to names.
func (z Zones) byID() map[string]string {
	out := map[string]string{}
	for i, id := range z.IDs {
		if i < len(z.Names) {
			out[id] = z.Names[i]
		}
	}
	return out
}

// idsOf maps each of the given zone names to its ID, where known.
func (z Zones) idsOf(names []string) map[string]string {
	id := map[string]string{}
	for i, n := range z.Names {
		if i < len(z.IDs) {
			id[n] = z.IDs[i]
		}
	}
	out := map[string]string{}
	for _, n := range names {
		if v, ok := id[n]; ok {
			out[n] = v
		}
	}
	return out
}

// chooseAZs picks the zones: the configured ones - names, or zone IDs
// resolved to this account's names - checked against what the region offers,
// or the first azCount zones by name. Sorting by name (not taking the API's
// order) keeps the choice stable from run to run, and the plan places a zone
// by its name: a zone written as its ID gets exactly the subnets it had when
// written as its name.
func chooseAZs(c network.Config, region string, z Zones) ([]string, error) {
	var p problems.List
	avail := append([]string(nil), z.Names...)
	sort.Strings(avail)
	have := map[string]bool{}
	for _, a := range avail {
		have[a] = true
	}
	if len(c.AvailabilityZones) > 0 {
		byID := z.byID()
		var out []string
		at := map[string]int{}
		for i, az := range c.AvailabilityZones {
			key := fmt.Sprintf("%s:network.availabilityZones[%d]", Project, i)
			name := az
			if network.IsZoneID(az) {
				n, ok := byID[az]
				if !ok {
					p.Add(key, "%q is not an available zone ID in %s; this account's zones are %s", az, region, zoneList(z))
					continue
				}
				name = n
			} else if !have[az] {
				p.Add(key, "%q is not an available zone in %s; available: %v", az, region, avail)
				continue
			}
			if j, dup := at[name]; dup {
				p.Add(key, "%q is %s in this account, already listed at availabilityZones[%d]; list each zone once", az, name, j)
				continue
			}
			at[name] = i
			out = append(out, name)
		}
		sort.Strings(out)
		return out, p.Err()
	}
	var usable []string
	for _, a := range avail {
		if _, err := network.ZoneSlot(a); err == nil {
			usable = append(usable, a)
		}
	}
	if len(usable) < c.AZCount {
		p.Add(Project+":network.azCount", "%s offers %d usable zones (%v); lower azCount", region, len(usable), usable)
		return nil, p.Err()
	}
	return usable[:c.AZCount], nil
}

// zoneList renders "use1-az4 (us-east-1a), ..." or the names alone.
func zoneList(z Zones) string {
	var parts []string
	for i, n := range z.Names {
		if i < len(z.IDs) {
			parts = append(parts, z.IDs[i]+" ("+n+")")
		} else {
			parts = append(parts, n)
		}
	}
	return strings.Join(parts, ", ")
}

// zoneNote says which physical zone each zone name is in this account, for
// the plan and the preview.
func (d *Design) zoneNote() string {
	if len(d.ZoneIDs) == 0 {
		return ""
	}
	var parts []string
	for _, az := range d.AZs {
		if id, ok := d.ZoneIDs[az]; ok {
			parts = append(parts, az+" is "+id)
		}
	}
	return "zones: " + strings.Join(parts, ", ") + " (a zone name means a different physical zone in every account; the ID is the same everywhere: write IDs in platform:network.availabilityZones to line zones up across accounts)"
}
