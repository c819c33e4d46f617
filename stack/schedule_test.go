package stack_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/acme/platform/internal/sim"
)

// statementsOf maps each action of a JSON policy to its resources, sorted.
func statementsOf(t *testing.T, policy string) map[string][]string {
	t.Helper()
	var doc struct{ Statement []map[string]any }
	if err := json.Unmarshal([]byte(policy), &doc); err != nil {
		t.Fatalf("policy is not JSON: %v", err)
	}
	out := map[string][]string{}
	for _, st := range doc.Statement {
		if st["Effect"] != "Allow" {
			continue
		}
		res := strList(st["Resource"])
		if s, ok := st["Resource"].(string); ok {
			res = []string{s}
		}
		acts := strList(st["Action"])
		if s, ok := st["Action"].(string); ok {
			acts = []string{s}
		}
		for _, a := range acts {
			out[a] = append(out[a], res...)
			sort.Strings(out[a])
		}
	}
	return out
}

func TestSchedules_EachRoleMayStartExactlyItsOwnTarget(t *testing.T) {
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			g := run(t, s.name).Graph
			raw := rawWorkloads(t, s.name)
			scheduled := 0
			for name, w := range raw {
				if w["schedule"] == nil {
					continue
				}
				scheduled++
				sched := mustNamed(t, g, "aws:scheduler/schedule:Schedule", s.name+"-"+name)
				expr := w["schedule"].(map[string]any)["expression"]
				if sched.Inputs["scheduleExpression"] != expr {
					t.Errorf("%s: expression %v, want %v", name, sched.Inputs["scheduleExpression"], expr)
				}
				target := sched.Inputs["target"].(map[string]any)
				var role sim.Resource
				for _, r := range g.OfType("aws:iam/role:Role") {
					if r.Outputs["arn"] == target["roleArn"] {
						role = r
					}
				}
				if role.URN == "" || !strings.Contains(str(role, "assumeRolePolicy"), `"scheduler.amazonaws.com"`) {
					t.Fatalf("%s: the schedule's role %v is not Scheduler's", name, target["roleArn"])
				}
				dlq := fmt.Sprint(lookup(target, "deadLetterConfig", "arn"))
				var want map[string][]string
				switch w["kind"] {
				case "batch":
					queue := mustNamed(t, g, "aws:batch/jobQueue:JobQueue", s.name+"-"+name)
					def := mustNamed(t, g, "aws:batch/jobDefinition:JobDefinition", s.name+"-"+name)
					var input map[string]any
					if err := json.Unmarshal([]byte(fmt.Sprint(target["input"])), &input); err != nil {
						t.Fatal(err)
					}
					if input["JobQueue"] != queue.Outputs["arn"] || input["JobDefinition"] != def.Outputs["arn"] {
						t.Errorf("%s: the schedule submits %v to %v, not its own job", name, input["JobDefinition"], input["JobQueue"])
					}
					submit := []string{fmt.Sprint(queue.Outputs["arn"]), fmt.Sprint(def.Outputs["arn"])}
					sort.Strings(submit)
					want = map[string][]string{"batch:SubmitJob": submit, "sqs:SendMessage": {dlq}}
				case "lambda":
					fn := mustNamed(t, g, "aws:lambda/function:Function", s.name+"-"+name)
					if !strings.HasPrefix(fmt.Sprint(target["arn"]), fmt.Sprint(fn.Outputs["arn"])) {
						t.Errorf("%s: the schedule invokes %v, not its own function", name, target["arn"])
					}
					want = map[string][]string{"lambda:InvokeFunction": {fmt.Sprint(target["arn"])}, "sqs:SendMessage": {dlq}}
				}
				var policies []string
				for _, p := range g.OfType("aws:iam/rolePolicy:RolePolicy") {
					if p.Inputs["role"] == role.Outputs["name"] {
						policies = append(policies, str(p, "policy"))
					}
				}
				if len(policies) != 1 {
					t.Fatalf("%s: %d policies on the schedule role", name, len(policies))
				}
				if got := statementsOf(t, policies[0]); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s: the schedule role may\n %v\nwant exactly\n %v", name, got, want)
				}
				for _, a := range g.OfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
					if a.Inputs["role"] == role.Outputs["name"] {
						t.Errorf("%s: managed policy %v on the schedule role", name, a.Inputs["policyArn"])
					}
				}
				queue := mustNamed(t, g, "aws:sqs/queue:Queue", s.name+"-"+name+"-schedule-dlq")
				if queue.Outputs["arn"] != dlq || queue.Inputs["sqsManagedSseEnabled"] != true {
					t.Errorf("%s: dead-letter queue %v, encrypted %v", name, dlq, queue.Inputs["sqsManagedSseEnabled"])
				}
				retry := lookup(target, "retryPolicy", "maximumRetryAttempts")
				if n, ok := retry.(float64); !ok || n < 0 || n > 185 {
					t.Errorf("%s: retry attempts %v", name, retry)
				}
			}
			if scheduled == 0 {
				t.Fatal("the stack schedules nothing; the nightly job would never run")
			}
		})
	}
}

func TestPlan_EveryLambdaAndBatchWorkloadIsInvoked(t *testing.T) {
	for _, s := range stacks {
		res := run(t, s.name)
		if never := res.Platform.Design.Config.Workloads.NeverInvoked(); len(never) > 0 {
			t.Errorf("%s: %v are never invoked", s.name, never)
		}
		if !slices.ContainsFunc(res.Graph.OfType("aws:s3/bucketNotification:BucketNotification"), func(r sim.Resource) bool {
			return strings.HasPrefix(str(r, "bucket"), "acme-uploads")
		}) {
			t.Errorf("%s: thumbnails has no upload trigger", s.name)
		}
	}
}
