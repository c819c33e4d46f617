package legacy

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/acme/platform/audit"
	"github.com/acme/platform/internal/problems"
)

func group(id string, refs ...string) audit.SecurityGroup {
	g := audit.SecurityGroup{ID: id, Name: id}
	for _, r := range refs {
		g.Ingress = append(g.Ingress, audit.Rule{Protocol: "tcp", FromPort: 80, ToPort: 80, GroupIDs: []string{r}})
	}
	return g
}

// A group comes after every group its rules name, so each can depend on
// those before it; groups naming each other keep an order and do not loop.
func TestDeleteOrderPutsReferencedGroupsFirst(t *testing.T) {
	inv := &audit.Inventory{SecurityGroups: []audit.SecurityGroup{
		group("sg-a", "sg-c"), group("sg-b"), group("sg-c", "sg-b"),
		group("sg-x", "sg-y"), group("sg-y", "sg-x"), group("sg-z", "sg-a", "sg-unlisted"),
	}}
	got := deleteOrder(inv, []string{"sg-a", "sg-b", "sg-c", "sg-x", "sg-y", "sg-z"})
	if len(got) != 6 {
		t.Fatalf("order %v", got)
	}
	before := func(a, b string) bool { return slices.Index(got, a) < slices.Index(got, b) }
	for _, pair := range [][2]string{{"sg-b", "sg-c"}, {"sg-c", "sg-a"}, {"sg-a", "sg-z"}} {
		if !before(pair[0], pair[1]) {
			t.Errorf("%s must come before %s: %v", pair[0], pair[1], got)
		}
	}
}

// A relative snapshot path starts at the project's root, wherever below it
// the program runs; an absolute one is taken as it is.
func TestResolveStartsAtTheProjectRoot(t *testing.T) {
	root := t.TempDir()
	sub := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, ProjectFile), []byte("name: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(sub)
	if got, want := Resolve("migration/snapshot"), filepath.Join(root, "migration", "snapshot"); got != want {
		t.Errorf("Resolve = %s, want %s", got, want)
	}
	if got := Resolve("/abs/snap"); got != "/abs/snap" {
		t.Errorf("an absolute path moved: %s", got)
	}
}

// An old group admits an old workload on a port through a rule for the port
// (or all traffic) from one of its groups, or from a range holding all of
// its subnets; another port, protocol or a narrower range does not.
func TestAdmitsFollowsTheOldGroupsRules(t *testing.T) {
	inv := &audit.Inventory{
		Subnets: []audit.Subnet{{ID: "subnet-a", CIDR: "10.0.0.0/20"}, {ID: "subnet-b", CIDR: "10.0.16.0/20"}},
		SecurityGroups: []audit.SecurityGroup{
			{ID: "sg-byref", Ingress: []audit.Rule{{Protocol: "tcp", FromPort: 5432, ToPort: 5432, GroupIDs: []string{"sg-web"}}}},
			{ID: "sg-bycidr", Ingress: []audit.Rule{{Protocol: "tcp", FromPort: 6379, ToPort: 6379, CIDRs: []string{"10.0.0.0/16"}}}},
			{ID: "sg-narrow", Ingress: []audit.Rule{{Protocol: "tcp", FromPort: 6379, ToPort: 6379, CIDRs: []string{"10.0.0.0/20"}}}},
			{ID: "sg-all", Ingress: []audit.Rule{{Protocol: "-1", FromPort: -1, ToPort: -1, GroupIDs: []string{"sg-web"}}}},
			{ID: "sg-udp", Ingress: []audit.Rule{{Protocol: "udp", FromPort: 5432, ToPort: 5432, GroupIDs: []string{"sg-web"}}}},
		},
	}
	f := Found{Groups: []string{"sg-web"}, Subnets: []string{"subnet-a", "subnet-b"}}
	for _, tc := range []struct {
		group string
		port  int
		want  bool
	}{
		{"sg-byref", 5432, true}, {"sg-byref", 5433, false},
		{"sg-bycidr", 6379, true}, {"sg-narrow", 6379, false},
		{"sg-all", 6379, true}, {"sg-udp", 5432, false}, {"sg-missing", 5432, false},
	} {
		if got := Admits(inv, tc.group, f, tc.port); got != tc.want {
			t.Errorf("%s on %d: %v, want %v", tc.group, tc.port, got, tc.want)
		}
	}
	if Admits(inv, "sg-byref", Found{Groups: []string{"sg-other"}}, 5432) {
		t.Error("a rule from another group admits the workload")
	}
}

// Two stage files of one migration must list the same stages: which stage
// follows which decides when protection may be lifted and a workload go.
func TestCheckTransition_TheStagesListIsOneForEveryFile(t *testing.T) {
	all := []string{"adopt", "expand", "release", "retire"}
	for _, c := range []struct {
		name          string
		before, after []string
		refused       bool
	}{
		{"the same list", all, all, false},
		{"a stage dropped in the later file", all, []string{"adopt", "expand", "retire"}, true},
		{"a stage added in the later file", all, append(slices.Clone(all), "contract"), true},
	} {
		var p problems.List
		CheckTransition("platform:migration", Config{Stage: "release", Stages: c.before}, Config{Stage: "retire", Stages: c.after}, &p)
		got := problems.Messages(p.Err())
		refused := slices.ContainsFunc(got, func(m string) bool {
			return strings.HasPrefix(m, "platform:migration.stages: stage release lists the stages adopt, expand, release, retire, stage retire lists")
		})
		if refused != c.refused {
			t.Errorf("%s: refused %v, want %v: %v", c.name, refused, c.refused, got)
		}
	}
}

// While the old load balancer still gets weight, no old instance or service
// leaves (the snapshot does not say which of them serve behind it); a
// function may, and once the old weight is 0 any of them may.
func TestCheckTransition_NothingThatMayServeLeavesWhileTheOldLoadBalancerAnswers(t *testing.T) {
	off := false
	lifted := Kept{Protect: &off}
	stages := []string{"compute", "canary", "release", "retire"}
	traffic := &Traffic{Name: "www.example.com", Old: "old-alb", New: "edge",
		Weights: map[string]Weights{"canary": {Old: 90, New: 10}, "retire": {Old: 0, New: 100}}}
	all := map[string]Workload{
		"old-alb": {Kind: KindALB, IDs: []string{"old-alb"}, Kept: lifted},
		"old-web": {Kind: KindInstances, IDs: []string{"i-0123456789abcdef0"}, Kept: lifted},
		"old-api": {Kind: KindECSService, IDs: []string{"old-api"}, Kept: lifted},
		"old-fn":  {Kind: KindLambda, IDs: []string{"old-fn"}, Kept: lifted},
	}
	without := func(names ...string) map[string]Workload {
		out := map[string]Workload{}
		for n, w := range all {
			if !slices.Contains(names, n) {
				out[n] = w
			}
		}
		return out
	}
	for _, c := range []struct {
		name    string
		stage   string
		gone    []string
		refused []string
	}{
		{"a service leaves while the old weight is 90", "release", []string{"old-api"}, []string{"old-api"}},
		{"instances leave while the old weight is 90", "release", []string{"old-web"}, []string{"old-web"}},
		{"a function leaves while the old weight is 90", "release", []string{"old-fn"}, nil},
		{"everything leaves once the old weight is 0", "retire", []string{"old-api", "old-web", "old-fn", "old-alb"}, nil},
	} {
		var p problems.List
		before := Config{Stage: "canary", Stages: stages, Workloads: all, Traffic: traffic}
		after := Config{Stage: c.stage, Stages: stages, Workloads: without(c.gone...), Traffic: traffic}
		CheckTransition("platform:migration", before, after, &p)
		var got []string
		for _, m := range problems.Messages(p.Err()) {
			if strings.Contains(m, "while the old load balancer old-alb still gets weight 90 of www.example.com") {
				got = append(got, strings.TrimPrefix(strings.SplitN(m, ":", 3)[1], "migration.workloads."))
			}
		}
		if strings.Join(got, " ") != strings.Join(c.refused, " ") {
			t.Errorf("%s: refused %v, want %v (%v)", c.name, got, c.refused, problems.Messages(p.Err()))
		}
	}
}
