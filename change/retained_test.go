package change

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/sim"
)

func retain(r *sim.Resource) { r.RetainOnDelete = true }
func importID(id string) opt { return func(r *sim.Resource) { r.ImportID = id } }
func logGroup(name string, opts ...opt) sim.Resource {
	return res(tLogGrp, "logs", map[string]any{"name": name, "retentionInDays": 365.0}, opts...)
}

func TestWalk_ReCreatingARetainedFixedNameIsRefused(t *testing.T) {
	on := graph(logGroup("/platform/flow-logs", retain))
	off := graph()
	_, errs := Walk(on, off, graph(logGroup("/platform/flow-logs", retain)))
	if len(errs) != 1 {
		t.Fatalf("errors %v", errs)
	}
	var taken *NameTakenError
	if !errors.As(errs[0], &taken) || taken.Held.Name != "/platform/flow-logs" || taken.Entry.Name != "logs" ||
		!strings.Contains(errs[0].Error(), `would be created as "/platform/flow-logs", but `+urnOf(tLogGrp, "logs")+` kept that name in the account`) {
		t.Errorf("error %v", errs[0])
	}
}

// The boundaries of the guard: a resource deleted for real frees its name, a
// generated name (a prefix) is new in every lifetime, another name or type
// does not clash, and an import adopts the retained resource.
func TestWalk_OnlyAFixedNameStillHeldClashes(t *testing.T) {
	prefixed := func(opts ...opt) sim.Resource {
		return res(tLogGrp, "logs", map[string]any{"namePrefix": "/platform/flow-logs-"}, opts...)
	}
	tests := []struct {
		name    string
		first   sim.Resource
		again   sim.Resource
		clashes bool
	}{
		{"retained, same fixed name", logGroup("/x", retain), logGroup("/x"), true},
		{"deleted, same fixed name", logGroup("/x"), logGroup("/x"), false},
		{"retained, name prefix", prefixed(retain), prefixed(retain), false},
		{"retained, other name", logGroup("/x", retain), logGroup("/y"), false},
		{"retained, adopted again", logGroup("/x", retain), logGroup("/x", importID("/x")), false},
		{"retained, same name, other type", logGroup("/x", retain), res("aws:ssm/document:Document", "logs", map[string]any{"name": "/x"}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := Walk(graph(tt.first), graph(), graph(tt.again))
			if (len(errs) > 0) != tt.clashes {
				t.Errorf("errors %v, want clash %v", errs, tt.clashes)
			}
		})
	}
}

// A replacement deletes the old resource; retained, it keeps the name the
// new one asks for in the same step.
func TestWalk_ReplacingARetainedResourceUnderItsOwnNameClashes(t *testing.T) {
	before := graph(res(tLogGrp, "logs", map[string]any{"name": "/x", "logGroupClass": "STANDARD"}, retain))
	after := graph(res(tLogGrp, "logs", map[string]any{"name": "/x", "logGroupClass": "INFREQUENT_ACCESS"}, retain))
	reps, errs := Walk(before, after)
	if reps[0].Of(Replaced) == nil || len(errs) != 1 {
		t.Errorf("report %s, errors %v", reps[0].Text(), errs)
	}
}

// Turning flow logs off and on again in prod: the off step keeps the log
// group in the account (retained, with its logs), and the second "on" must
// not try to create a group under a name the first one still holds.
func TestScenarioFlowLogsOffAndOnAgainCreatesNoNameTheRetainedGroupHolds(t *testing.T) {
	on, off := prodValues(t), prodValues(t)
	flowLogs(t, false)(off)
	reps, errs := Walk(runProgram(t, on), runProgram(t, off), runProgram(t, on))
	for _, err := range errs {
		t.Error(err)
	}
	wantRetainedAndRecreated(t, reps, "prod-flow-logs-logs")
}

// The same for the Client VPN's connection log.
func TestScenarioClientVPNOffAndOnAgainCreatesNoNameTheRetainedLogHolds(t *testing.T) {
	off := prodValues(t)
	editJSON(t, off, "platform:access", func(a map[string]any) { a["clientVpn"].(map[string]any)["enabled"] = false })
	editJSON(t, off, "platform:security", func(s map[string]any) {
		allow := allowOf(s)
		allow["database"] = allow["database"].([]any)[:1]
	})
	reps, errs := Walk(runProgram(t, prodValues(t)), runProgram(t, off), runProgram(t, prodValues(t)))
	for _, err := range errs {
		t.Error(err)
	}
	wantRetainedAndRecreated(t, reps, "prod-vpn-logs")
}

// wantRetainedAndRecreated checks that the off step removes the named log
// group with retainOnDelete and the on step creates it again: the Walk
// above, finding no clash, then proves the names differ.
func wantRetainedAndRecreated(t *testing.T, reps []*Report, name string) {
	t.Helper()
	if len(reps) != 2 {
		t.Fatalf("%d reports", len(reps))
	}
	removed, added := false, false
	for _, e := range reps[0].Of(Removed) {
		removed = removed || (e.Type == tLogGrp && e.Name == name)
	}
	for _, e := range reps[1].Of(Added) {
		added = added || (e.Type == tLogGrp && e.Name == name)
	}
	if !removed || !added {
		t.Fatalf("%s: removed by off %v, created by on %v", name, removed, added)
	}
}

// In every stack file, a resource kept in the account when it leaves the
// stack does not fix an account-unique name: each lifetime gets its own.
func TestEveryStackFile_RetainedResourcesHaveGeneratedNames(t *testing.T) {
	var files []string
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasPrefix(d.Name(), "Pulumi.") && strings.HasSuffix(d.Name(), ".yaml") && d.Name() != "Pulumi.yaml" {
			files = append(files, path)
		}
		return nil
	})
	if err != nil || len(files) < 4 {
		t.Fatalf("stack files %v: %v", files, err)
	}
	retainedNamed := 0
	for _, path := range files {
		res, err := offline.RunFile(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, r := range res.Graph.Resources {
			if !r.RetainOnDelete {
				continue
			}
			if _, named := UniqueNames[r.Type]; named {
				retainedNamed++
			}
			if n := FixedName(r); n != "" {
				t.Errorf("%s: %s %s is retained on delete under the fixed name %q: turning it off and on again fails with \"already exists\"", path, r.Type, r.Name, n)
			}
		}
	}
	if retainedNamed == 0 {
		t.Error("no retained resource with an account-unique name in any stack: the check checked nothing")
	}
}

func TestTextMarksWhatLeavesTheStackButStaysInTheAccount(t *testing.T) {
	r := Diff(graph(logGroup("/x", retain), res(tKey, "key", map[string]any{})), graph())
	text, md := r.Text(), r.Markdown()
	if !strings.Contains(text, "logs  RETAINED: leaves the stack, stays in the account") ||
		strings.Count(text, "RETAINED") != 1 || strings.Count(md, "retained: leaves the stack") != 1 {
		t.Errorf("text:\n%s\nmarkdown:\n%s", text, md)
	}
}
