package stack_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/acme/platform/change"
	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/stack"
)

const tVPCE = "aws:ec2/vpcEndpoint:VpcEndpoint"

// endpointValues is the seed in stage expand with interface endpoints, the
// old instances still in the file, a batch job with (or without) internet
// egress, and platform:migration.privateDnsOff as given (nil: none).
func endpointValues(t *testing.T, stage string, off []string, egress bool, old bool) map[string]string {
	t.Helper()
	m := map[string]any{"stage": stage, "importOnly": nil}
	if old {
		m["workloads"] = map[string]any{"web-old": seedOldWorkloads["web-old"]}
	}
	if off != nil {
		m["privateDnsOff"] = off
	}
	v := migrationValues(m)
	v["platform:network"] = strings.Replace(v["platform:network"], `"flowLogs":{"enabled":false},`, "", 1)
	v["platform:network"] = strings.Replace(v["platform:network"], `"nat":"perAz",`, `"nat":"perAz","endpoints":["ssm","ssmmessages","ec2messages","sts","ecr.api","ecr.dkr","logs"],`, 1)
	v["platform:network"] = strings.Replace(v["platform:network"], `"enableDnsHostnames":false`, `"enableDnsHostnames":true`, 1)
	jobs := map[string]any{"kind": "batch", "image": "111122223333.dkr.ecr.eu-west-1.amazonaws.com/jobs:1", "vcpu": 1, "memory": 2048, "maxVcpus": 4, "internetEgress": egress}
	b, _ := json.Marshal(map[string]any{"jobs": jobs})
	v["platform:workloads"] = string(b)
	return v
}

// While old workloads still call AWS's public endpoints, the listed
// interface endpoints come up without private DNS (the others with it), the
// plan says which and why, and the stage that turns it on updates the
// endpoint in place.
func TestMigration_EndpointsComeUpWithoutPrivateDNSBesideOldWorkloads(t *testing.T) {
	off := runValues(t, "expand", endpointValues(t, "expand", []string{"sts"}, true, true))
	for svc, want := range map[string]bool{"sts": false, "ssm": true, "ec2messages": true} {
		ep := mustNamed(t, off.Graph, tVPCE, "prod-vpce-"+svc)
		if ep.Inputs["privateDnsEnabled"] != want {
			t.Errorf("%s: privateDnsEnabled %v, want %v", svc, ep.Inputs["privateDnsEnabled"], want)
		}
	}
	notes := strings.Join(off.Platform.Notes(), "\n")
	for _, want := range []string{"interface endpoints without private DNS in stage expand: sts", "(web-old)", "through NAT"} {
		if !strings.Contains(notes, want) {
			t.Errorf("the plan's notes lack %q:\n%s", want, notes)
		}
	}
	on := runValues(t, "expand", endpointValues(t, "expand", nil, true, true))
	r := change.Diff(off.Graph, on.Graph)
	e, ok := r.Get(mustNamed(t, on.Graph, tVPCE, "prod-vpce-sts").URN)
	if !ok || e.Kind != change.Updated || strings.Join(e.Props, ",") != "privateDnsEnabled" {
		t.Errorf("turning private DNS on: %+v, want an in-place update of privateDnsEnabled\n%s", e, r.Text())
	}
	all := runValues(t, "expand", endpointValues(t, "expand", []string{"*"}, true, true))
	for _, ep := range all.Graph.OfType(tVPCE) {
		if ep.Inputs["vpcEndpointType"] == "Interface" && ep.Inputs["privateDnsEnabled"] != false {
			t.Errorf(`"*": %s keeps private DNS`, ep.Name)
		}
	}
}

// Every wrong use is refused at its key, naming the stage where it matters.
func TestMigration_PrivateDNSOffIsRefusedWhereItWouldBreakSomething(t *testing.T) {
	key := "platform:migration.privateDnsOff"
	wantProblem(t, problemsOf(t, endpointValues(t, "expand", []string{"kms"}, true, true)), key+"[0]", `"kms" is not one of platform:network.endpoints`)
	wantProblem(t, problemsOf(t, endpointValues(t, "expand", []string{"*", "sts"}, true, true)), key+"[0]", `"*" is every endpoint`)
	wantProblem(t, problemsOf(t, endpointValues(t, "expand", []string{"sts", "sts"}, true, true)), key+"[1]", "listed twice")
	wantProblem(t, problemsOf(t, endpointValues(t, "expand", []string{"sts"}, true, false)), key, "stage expand has no old workload")
	wantProblem(t, problemsOf(t, endpointValues(t, "contract", []string{"sts"}, true, false)), key, "this is the contract stage (contract)")
	// The stack's own workloads reach the services whose endpoint has no
	// private DNS at their public addresses: through NAT.
	wantProblem(t, problemsOf(t, endpointValues(t, "expand", []string{"sts"}, false, true)), "platform:workloads.jobs.internetEgress", "stage expand keeps private DNS off for the endpoints sts")
	if _, err := stack.Parse("test", endpointValues(t, "expand", nil, false, true)); err != nil {
		t.Errorf("private DNS on, no egress: %v", err)
	}
}

// A bridge names an imported old group: one the snapshot has but the stack
// does not import is told to import it, one the snapshot lacks does not
// exist; each at the bridge's key.
func TestMigration_ABridgeToAGroupNotImportedOrNotInTheSnapshotIsRefused(t *testing.T) {
	at := func(group string) map[string]string {
		v := migrationValues(map[string]any{"importOnly": nil, "stage": "expand",
			"groups": map[string]any{seedOldWeb: map[string]any{}}})
		v["platform:network"] = strings.Replace(v["platform:network"], `"flowLogs":{"enabled":false},`, "", 1)
		v["platform:workloads"] = `{"jobs":{"kind":"batch","image":"111122223333.dkr.ecr.eu-west-1.amazonaws.com/jobs:1","vcpu":1,"memory":2048,"maxVcpus":4,"internetEgress":true}}`
		v["platform:security"] = `{"allow":{"` + group + `":[{"from":["jobs"],"port":"5432","until":"data-groups"}]}}`
		return v
	}
	design := func(v map[string]string) []string {
		t.Helper()
		_, err := offline.Run(&stack.File{Path: "expand", Stack: "test", Values: v})
		if err == nil {
			t.Fatal("accepted")
		}
		return problems.Messages(err)
	}
	wantProblem(t, design(at(seedOldDB)), "platform:security.allow."+seedOldDB, "(prod-aurora-sg) is in the migration's snapshot but not imported")
	wantProblem(t, design(at("sg-0123456789abcdef0")), "platform:security.allow.sg-0123456789abcdef0", "is not in the migration's snapshot")
	if _, err := offline.Run(&stack.File{Path: "expand", Stack: "test", Values: at(seedOldWeb)}); err != nil {
		t.Errorf("a bridge to an imported group is refused: %v", err)
	}
}
