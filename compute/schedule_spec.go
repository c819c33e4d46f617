// The `schedule` block of a batch or lambda workload, and a lambda's
// `triggers`: what starts code that no load balancer calls.

package compute

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	// Time zones are checked against the IANA database compiled into the
	// program, so validation does not depend on the machine's zoneinfo.
	_ "time/tzdata"

	"github.com/acme/platform/internal/problems"
)

// Schedule defaults and AWS's limits, named so that the docs and the code agree.
const (
	DefaultScheduleTimezone      = "UTC"
	DefaultScheduleRetryAttempts = 3
	DefaultScheduleEventAge      = 3600
	MaxScheduleRetryAttempts     = 185
	MinScheduleEventAge          = 60
	MaxScheduleEventAge          = 86400
	MaxFlexibleWindowMinutes     = 1440
	// MaxScheduleNameLen is EventBridge Scheduler's limit; names are unique
	// within a schedule group.
	MaxScheduleNameLen = 64
)

// ScheduleSpec is a workload's `schedule`: an EventBridge Scheduler schedule
// that submits the batch job or invokes the function.
type ScheduleSpec struct {
	// Expression is cron(minutes hours day-of-month month day-of-week year),
	// rate(<n> minute|minutes|hour|hours|day|days) or at(yyyy-mm-ddThh:mm:ss).
	// Required.
	Expression string `json:"expression"`
	// Timezone is the IANA zone the expression is read in, e.g.
	// America/New_York; default UTC. Scheduler moves with daylight saving time.
	Timezone string `json:"timezone,omitempty"`
	// FlexibleWindowMinutes lets Scheduler start up to this many minutes late
	// to spread load: 0 (exactly on time, the default) to 1440.
	FlexibleWindowMinutes int `json:"flexibleWindowMinutes,omitempty"`
	// RetryAttempts and MaxEventAgeSeconds bound how long Scheduler retries a
	// start that fails (0 to 185 attempts, default 3; 60 to 86400 s, default
	// 3600); what is still failing then goes to the schedule's dead-letter queue.
	RetryAttempts      *int `json:"retryAttempts,omitempty"`
	MaxEventAgeSeconds int  `json:"maxEventAgeSeconds,omitempty"`
	// Enabled defaults to true; false keeps the schedule but pauses it.
	Enabled *bool `json:"enabled,omitempty"`
}

// Retries is the schedule's retry attempts, default applied.
func (s ScheduleSpec) Retries() int { return orDefault(s.RetryAttempts, DefaultScheduleRetryAttempts) }

// EventAge is the schedule's maximum event age in seconds, default applied.
func (s ScheduleSpec) EventAge() int { return orInt(s.MaxEventAgeSeconds, DefaultScheduleEventAge) }

// Zone is the schedule's time zone, default applied.
func (s ScheduleSpec) Zone() string {
	if s.Timezone == "" {
		return DefaultScheduleTimezone
	}
	return s.Timezone
}

// On reports whether the schedule runs (it exists either way).
func (s ScheduleSpec) On() bool { return s.Enabled == nil || *s.Enabled }

// TriggerSpec is one thing that invokes a lambda: exactly one of SQS or S3.
type TriggerSpec struct {
	SQS *SQSTrigger `json:"sqs,omitempty"`
	S3  *S3Trigger  `json:"s3,omitempty"`
}

// SQSTrigger polls an existing queue (an event source mapping): the function
// gets batches of messages and Lambda deletes them when it returns.
type SQSTrigger struct {
	// QueueARN is the queue, in the stack's region. Required.
	QueueARN string `json:"queueArn"`
	// BatchSize is the most messages per invocation: 1 to 10000 (a FIFO
	// queue: 1 to 10), default 10.
	BatchSize int `json:"batchSize,omitempty"`
	// MaxBatchingWindowSeconds waits up to this long to fill a batch: 0 to
	// 300; required (at least 1) with a batchSize above 10; none for a FIFO
	// queue.
	MaxBatchingWindowSeconds int `json:"maxBatchingWindowSeconds,omitempty"`
	// KMSKeyARN is the customer managed key the queue is encrypted with, if
	// any: the function then needs kms:Decrypt on it to read the messages.
	KMSKeyARN string `json:"kmsKeyArn,omitempty"`
}

// S3Trigger invokes the function for objects created under a prefix of an
// existing bucket. S3 keeps one notification configuration per bucket, and
// the stack takes it over: every notification of the bucket must be declared
// here.
type S3Trigger struct {
	// Bucket is the bucket's name. Required.
	Bucket string `json:"bucket"`
	// Prefix and Suffix filter the object keys, e.g. uploads/ and .jpg.
	Prefix string `json:"prefix,omitempty"`
	Suffix string `json:"suffix,omitempty"`
	// Events are the S3 event types; default [s3:ObjectCreated:*].
	Events []string `json:"events,omitempty"`
}

// DefaultS3Events are what an S3 trigger fires on when it names none.
var DefaultS3Events = []string{"s3:ObjectCreated:*"}

// EventList is the trigger's events, default applied.
func (s S3Trigger) EventList() []string {
	if len(s.Events) == 0 {
		return DefaultS3Events
	}
	return s.Events
}

// DefaultSQSBatchSize is an SQS trigger's batch size when it names none.
const DefaultSQSBatchSize = 10

// Batch is the trigger's batch size, default applied.
func (s SQSTrigger) Batch() int { return orInt(s.BatchSize, DefaultSQSBatchSize) }

var (
	rateExpr = regexp.MustCompile(`^rate\(\s*([0-9]+)\s+([a-z]+)\s*\)$`)
	cronExpr = regexp.MustCompile(`^cron\((.*)\)$`)
	atExpr   = regexp.MustCompile(`^at\(([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})\)$`)
	sqsARN   = regexp.MustCompile(`^arn:aws[a-z-]*:sqs:([a-z0-9-]+):[0-9]{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$`)
	s3Event  = regexp.MustCompile(`^s3:(ObjectCreated|ObjectRemoved|ObjectRestore|ObjectTagging|ObjectAcl|Replication|LifecycleExpiration|LifecycleTransition|IntelligentTiering|ReducedRedundancyLostObject)(:[A-Za-z*]+)?$`)
)

// ValidateExpression checks a Scheduler expression and returns why it is
// not one ("" when it is).
func ValidateExpression(expr string) string {
	switch {
	case strings.HasPrefix(expr, "rate("):
		m := rateExpr.FindStringSubmatch(expr)
		if m == nil {
			return fmt.Sprintf("%q is not a rate expression; write rate(<n> <unit>), e.g. rate(15 minutes)", expr)
		}
		n, err := strconv.Atoi(m[1])
		unit := m[2]
		switch {
		case err != nil || n < 1:
			return fmt.Sprintf("%q: the rate must be a whole number of at least 1", expr)
		case unit != "minute" && unit != "minutes" && unit != "hour" && unit != "hours" && unit != "day" && unit != "days":
			return fmt.Sprintf("%q: the unit must be minute(s), hour(s) or day(s)", expr)
		case n == 1 && strings.HasSuffix(unit, "s"):
			return fmt.Sprintf("%q: with a value of 1 the unit is singular (rate(1 %s))", expr, strings.TrimSuffix(unit, "s"))
		case n > 1 && !strings.HasSuffix(unit, "s"):
			return fmt.Sprintf("%q: with a value above 1 the unit is plural (rate(%d %ss))", expr, n, unit)
		}
		return ""
	case strings.HasPrefix(expr, "cron("):
		m := cronExpr.FindStringSubmatch(expr)
		if m == nil {
			return fmt.Sprintf("%q is not a cron expression; write cron(minutes hours day-of-month month day-of-week year)", expr)
		}
		return validateCron(expr, strings.Fields(m[1]))
	case strings.HasPrefix(expr, "at("):
		m := atExpr.FindStringSubmatch(expr)
		if m == nil {
			return fmt.Sprintf("%q is not a one-time expression; write at(yyyy-mm-ddThh:mm:ss)", expr)
		}
		if _, err := time.Parse("2006-01-02T15:04:05", m[1]); err != nil {
			return fmt.Sprintf("%q: %s is not a date and time", expr, m[1])
		}
		return ""
	}
	return fmt.Sprintf("%q is not a schedule expression; use cron(0 2 * * ? *), rate(1 hour) or at(2030-01-01T09:00:00)", expr)
}

// cronField is what one cron field accepts.
type cronField struct {
	name     string
	min, max int
	names    []string // JAN..DEC or SUN..SAT, numbered from min
	special  string   // characters allowed beyond * , - /
}

var cronFields = []cronField{
	{name: "minutes", min: 0, max: 59},
	{name: "hours", min: 0, max: 23},
	{name: "day-of-month", min: 1, max: 31, special: "?LW"},
	{name: "month", min: 1, max: 12, names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
	{name: "day-of-week", min: 1, max: 7, names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}, special: "?L#"},
	{name: "year", min: 1970, max: 2199},
}

// validateCron checks the six fields of a cron expression.
func validateCron(expr string, fields []string) string {
	if len(fields) != len(cronFields) {
		return fmt.Sprintf("%q has %d fields; Scheduler's cron has 6: minutes hours day-of-month month day-of-week year, e.g. cron(0 2 * * ? *)", expr, len(fields))
	}
	for i, f := range fields {
		if msg := cronFields[i].check(f); msg != "" {
			return fmt.Sprintf("%q: %s", expr, msg)
		}
	}
	dom, dow := fields[2], fields[4]
	switch {
	case dom == "?" && dow == "?":
		return fmt.Sprintf("%q: only one of day-of-month and day-of-week may be ?", expr)
	case dom != "?" && dow != "?":
		return fmt.Sprintf("%q: one of day-of-month and day-of-week must be ? (cron(0 2 * * ? *) runs daily, cron(0 2 ? * MON *) on Mondays)", expr)
	}
	return ""
}

func (c cronField) value(s string) (int, bool) {
	for i, n := range c.names {
		if strings.EqualFold(s, n) {
			return c.min + i, true
		}
	}
	v, err := strconv.Atoi(s)
	return v, err == nil && v >= c.min && v <= c.max
}

func (c cronField) check(f string) string {
	bad := func() string {
		return fmt.Sprintf("%q is not a valid %s field (%d-%d%s)", f, c.name, c.min, c.max, map[bool]string{true: ", or " + strings.Join(c.names, ","), false: ""}[len(c.names) > 0])
	}
	if f == "?" {
		if !strings.Contains(c.special, "?") {
			return fmt.Sprintf("? is only allowed in day-of-month or day-of-week, not %s", c.name)
		}
		return ""
	}
	for _, item := range strings.Split(f, ",") {
		switch {
		case item == "*":
			continue
		case strings.Contains(c.special, "L") && (item == "L" || item == "LW" || strings.HasSuffix(item, "L") && c.name == "day-of-week"):
			if item == "L" || item == "LW" {
				continue
			}
			if _, ok := c.value(strings.TrimSuffix(item, "L")); ok {
				continue
			}
			return bad()
		case strings.Contains(c.special, "W") && strings.HasSuffix(item, "W"):
			if _, ok := c.value(strings.TrimSuffix(item, "W")); ok {
				continue
			}
			return bad()
		case strings.Contains(c.special, "#") && strings.Contains(item, "#"):
			day, nth, _ := strings.Cut(item, "#")
			n, err := strconv.Atoi(nth)
			if _, ok := c.value(day); !ok || err != nil || n < 1 || n > 5 {
				return bad()
			}
			continue
		}
		base, step, hasStep := strings.Cut(item, "/")
		if hasStep {
			n, err := strconv.Atoi(step)
			if err != nil || n < 1 {
				return bad()
			}
			if base == "*" {
				continue
			}
		}
		lo, hi, isRange := strings.Cut(base, "-")
		a, ok := c.value(lo)
		if !ok {
			return bad()
		}
		if isRange {
			b, ok := c.value(hi)
			if !ok || b < a {
				return bad()
			}
		}
	}
	return ""
}

// ScheduleName is the schedule's name in the default group: the workload's
// component name, which is unique per stack prefix.
func ScheduleName(component string) string { return component }

// validateSchedule checks a schedule at k+".schedule"; component is the
// workload's resource name (<prefix>-<workload>), which names the schedule.
func validateSchedule(k string, s *ScheduleSpec, p *problems.List) {
	if s == nil {
		return
	}
	sk := k + ".schedule"
	if s.Expression == "" {
		p.Add(sk+".expression", "required; e.g. cron(0 2 * * ? *) for 02:00 every day or rate(1 hour)")
	} else if msg := ValidateExpression(s.Expression); msg != "" {
		p.Add(sk+".expression", "%s", msg)
	}
	if s.Timezone != "" {
		if _, err := time.LoadLocation(s.Timezone); err != nil || s.Timezone == "Local" {
			p.Add(sk+".timezone", "%q is not an IANA time zone; write one such as America/New_York, Europe/Berlin or UTC", s.Timezone)
		}
	}
	if s.FlexibleWindowMinutes < 0 || s.FlexibleWindowMinutes > MaxFlexibleWindowMinutes {
		p.Add(sk+".flexibleWindowMinutes", "must be between 0 (on time) and %d minutes, got %d", MaxFlexibleWindowMinutes, s.FlexibleWindowMinutes)
	}
	if r := s.Retries(); r < 0 || r > MaxScheduleRetryAttempts {
		p.Add(sk+".retryAttempts", "must be between 0 and %d (Scheduler's limit), got %d", MaxScheduleRetryAttempts, r)
	}
	if a := s.MaxEventAgeSeconds; a != 0 && (a < MinScheduleEventAge || a > MaxScheduleEventAge) {
		p.Add(sk+".maxEventAgeSeconds", "must be between %d and %d seconds (Scheduler's limits), got %d", MinScheduleEventAge, MaxScheduleEventAge, a)
	}
}

// validateTriggers checks a lambda's triggers at k+".triggers"; region is the
// stack's region (a queue must be in it).
func validateTriggers(k string, triggers map[string]TriggerSpec, region string, p *problems.List) {
	for _, n := range sortedKeys(triggers) {
		t := triggers[n]
		tk := k + ".triggers." + n
		if len(n) > MaxRouteNameLen || !namePattern.MatchString(n) {
			p.Add(tk, "trigger name %q is not valid; use 1 to %d lowercase letters, digits and single hyphens, starting with a letter", n, MaxRouteNameLen)
		}
		switch {
		case (t.SQS == nil) == (t.S3 == nil):
			p.Add(tk, "set exactly one of sqs or s3")
		case t.SQS != nil:
			q := t.SQS
			m := sqsARN.FindStringSubmatch(q.QueueARN)
			switch {
			case m == nil:
				p.Add(tk+".sqs.queueArn", "%q is not an SQS queue ARN; write arn:aws:sqs:<region>:<account>:<queue>", q.QueueARN)
			case region != "" && m[1] != region:
				p.Add(tk+".sqs.queueArn", "the queue is in %s and the stack in %s; Lambda polls queues in its own region only", m[1], region)
			}
			// Lambda takes at most 10 messages from a FIFO queue and has no
			// batching window for one.
			fifo := m != nil && m[2] != ""
			switch b := q.Batch(); {
			case b < 1 || b > 10000:
				p.Add(tk+".sqs.batchSize", "must be between 1 and 10000, got %d", b)
			case fifo && b > 10:
				p.Add(tk+".sqs.batchSize", "must be between 1 and 10 for a FIFO queue (Lambda's limit), got %d", b)
			case b > 10 && q.MaxBatchingWindowSeconds < 1:
				p.Add(tk+".sqs.maxBatchingWindowSeconds", "a batchSize above 10 needs a batching window of at least 1 second")
			}
			switch w := q.MaxBatchingWindowSeconds; {
			case w < 0 || w > 300:
				p.Add(tk+".sqs.maxBatchingWindowSeconds", "must be between 0 and 300 seconds, got %d", w)
			case fifo && w != 0:
				p.Add(tk+".sqs.maxBatchingWindowSeconds", "Lambda has no batching window for a FIFO queue; remove it")
			}
			if q.KMSKeyARN != "" && !kmsKeyARN.MatchString(q.KMSKeyARN) {
				p.Add(tk+".sqs.kmsKeyArn", "%q is not a KMS key ARN; write arn:aws:kms:<region>:<account>:key/<id>", q.KMSKeyARN)
			}
		case t.S3 != nil:
			s := t.S3
			if !bucketName.MatchString(s.Bucket) || strings.Contains(s.Bucket, "..") {
				p.Add(tk+".s3.bucket", "%q is not a bucket name; write the bucket's name, not its ARN", s.Bucket)
			}
			for i, e := range s.Events {
				if !s3Event.MatchString(e) {
					p.Add(fmt.Sprintf("%s.s3.events[%d]", tk, i), "%q is not an S3 event type; e.g. s3:ObjectCreated:* or s3:ObjectRemoved:Delete", e)
				}
			}
		}
	}
}

// validateInvocations checks what spans workloads: S3 keeps one notification
// configuration per bucket, so one function owns a bucket's triggers, and two
// of them must not overlap (S3 refuses overlapping prefixes for one event).
func (c Config) validateInvocations(key string, p *problems.List) {
	owner := map[string]string{}
	type filter struct{ trigger, prefix, suffix string }
	filters := map[string][]filter{}
	for _, n := range c.Names() {
		l := c[n].Lambda
		if l == nil {
			continue
		}
		for _, tn := range sortedKeys(l.Triggers) {
			s := l.Triggers[tn].S3
			if s == nil {
				continue
			}
			k := key + "." + n + ".triggers." + tn + ".s3.bucket"
			if o, taken := owner[s.Bucket]; taken && o != n {
				p.Add(k, "bucket %s already triggers %s; S3 keeps one notification configuration per bucket, so one function takes a bucket's events", s.Bucket, o)
				continue
			}
			owner[s.Bucket] = n
			for _, f := range filters[s.Bucket] {
				if (strings.HasPrefix(f.prefix, s.Prefix) || strings.HasPrefix(s.Prefix, f.prefix)) &&
					(strings.HasSuffix(f.suffix, s.Suffix) || strings.HasSuffix(s.Suffix, f.suffix)) {
					p.Add(key+"."+n+".triggers."+tn+".s3.prefix", "overlaps trigger %s on bucket %s (prefix %q, suffix %q); S3 refuses overlapping filters", f.trigger, s.Bucket, f.prefix, f.suffix)
				}
			}
			filters[s.Bucket] = append(filters[s.Bucket], filter{tn, s.Prefix, s.Suffix})
		}
	}
}

// NeverInvoked lists the lambda and batch workloads nothing starts: no
// schedule and no trigger. They deploy, and then never run.
func (c Config) NeverInvoked() []string {
	var out []string
	for _, n := range c.Names() {
		w := c[n]
		switch {
		case w.Lambda != nil && w.Lambda.Schedule == nil && len(w.Lambda.Triggers) == 0,
			w.Batch != nil && w.Batch.Schedule == nil:
			out = append(out, n)
		}
	}
	return out
}

// Unrouted lists the ec2 and ecs workloads no load balancer forwards to:
// fine for a worker that pulls its work, worth a second look otherwise.
func (c Config) Unrouted() []string {
	var out []string
	for _, n := range c.Names() {
		if c[n].Kind.IsTarget() && len(c.RoutedBy(n)) == 0 {
			out = append(out, n)
		}
	}
	return out
}

// DescribeInvocations renders a workload's schedule and triggers for the
// plan, one line each; prefix is the stack's resource name prefix.
func (c Config) DescribeInvocations(name, prefix string) []string {
	w := c[name]
	var sched *ScheduleSpec
	var triggers map[string]TriggerSpec
	target := ""
	switch {
	case w.Batch != nil:
		sched, target = w.Batch.Schedule, "submits a job of "+prefix+"-"+name
	case w.Lambda != nil:
		sched, triggers, target = w.Lambda.Schedule, w.Lambda.Triggers, "invokes "+prefix+"-"+name
		if w.Lambda.LambdaScaling().On {
			target += ":" + LiveAlias
		}
	default:
		return nil
	}
	var out []string
	if sched != nil {
		state := ""
		if !sched.On() {
			state = " (paused)"
		}
		window := "on time"
		if sched.FlexibleWindowMinutes > 0 {
			window = fmt.Sprintf("within %d min", sched.FlexibleWindowMinutes)
		}
		out = append(out, fmt.Sprintf("schedule %s %s%s, %s: %s; %d retries within %ds, then the queue %s-%s-schedule-dlq",
			sched.Expression, sched.Zone(), state, window, target, sched.Retries(), sched.EventAge(), prefix, name))
	}
	for _, n := range sortedKeys(triggers) {
		t := triggers[n]
		switch {
		case t.SQS != nil:
			out = append(out, fmt.Sprintf("trigger %s: messages of %s, %d per batch", n, t.SQS.QueueARN, t.SQS.Batch()))
		case t.S3 != nil:
			out = append(out, fmt.Sprintf("trigger %s: s3://%s/%s*%s on %s", n, t.S3.Bucket, t.S3.Prefix, t.S3.Suffix, strings.Join(t.S3.EventList(), ", ")))
		}
	}
	return out
}
