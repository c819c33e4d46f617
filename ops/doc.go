// Package ops is what the on-call engineer relies on once the platform runs:
// the stack's alarm topic and the alarm set of every workload.
//
// The stack value `platform:alarms` (Config) turns alarms on (the default) or
// off with a written reason, lists who is paged (email, https endpoints,
// existing SNS topics) and overrides thresholds per workload and alarm.
//
// Plan is a pure function from the workloads (Subjects) and the config to the
// alarms: which metric, which statistic, which threshold, and a name and
// description that say what to look at first. NewAlarms registers them with
// the stack's encrypted SNS topic: one pulumi component, platform:ops:Alarms.
package ops
