package change

import (
	"testing"

	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/stack"
)

// Writing the zones as their IDs instead of names (or instead of azCount)
// changes nothing: each zone keeps its address slot, its subnets and its NAT
// gateway. The IDs are the ones the simulated account gives prod's zones.
func TestScenarioZonesByIDChangeNothing(t *testing.T) {
	f, err := stack.ReadFile(prodStackFile)
	if err != nil {
		t.Fatal(err)
	}
	res, err := offline.Run(f)
	if err != nil {
		t.Fatal(err)
	}
	d := res.Platform.Design
	var names, ids []any
	for _, az := range d.AZs {
		names = append(names, az)
		ids = append([]any{d.ZoneIDs[az]}, ids...) // reversed: order must not matter
	}
	if len(ids) != 3 || ids[0] == "" {
		t.Fatalf("zone IDs %v", d.ZoneIDs)
	}
	byName := netEdit(t, func(n map[string]any) { delete(n, "azCount"); n["availabilityZones"] = names })
	byID := netEdit(t, func(n map[string]any) { delete(n, "azCount"); n["availabilityZones"] = ids })
	for what, r := range map[string]*Report{
		"azCount -> names": scenario(t, byName),
		"azCount -> IDs":   scenario(t, byID),
		"names -> IDs":     scenarioPair(t, byName, byID),
	} {
		if !r.Empty() {
			t.Errorf("%s changes:\n%s", what, r.Text())
		}
	}
}
