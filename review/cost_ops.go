package review

import (
	"fmt"

	"github.com/acme/platform/internal/sim"
)

// Resource types of the operations layer the cost reads.
const (
	tMetricAlarm = "aws:cloudwatch/metricAlarm:MetricAlarm"
	tWebACL      = "aws:wafv2/webAcl:WebAcl"
	tR53Record   = "aws:route53/record:Record"
	tSNSTopic    = "aws:sns/topic:Topic"
)

// unitPrice renders the price of one unit: per hour, or per month.
func (li LineItem) unitPrice() string {
	if li.PerMonth > 0 {
		return li.PerMonth.Rate() + "/mo"
	}
	return li.Hourly.Rate()
}

// alarmMetrics is what CloudWatch bills an alarm as: each metric it reads
// (a metric math alarm's expression itself is free).
func alarmMetrics(a sim.Resource) int {
	if str(a.Inputs, "metricName") != "" {
		return 1
	}
	return len(sim.Lookup(a.Inputs, "metricQueries[].metric"))
}

// addOperations adds the monthly-billed parts of the operations layer:
// alarms, web ACLs and their rules, and the Route 53 alias records (free,
// listed so the reader sees they were counted). KMS keys, the alarm topic's
// included, are priced with the data protection (DataCost).
func addOperations(v *view, p Prices, e *Estimate) {
	monthly := func(item, unit string, perMonth Money, units map[string]int) {
		n := 0
		for _, c := range units {
			n += c
		}
		if len(units) == 0 {
			return
		}
		li := LineItem{Item: item, Unit: unit, Count: n, PerMonth: perMonth, Monthly: Money(n) * perMonth, Resources: sortedKeys(units)}
		e.Items = append(e.Items, li)
		e.Monthly += li.Monthly
	}
	metrics := map[string]int{}
	for _, a := range v.of(tMetricAlarm) {
		metrics[a.Name] = alarmMetrics(a)
	}
	monthly("CloudWatch alarms (per metric read)", "alarm metric", p.AlarmMetricMonth, metrics)
	acls, rules := map[string]int{}, map[string]int{}
	for _, acl := range v.of(tWebACL) {
		acls[acl.Name] = 1
		rules[acl.Name] = len(sim.Lookup(acl.Inputs, "rules[]"))
	}
	monthly("AWS WAF web ACLs (requests extra)", "web ACL", p.WebACLMonth, acls)
	monthly("AWS WAF rules (a managed rule group is one)", "rule", p.WAFRuleMonth, rules)
	aliases := map[string]int{}
	for _, r := range v.of(tR53Record) {
		if len(sim.Lookup(r.Inputs, "aliases[]")) > 0 {
			aliases[r.Name] = 1
		}
	}
	monthly("Route 53 alias records in an existing zone (alias queries to AWS resources: free)", "record", p.Route53AliasQueriesToAWS, aliases)
}

// operationsUsage names the usage-based charges of the operations layer the
// graph has.
func operationsUsage(v *view, p Prices) []string {
	var out []string
	if len(v.of(tWebACL)) > 0 {
		out = append(out, fmt.Sprintf("WAF requests %s/million", p.WAFRequestsPerMillion.Rate()))
	}
	if n := len(v.of(tSchedule)); n > 0 {
		out = append(out, fmt.Sprintf("EventBridge Scheduler invocations (%d schedules; %d million a month free, then %s/million)", n, p.SchedulerFreeMillions, p.SchedulerPerMillion.Rate()))
	}
	if len(v.of(tSNSTopic)) > 0 {
		out = append(out, fmt.Sprintf("alarm notifications (the first 1,000 emails a month free, HTTPS %s/million)", p.SNSHTTPNotificationsPerMill.Rate()))
	}
	return out
}
