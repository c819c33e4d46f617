package compute

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

const (
	tSchedule     = "aws:scheduler/schedule:Schedule"
	tQueueRes     = "aws:sqs/queue:Queue"
	tQueuePolicy  = "aws:sqs/queuePolicy:QueuePolicy"
	tESM          = "aws:lambda/eventSourceMapping:EventSourceMapping"
	tPermission   = "aws:lambda/permission:Permission"
	tNotification = "aws:s3/bucketNotification:BucketNotification"
)

func TestScheduleExpressions(t *testing.T) {
	for _, ok := range []string{
		"cron(0 2 * * ? *)", "cron(0/15 * ? * MON-FRI *)", "cron(30 8 1,15 * ? 2030)", "cron(0 12 L * ? *)",
		"cron(0 9 ? * 2#1 *)", "cron(0 9 ? JAN-MAR 6L *)", "cron(5 0 15W * ? *)", "cron(*/5 * * * ? *)",
		"rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "rate(12 hours)", "rate(1 day)", "rate(7 days)",
		"at(2030-01-01T09:00:00)",
	} {
		if msg := ValidateExpression(ok); msg != "" {
			t.Errorf("%s: %s", ok, msg)
		}
	}
	for bad, want := range map[string]string{
		"cron(0 2 * * *)":         "has 5 fields; Scheduler's cron has 6",
		"cron(0 2 * * * *)":       "one of day-of-month and day-of-week must be ?",
		"cron(0 2 ? * ? *)":       "only one of day-of-month and day-of-week may be ?",
		"cron(60 2 * * ? *)":      `"60" is not a valid minutes field (0-59)`,
		"cron(0 24 * * ? *)":      `"24" is not a valid hours field (0-23)`,
		"cron(0 2 0 * ? *)":       `"0" is not a valid day-of-month field (1-31)`,
		"cron(0 2 * 13 ? *)":      `"13" is not a valid month field`,
		"cron(0 2 ? * 8 *)":       `"8" is not a valid day-of-week field`,
		"cron(0 2 * * ? 1969)":    `"1969" is not a valid year field (1970-2199)`,
		"cron(? 2 * * ? *)":       "? is only allowed in day-of-month or day-of-week, not minutes",
		"cron(5-1 2 * * ? *)":     `"5-1" is not a valid minutes field`,
		"cron(0/0 2 * * ? *)":     `"0/0" is not a valid minutes field`,
		"cron(0 2 ? * MON#6 *)":   `"MON#6" is not a valid day-of-week field`,
		"rate(1 minutes)":         "with a value of 1 the unit is singular",
		"rate(5 minute)":          "with a value above 1 the unit is plural",
		"rate(0 hours)":           "the rate must be a whole number of at least 1",
		"rate(2 weeks)":           "the unit must be minute(s), hour(s) or day(s)",
		"rate(hourly)":            "is not a rate expression",
		"at(2030-02-30T09:00:00)": "is not a date and time",
		"at(tomorrow)":            "is not a one-time expression",
		"0 2 * * *":               "is not a schedule expression",
		"cron(0 2 * * ? *) UTC":   "is not a cron expression",
	} {
		if msg := ValidateExpression(bad); !strings.Contains(msg, want) {
			t.Errorf("%s: %q, want %q", bad, msg, want)
		}
	}
}

// Whatever the fields, a cron expression is either accepted or refused with
// a message naming the expression; it never panics.
func TestScheduleExpressions_AnyCronIsJudged(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		field := rapid.StringMatching(`[0-9A-Z*?/,#LW-]{1,8}`)
		var fs []string
		for i := 0; i < rapid.IntRange(0, 8).Draw(t, "n"); i++ {
			fs = append(fs, field.Draw(t, "field"))
		}
		expr := "cron(" + strings.Join(fs, " ") + ")"
		if msg := ValidateExpression(expr); msg != "" && !strings.Contains(msg, expr) {
			t.Fatalf("%s: message %q does not name it", expr, msg)
		}
	})
}

const scheduleDoc = `{
  "nightly": {"kind": "batch", "image": "example/jobs:1", "command": ["run"],
              "schedule": {"expression": "cron(0 2 * * ? *)", "timezone": "Europe/Berlin", "retryAttempts": 5, "maxEventAgeSeconds": 7200, "flexibleWindowMinutes": 15}},
  "fn": {"kind": "lambda", "runtime": "python3.13", "handler": "a.h", "code": {"s3Bucket": "b", "s3Key": "k.zip"},
         "schedule": {"expression": "rate(1 hour)"},
         "triggers": {"uploads": {"s3": {"bucket": "acme-uploads", "prefix": "in/", "suffix": ".jpg"}},
                      "exports": {"s3": {"bucket": "acme-uploads", "prefix": "exports/"}},
                      "jobs": {"sqs": {"queueArn": "arn:aws:sqs:us-east-1:123456789012:jobs", "batchSize": 100, "maxBatchingWindowSeconds": 5,
                               "kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-aaaa-bbbb-cccc-123456789012"}}}},
  "pc": {"kind": "lambda", "runtime": "python3.13", "handler": "a.h", "code": {"s3Bucket": "b", "s3Key": "k.zip"},
         "scaling": {"provisionedConcurrency": 2}, "schedule": {"expression": "rate(5 minutes)"}}
}`

func TestSchedule_ConfigErrorsNameTheKey(t *testing.T) {
	lambdaWith := func(extra string) string {
		return `{"f": {"kind": "lambda", "runtime": "python3.13", "handler": "a.h", "code": {"s3Bucket": "b", "s3Key": "k.zip"}, ` + extra + `}}`
	}
	batchWith := func(schedule string) string {
		return `{"j": {"kind": "batch", "image": "example/j:1", "schedule": ` + schedule + `}}`
	}
	v := devCtx
	v.Region = "us-east-1"
	for _, tc := range []struct{ name, doc, want string }{
		{"bad expression", batchWith(`{"expression": "cron(0 2 * * *)"}`), `platform:workloads.j.schedule.expression: "cron(0 2 * * *)" has 5 fields`},
		{"no expression", batchWith(`{}`), "platform:workloads.j.schedule.expression: required"},
		{"bad time zone", batchWith(`{"expression": "rate(1 day)", "timezone": "Mars/Olympus"}`), `platform:workloads.j.schedule.timezone: "Mars/Olympus" is not an IANA time zone`},
		{"retries above 185", batchWith(`{"expression": "rate(1 day)", "retryAttempts": 186}`), "platform:workloads.j.schedule.retryAttempts: must be between 0 and 185"},
		{"negative retries", batchWith(`{"expression": "rate(1 day)", "retryAttempts": -1}`), "platform:workloads.j.schedule.retryAttempts: must be between 0 and 185"},
		{"event age below 60", batchWith(`{"expression": "rate(1 day)", "maxEventAgeSeconds": 59}`), "platform:workloads.j.schedule.maxEventAgeSeconds: must be between 60 and 86400"},
		{"event age above a day", batchWith(`{"expression": "rate(1 day)", "maxEventAgeSeconds": 86401}`), "platform:workloads.j.schedule.maxEventAgeSeconds: must be between 60 and 86400"},
		{"window above a day", batchWith(`{"expression": "rate(1 day)", "flexibleWindowMinutes": 1441}`), "platform:workloads.j.schedule.flexibleWindowMinutes: must be between 0 (on time) and 1440"},
		{"both trigger kinds", lambdaWith(`"triggers": {"t": {"sqs": {"queueArn": "arn:aws:sqs:us-east-1:123456789012:q"}, "s3": {"bucket": "bkt"}}}`), "platform:workloads.f.triggers.t: set exactly one of sqs or s3"},
		{"queue ARN", lambdaWith(`"triggers": {"t": {"sqs": {"queueArn": "arn:aws:sns:us-east-1:123456789012:q"}}}`), "platform:workloads.f.triggers.t.sqs.queueArn:"},
		{"queue in another region", lambdaWith(`"triggers": {"t": {"sqs": {"queueArn": "arn:aws:sqs:eu-west-1:123456789012:q"}}}`), "platform:workloads.f.triggers.t.sqs.queueArn: the queue is in eu-west-1 and the stack in us-east-1"},
		{"batch above 10 without a window", lambdaWith(`"triggers": {"t": {"sqs": {"queueArn": "arn:aws:sqs:us-east-1:123456789012:q", "batchSize": 11}}}`), "platform:workloads.f.triggers.t.sqs.maxBatchingWindowSeconds: a batchSize above 10 needs"},
		{"batch above 10000", lambdaWith(`"triggers": {"t": {"sqs": {"queueArn": "arn:aws:sqs:us-east-1:123456789012:q", "batchSize": 10001, "maxBatchingWindowSeconds": 1}}}`), "platform:workloads.f.triggers.t.sqs.batchSize: must be between 1 and 10000"},
		{"FIFO queue batch above 10", lambdaWith(`"triggers": {"t": {"sqs": {"queueArn": "arn:aws:sqs:us-east-1:123456789012:q.fifo", "batchSize": 11}}}`), "platform:workloads.f.triggers.t.sqs.batchSize: must be between 1 and 10 for a FIFO queue"},
		{"FIFO queue with a batching window", lambdaWith(`"triggers": {"t": {"sqs": {"queueArn": "arn:aws:sqs:us-east-1:123456789012:q.fifo", "maxBatchingWindowSeconds": 5}}}`), "platform:workloads.f.triggers.t.sqs.maxBatchingWindowSeconds: Lambda has no batching window for a FIFO queue"},
		{"bucket ARN instead of name", lambdaWith(`"triggers": {"t": {"s3": {"bucket": "arn:aws:s3:::bkt"}}}`), `platform:workloads.f.triggers.t.s3.bucket: "arn:aws:s3:::bkt" is not a bucket name`},
		{"bad event", lambdaWith(`"triggers": {"t": {"s3": {"bucket": "bkt", "events": ["ObjectCreated"]}}}`), `platform:workloads.f.triggers.t.s3.events[0]: "ObjectCreated" is not an S3 event type`},
		{"overlapping prefixes", lambdaWith(`"triggers": {"a": {"s3": {"bucket": "bkt", "prefix": "in/"}}, "b": {"s3": {"bucket": "bkt", "prefix": "in/x/"}}}`), "platform:workloads.f.triggers.b.s3.prefix: overlaps trigger a on bucket bkt"},
		{"bad trigger name", lambdaWith(`"triggers": {"Up": {"s3": {"bucket": "bkt"}}}`), `platform:workloads.f.triggers.Up: trigger name "Up" is not valid`},
		{"two functions on one bucket", `{"f": {"kind": "lambda", "runtime": "python3.13", "handler": "a.h", "code": {"s3Bucket": "b", "s3Key": "k.zip"}, "triggers": {"t": {"s3": {"bucket": "bkt", "prefix": "a/"}}}},
		  "g": {"kind": "lambda", "runtime": "python3.13", "handler": "a.h", "code": {"s3Bucket": "b", "s3Key": "k.zip"}, "triggers": {"t": {"s3": {"bucket": "bkt", "prefix": "b/"}}}}}`,
			"platform:workloads.g.triggers.t.s3.bucket: bucket bkt already triggers f"},
		{"a schedule on an ecs service", `{"s": {"kind": "ecs", "image": "example/s:1", "schedule": {"expression": "rate(1 day)"}}}`, "platform:workloads.s.schedule: unknown key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, msgs := decodeJSON(t, tc.doc, v)
			for _, m := range msgs {
				if strings.HasPrefix(m, tc.want) {
					return
				}
			}
			t.Errorf("want %q among\n%s", tc.want, strings.Join(msgs, "\n"))
		})
	}
	// Boundaries are accepted.
	mustConfig(t, batchWith(`{"expression": "rate(1 day)", "retryAttempts": 0, "maxEventAgeSeconds": 60, "flexibleWindowMinutes": 1440}`), v)
	mustConfig(t, batchWith(`{"expression": "rate(1 day)", "retryAttempts": 185, "maxEventAgeSeconds": 86400, "timezone": "America/New_York"}`), v)
	mustConfig(t, lambdaWith(`"triggers": {"a": {"s3": {"bucket": "bkt", "prefix": "in/"}}, "b": {"s3": {"bucket": "bkt", "prefix": "out/"}}}`), v)
	mustConfig(t, lambdaWith(`"triggers": {"t": {"sqs": {"queueArn": "arn:aws:sqs:us-east-1:123456789012:q.fifo", "batchSize": 10}}}`), v)
}

// policyActions maps each action of a policy document to its resources.
func policyActions(t *testing.T, doc any) map[string][]string {
	out := map[string][]string{}
	for _, st := range at(doc, "Statement").([]any) {
		var res []string
		switch r := at(st, "Resource").(type) {
		case string:
			res = []string{r}
		case []any:
			res = strs(r)
		}
		acts := at(st, "Action")
		if a, ok := acts.(string); ok {
			acts = []any{a}
		}
		for _, a := range strs(acts) {
			out[a] = append(out[a], res...)
			sort.Strings(out[a])
		}
	}
	return out
}

func TestSchedule_BatchRoleMaySubmitExactlyItsJobToItsQueue(t *testing.T) {
	g := buildPlatform(t, scheduleDoc, devCtx)
	s := named(t, g, tSchedule, "p-nightly")
	queue := named(t, g, tQueue, "p-nightly")
	def := named(t, g, tJobDef, "p-nightly")
	equal(t, "name", s.Inputs["name"], "p-nightly")
	equal(t, "group", s.Inputs["groupName"], "default")
	equal(t, "expression", s.Inputs["scheduleExpression"], "cron(0 2 * * ? *)")
	equal(t, "time zone", s.Inputs["scheduleExpressionTimezone"], "Europe/Berlin")
	equal(t, "window", s.Inputs["flexibleTimeWindow"], map[string]any{"mode": "FLEXIBLE", "maximumWindowInMinutes": 15.0})
	equal(t, "target", at(s.Inputs, "target", "arn"), "arn:aws:scheduler:::aws-sdk:batch:submitJob")
	equal(t, "retries", at(s.Inputs, "target", "retryPolicy"), map[string]any{"maximumRetryAttempts": 5.0, "maximumEventAgeInSeconds": 7200.0})
	input := jsonIn(t, at(s.Inputs, "target", "input"))
	equal(t, "input", input, map[string]any{"JobName": "p-nightly-scheduled", "JobQueue": queue.Outputs["arn"], "JobDefinition": def.Outputs["arn"]})
	dlq := named(t, g, tQueueRes, "p-nightly-schedule-dlq")
	equal(t, "dlq", at(s.Inputs, "target", "deadLetterConfig", "arn"), dlq.Outputs["arn"])
	equal(t, "dlq encrypted", dlq.Inputs["sqsManagedSseEnabled"], true)
	equal(t, "dlq is standard", dlq.Inputs["fifoQueue"], nil)

	role := named(t, g, tRole, "p-nightly-schedule")
	equal(t, "role", at(s.Inputs, "target", "roleArn"), role.Outputs["arn"])
	trust := jsonIn(t, role.Inputs["assumeRolePolicy"])
	equal(t, "trust", at(trust, "Statement", 0, "Principal", "Service"), "scheduler.amazonaws.com")
	equal(t, "trust account", at(trust, "Statement", 0, "Condition", "StringEquals", "aws:SourceAccount"), testEnv.AccountID)
	docs := inlinePolicies(t, g, role)
	if len(docs) != 1 {
		t.Fatalf("%d inline policies on the schedule role", len(docs))
	}
	want := map[string][]string{
		"batch:SubmitJob": {def.Outputs["arn"].(string), queue.Outputs["arn"].(string)},
		"sqs:SendMessage": {dlq.Outputs["arn"].(string)},
	}
	sort.Strings(want["batch:SubmitJob"])
	equal(t, "the role starts exactly its target", policyActions(t, docs[0]), want)
	if managed := managedPolicies(g, role); len(managed) != 0 {
		t.Errorf("managed policies on the schedule role: %v", managed)
	}
	qp := named(t, g, tQueuePolicy, "p-nightly-schedule-dlq")
	doc := jsonIn(t, qp.Inputs["policy"])
	equal(t, "queue policy lets the role send", at(doc, "Statement", 0, "Principal", "AWS"), role.Outputs["arn"])
	equal(t, "queue policy denies plain HTTP", at(doc, "Statement", 1, "Condition", "Bool", "aws:SecureTransport"), "false")
	for _, d := range []string{"p-nightly-schedule"} {
		if !dependsOn(g, s, tRolePolicy, d) {
			t.Errorf("the schedule does not wait for %s", d)
		}
	}
}

func TestSchedule_LambdaRoleMayInvokeExactlyItsFunctionOrAlias(t *testing.T) {
	g := buildPlatform(t, scheduleDoc, devCtx)
	for name, target := range map[string]func() string{
		"fn": func() string { return named(t, g, tFunction, "p-fn").Outputs["arn"].(string) },
		"pc": func() string { return named(t, g, tAlias, "p-pc-live").Outputs["arn"].(string) },
	} {
		s := named(t, g, tSchedule, "p-"+name)
		equal(t, name+" target", at(s.Inputs, "target", "arn"), target())
		role := named(t, g, tRole, "p-"+name+"-schedule")
		acts := policyActions(t, inlinePolicies(t, g, role)[0])
		equal(t, name+" invoke", acts["lambda:InvokeFunction"], []string{target()})
		equal(t, name+" actions", len(acts), 2)
	}
}

func TestTriggers_SQSAndS3WithExactlyThePermissionsTheyNeed(t *testing.T) {
	g := buildPlatform(t, scheduleDoc, devCtx)
	fn := named(t, g, tFunction, "p-fn")
	esm := named(t, g, tESM, "p-fn-jobs")
	equal(t, "queue", esm.Inputs["eventSourceArn"], "arn:aws:sqs:us-east-1:123456789012:jobs")
	equal(t, "function", esm.Inputs["functionName"], fn.Outputs["arn"])
	equal(t, "batch", esm.Inputs["batchSize"], 100.0)
	equal(t, "window", esm.Inputs["maximumBatchingWindowInSeconds"], 5.0)
	role := named(t, g, tRole, "p-fn-role")
	grants := map[string]map[string][]string{}
	for _, p := range g.OfType(tRolePolicy) {
		if p.Inputs["role"] == role.Outputs["name"] {
			grants[p.Name] = policyActions(t, jsonIn(t, p.Inputs["policy"]))
		}
	}
	equal(t, "queue grant", grants["p-fn-role-trigger-jobs"], map[string][]string{
		"sqs:ReceiveMessage":     {"arn:aws:sqs:us-east-1:123456789012:jobs"},
		"sqs:DeleteMessage":      {"arn:aws:sqs:us-east-1:123456789012:jobs"},
		"sqs:GetQueueAttributes": {"arn:aws:sqs:us-east-1:123456789012:jobs"},
		"kms:Decrypt":            {"arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-aaaa-bbbb-cccc-123456789012"},
	})
	equal(t, "s3 grant", grants["p-fn-role-trigger-uploads"], map[string][]string{"s3:GetObject": {"arn:aws:s3:::acme-uploads/in/*"}})
	// The function waits for its grants, so the first poll has them.
	if !dependsOn(g, fn, tRolePolicy, "p-fn-role-trigger-jobs") {
		t.Error("the function does not wait for the queue grant")
	}

	perm := named(t, g, tPermission, "p-fn-uploads")
	equal(t, "principal", perm.Inputs["principal"], "s3.amazonaws.com")
	equal(t, "source", perm.Inputs["sourceArn"], "arn:aws:s3:::acme-uploads")
	equal(t, "source account", perm.Inputs["sourceAccount"], testEnv.AccountID)
	equal(t, "action", perm.Inputs["action"], "lambda:InvokeFunction")
	nts := g.OfType(tNotification)
	if len(nts) != 1 {
		t.Fatalf("%d bucket notifications; S3 keeps one per bucket", len(nts))
	}
	nt := nts[0]
	equal(t, "bucket", nt.Inputs["bucket"], "acme-uploads")
	var got []string
	for _, f := range nt.Inputs["lambdaFunctions"].([]any) {
		b, _ := json.Marshal(f)
		got = append(got, string(b))
	}
	sort.Strings(got)
	want := []string{
		`{"events":["s3:ObjectCreated:*"],"filterPrefix":"exports/","id":"p-fn-exports","lambdaFunctionArn":"` + fn.Outputs["arn"].(string) + `"}`,
		`{"events":["s3:ObjectCreated:*"],"filterPrefix":"in/","filterSuffix":".jpg","id":"p-fn-uploads","lambdaFunctionArn":"` + fn.Outputs["arn"].(string) + `"}`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("notification functions\n got %v\nwant %v", got, want)
	}
	for _, p := range []string{"p-fn-uploads", "p-fn-exports"} {
		if !dependsOn(g, nt, tPermission, p) {
			t.Errorf("the notification does not wait for %s", p)
		}
	}
}

func TestNeverInvoked_ListsLambdaAndBatchNothingStarts(t *testing.T) {
	c := mustConfig(t, platformDoc, prodCtx)
	equal(t, "never invoked", c.NeverInvoked(), []string{"report", "thumbs"})
	equal(t, "unrouted", c.Unrouted(), []string(nil))
	s := mustConfig(t, scheduleDoc, devCtx)
	equal(t, "scheduled and triggered", s.NeverInvoked(), []string(nil))
}
