package stack_test

import (
	"strings"
	"testing"

	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/stack"
)

// Every stack file's plan says which zone ID each of its zones is: the
// output availabilityZoneIds covers the zone of every subnet it creates.
func TestZones_EveryStackFileOutputsTheIDOfEachZoneItUses(t *testing.T) {
	for _, path := range everyStackFile(t) {
		t.Run(path, func(t *testing.T) {
			res := runPath(t, path)
			if res.Platform.Design.Config.ImportOnly() {
				return // it creates no subnet: its zones are the imported ones'
			}
			ids, _ := res.Graph.Exports["availabilityZoneIds"].(map[string]any)
			subnets := res.Graph.OfType(tSubnet)
			if len(subnets) == 0 {
				t.Fatal("no subnets")
			}
			for _, s := range subnets {
				az := str(s, "availabilityZone")
				if id, _ := ids[az].(string); !strings.HasPrefix(id, "use1-az") && !strings.HasPrefix(id, "euw1-az") {
					t.Errorf("subnet %s in %s: zone ID %v", s.Name, az, ids[az])
				}
			}
			if notes := strings.Join(res.Platform.Notes(), "\n"); !strings.Contains(notes, "zones: ") {
				t.Errorf("notes lack the zone IDs: %q", notes)
			}
		})
	}
}

// zoneRun runs validValues with the given availabilityZones.
func zoneRun(t *testing.T, zones string) (*offline.Result, error) {
	t.Helper()
	v := validValues()
	v["platform:network"] = strings.Replace(v["platform:network"], `"azCount":2`, `"availabilityZones":`+zones, 1)
	return offline.Run(&stack.File{Path: "zones", Stack: "test", Values: v})
}

// zoneIDs returns the simulated account's ID of each zone name.
func zoneIDs(t *testing.T) map[string]string {
	t.Helper()
	res, err := zoneRun(t, `["us-east-1a","us-east-1b"]`)
	if err != nil {
		t.Fatal(err)
	}
	return res.Platform.Design.ZoneIDs
}

func TestZones_IDsResolveToThisAccountsNames(t *testing.T) {
	ids := zoneIDs(t)
	a, b := ids["us-east-1a"], ids["us-east-1b"]
	if a == "" || b == "" || a == "use1-az1" && b == "use1-az2" {
		t.Fatalf("the simulated mapping should not be the identity: %v", ids)
	}
	// Listed by ID, in the other order: the same zones, planned the same way.
	res, err := zoneRun(t, `["`+b+`","`+a+`"]`)
	if err != nil {
		t.Fatal(err)
	}
	d := res.Platform.Design
	if strings.Join(d.AZs, ",") != "us-east-1a,us-east-1b" {
		t.Errorf("zones %v", d.AZs)
	}
	byName, err := zoneRun(t, `["us-east-1a","us-east-1b"]`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.Plan.Subnets, byName.Platform.Design.Plan.Subnets; len(got) != len(want) || len(got) == 0 {
		t.Fatalf("plans %v / %v", got, want)
	} else {
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("subnet %d: by ID %v, by name %v", i, got[i], want[i])
			}
		}
	}
}

func TestZones_BadZonesNameKeyAndFix(t *testing.T) {
	ids := zoneIDs(t)
	tests := []struct{ name, zones, want string }{
		{"an ID of another region", `["usw2-az1","us-east-1a"]`, `platform:network.availabilityZones[0]: "usw2-az1" is a zone ID of another region (usw2); the zone IDs of aws:region us-east-1 look like use1-az1`},
		{"neither name nor ID", `["use1-bos1-az1","us-east-1a"]`, `platform:network.availabilityZones[0]: "use1-bos1-az1" is neither an availability zone name like us-east-1a nor a zone ID like use1-az1`},
		{"an ID without a number", `["use1-az","us-east-1a"]`, `platform:network.availabilityZones[0]: "use1-az" is neither`},
		{"an ID the region lacks", `["use1-az9","us-east-1a"]`, `platform:network.availabilityZones[0]: "use1-az9" is not an available zone ID in us-east-1; this account's zones are use1-`},
		{"a zone twice, by name and by ID", `["us-east-1a","` + ids["us-east-1a"] + `"]`, `platform:network.availabilityZones[1]: "` + ids["us-east-1a"] + `" is us-east-1a in this account, already listed at availabilityZones[0]; list each zone once`},
		{"an ID twice", `["` + ids["us-east-1a"] + `","` + ids["us-east-1a"] + `"]`, `platform:network.availabilityZones[1]: "` + ids["us-east-1a"] + `" is listed twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := zoneRun(t, tt.zones)
			if got := strings.Join(problems.Messages(err), "\n"); !strings.Contains(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
			if res != nil && len(res.Graph.Resources) != 0 {
				t.Errorf("%d resources registered", len(res.Graph.Resources))
			}
		})
	}
}
