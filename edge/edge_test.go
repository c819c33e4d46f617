package edge

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/compute"
	"github.com/acme/platform/internal/sim"
)

func run(t *testing.T, program func(ctx *pulumi.Context) error) (*sim.Graph, error) {
	t.Helper()
	m := sim.NewMonitor("platform", "test", "us-east-1")
	err := pulumi.RunErr(program, pulumi.WithMocks("platform", "test", m))
	g, gerr := m.Graph()
	if gerr != nil {
		t.Fatal(gerr)
	}
	return g, err
}

func rulesJSON(t *testing.T, w compute.WAF) string {
	g, err := run(t, func(ctx *pulumi.Context) error {
		_, err := NewWebACL(ctx, "p-edge-waf", &WebACLArgs{Workload: "edge", ACLName: "p-edge", WAF: w,
			LoadBalancerARN: pulumi.String("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/p-edge/1"),
			LogKMSKeyARN:    pulumi.String("arn:aws:kms:us-east-1:123456789012:key/k")})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	acl := g.OfType("aws:wafv2/webAcl:WebAcl")[0]
	b, _ := json.Marshal(acl.Inputs["rules"])
	return string(b)
}

func TestWebACL_RulesInPriorityOrderBlockingByDefault(t *testing.T) {
	w := compute.WAF{On: true, CommonRules: true, BadInputs: true, RateLimit: 500, RateWindowSeconds: 60, LogRetentionDays: 90,
		CountOnlyRules: []string{"SizeRestrictions_BODY"}}
	got := rulesJSON(t, w)
	rate := strings.Index(got, `"name":"rate-limit-per-ip"`)
	common := strings.Index(got, `"name":"AWSManagedRulesCommonRuleSet"`)
	bad := strings.Index(got, `"name":"AWSManagedRulesKnownBadInputsRuleSet"`)
	if rate < 0 || common < rate || bad < common {
		t.Fatalf("rules out of order: %s", got)
	}
	for _, want := range []string{`"action":{"block":{}}`, `"overrideAction":{"none":{}}`, `"limit":500`, `"evaluationWindowSec":60`,
		`"ruleActionOverrides":[{"actionToUse":{"count":{}},"name":"SizeRestrictions_BODY"}]`, `"cloudwatchMetricsEnabled":true`} {
		if !strings.Contains(got, want) {
			t.Errorf("rules lack %s:\n%s", want, got)
		}
	}
	if strings.Count(got, "ruleActionOverrides") != 1 {
		t.Error("count-only rules belong to the common rule set only")
	}
}

func TestWebACL_CountModeOnlyCounts(t *testing.T) {
	got := rulesJSON(t, compute.WAF{On: true, Count: true, CommonRules: true, RateLimit: 100, RateWindowSeconds: 300, LogRetentionDays: 30})
	if strings.Contains(got, `"block"`) || !strings.Contains(got, `"overrideAction":{"count":{}}`) || !strings.Contains(got, `"action":{"count":{}}`) {
		t.Errorf("count mode blocks: %s", got)
	}
	if strings.Contains(got, KnownBadInputsRuleSet) {
		t.Error("a rule group turned off is still there")
	}
}

func TestWebACL_RefusesAnACLWithoutRules(t *testing.T) {
	_, err := run(t, func(ctx *pulumi.Context) error {
		_, err := NewWebACL(ctx, "x", &WebACLArgs{Workload: "edge", ACLName: "x", WAF: compute.WAF{On: true},
			LoadBalancerARN: pulumi.String("arn")})
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "no rule") {
		t.Errorf("got %v", err)
	}
}

func TestValidationDomains_AWildcardSharesItsNamesRecord(t *testing.T) {
	got := ValidationDomains([]string{"www.example.com", "*.example.com", "example.com"})
	if strings.Join(got, ",") != "example.com,www.example.com" {
		t.Errorf("got %v", got)
	}
}
