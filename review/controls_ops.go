package review

import (
	"sort"
	"strings"

	"github.com/acme/platform/internal/sim"
)

// Resource types of the operations layer the controls read.
const (
	tSQSQueue      = "aws:sqs/queue:Queue"
	tWebACLAssoc   = "aws:wafv2/webAclAssociation:WebAclAssociation"
	tWebACLLogging = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
	tACMCert       = "aws:acm/certificate:Certificate"
)

// opsControls cover what the operations layer registers: queues, topics,
// alarms, web ACLs and certificates.
var opsControls = []Control{
	{ID: "SQS.1", Title: "Amazon SQS queues should be encrypted at rest", Standard: StandardFSBP,
		Checks: "every sqs.Queue sets sqsManagedSseEnabled true or a kmsMasterKeyId", check: checkQueueEncryption},
	{ID: "SNS.1", Title: "SNS topics should be encrypted at-rest using AWS KMS", Standard: StandardNIST,
		Checks: "every sns.Topic sets kmsMasterKeyId", check: checkTopicEncryption},
	{ID: "CloudWatch.15", Title: "CloudWatch alarms should have specified actions configured", Standard: StandardNIST,
		Checks: "every cloudwatch.MetricAlarm lists at least one alarmActions target", check: checkAlarmActions},
	{ID: "CloudWatch.17", Title: "CloudWatch alarm actions should be activated", Standard: StandardNIST,
		Checks: "no cloudwatch.MetricAlarm sets actionsEnabled false", check: checkAlarmActionsEnabled},
	{ID: "WAF.10", Title: "AWS WAF web ACLs should have at least one rule or rule group", Standard: StandardFSBP,
		Checks: "every wafv2.WebAcl has at least one rule (rules or ruleJson)", check: checkWebACLRules},
	{ID: "WAF.11", Title: "AWS WAF web ACL logging should be enabled", Standard: StandardNIST,
		Checks: "every wafv2.WebAcl has a wafv2.WebAclLoggingConfiguration (resourceArn)", check: checkWebACLLogging},
	{ID: "WAF.12", Title: "AWS WAF rules should have CloudWatch metrics enabled", Standard: StandardFSBP,
		Checks: "every wafv2.WebAcl and each of its rules sets visibilityConfig.cloudwatchMetricsEnabled true", check: checkWebACLMetrics},
	{ID: "ELB.16", Title: "Application Load Balancers should be associated with an AWS WAF web ACL", Standard: StandardNIST,
		Checks: "every application lb.LoadBalancer has a wafv2.WebAclAssociation (resourceArn)", check: checkALBWebACL},
	{ID: "ACM.2", Title: "RSA certificates managed by ACM should use a key length of at least 2,048 bits", Standard: StandardFSBP,
		Checks: "no acm.Certificate requests keyAlgorithm RSA_1024 (unset means RSA_2048)", check: checkCertificateKeys},
}

func init() {
	catalogue = append(catalogue, opsControls...)
	sort.SliceStable(catalogue, func(i, j int) bool { return controlLess(catalogue[i].ID, catalogue[j].ID) })
}

func checkQueueEncryption(v *view) (o outcome) {
	qs := v.of(tSQSQueue)
	o.eval(len(qs))
	for _, q := range qs {
		if !isTrue(q.Inputs, "sqsManagedSseEnabled") && str(q.Inputs, "kmsMasterKeyId") == "" {
			o.fail(q, "neither SSE-SQS (sqsManagedSseEnabled) nor a KMS key encrypts the queue")
		}
	}
	return o
}

func checkTopicEncryption(v *view) (o outcome) {
	ts := v.of(tSNSTopic)
	o.eval(len(ts))
	for _, t := range ts {
		if str(t.Inputs, "kmsMasterKeyId") == "" {
			o.fail(t, "no kmsMasterKeyId: the topic's messages are not encrypted with a KMS key")
		}
	}
	return o
}

func checkAlarmActions(v *view) (o outcome) {
	as := v.of(tMetricAlarm)
	o.eval(len(as))
	for _, a := range as {
		if len(sim.Lookup(a.Inputs, "alarmActions[]")) == 0 {
			o.fail(a, "no alarmActions: the alarm tells nobody")
		}
	}
	return o
}

func checkAlarmActionsEnabled(v *view) (o outcome) {
	as := v.of(tMetricAlarm)
	o.eval(len(as))
	for _, a := range as {
		if b, ok := val(a.Inputs, "actionsEnabled").(bool); ok && !b {
			o.fail(a, "actionsEnabled is false: the alarm changes state and notifies nobody")
		}
	}
	return o
}

func checkWebACLRules(v *view) (o outcome) {
	acls := v.of(tWebACL)
	o.eval(len(acls))
	for _, a := range acls {
		if len(sim.Lookup(a.Inputs, "rules[]")) == 0 && str(a.Inputs, "ruleJson") == "" {
			o.fail(a, "the web ACL has no rule: it only applies its default action")
		}
	}
	return o
}

func checkWebACLLogging(v *view) (o outcome) {
	acls := v.of(tWebACL)
	o.eval(len(acls))
	logged := map[string]bool{}
	for _, l := range v.of(tWebACLLogging) {
		for _, a := range v.refs(l, "resourceArn", tWebACL) {
			logged[a.URN] = true
		}
	}
	for _, a := range acls {
		if !logged[a.URN] {
			o.fail(a, "no logging configuration sends the web ACL's requests anywhere")
		}
	}
	return o
}

func checkWebACLMetrics(v *view) (o outcome) {
	acls := v.of(tWebACL)
	o.eval(len(acls))
	for _, a := range acls {
		if !isTrue(a.Inputs, "visibilityConfig.cloudwatchMetricsEnabled") {
			o.fail(a, "the web ACL publishes no CloudWatch metrics")
		}
		for _, r := range sim.Lookup(a.Inputs, "rules[]") {
			m, _ := r.(map[string]any)
			if !isTrue(m, "visibilityConfig.cloudwatchMetricsEnabled") {
				o.fail(a, "rule %s publishes no CloudWatch metrics", str(m, "name"))
			}
		}
	}
	return o
}

func checkALBWebACL(v *view) (o outcome) {
	albs := applicationLBs(v)
	o.eval(len(albs))
	protected := map[string]bool{}
	for _, as := range v.of(tWebACLAssoc) {
		for _, lb := range v.refs(as, "resourceArn", loadBalancerTypes...) {
			protected[lb.URN] = true
		}
	}
	for _, lb := range albs {
		if !protected[lb.URN] {
			o.fail(lb, "no web ACL is associated with the load balancer")
		}
	}
	return o
}

func checkCertificateKeys(v *view) (o outcome) {
	certs := v.of(tACMCert)
	o.eval(len(certs))
	for _, c := range certs {
		if k := str(c.Inputs, "keyAlgorithm"); strings.EqualFold(k, "RSA_1024") {
			o.fail(c, "key algorithm %s is shorter than 2048 bits", k)
		}
	}
	return o
}
