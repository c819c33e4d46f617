package edge

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/wafv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/compute"
	"github.com/acme/platform/internal/tags"
)

// The AWS managed rule groups the web ACL uses, with the priorities the
// rules run in (lowest first): the rate limit counts every request before
// the managed groups judge it.
const (
	CommonRuleSet         = "AWSManagedRulesCommonRuleSet"
	KnownBadInputsRuleSet = "AWSManagedRulesKnownBadInputsRuleSet"
	RateRuleName          = "rate-limit-per-ip"
	ratePriority          = 10
	commonPriority        = 20
	badInputsPriority     = 30
)

// ScopeRegional is the web ACL scope an Application Load Balancer takes
// (CLOUDFRONT is for distributions only, and lives in us-east-1).
const ScopeRegional = "REGIONAL"

// RedactedHeaders are left out of the web ACL's logs: they carry credentials.
var RedactedHeaders = []string{"authorization", "cookie"}

var aclName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// LogGroupPrefix is the web ACL's log group name before the suffix Pulumi
// adds: WAF writes only to groups whose name starts with aws-waf-logs-, and
// a protected stack keeps the group when it is destroyed, so every lifetime
// of the stack gets a new name instead of colliding with the kept one.
func LogGroupPrefix(aclName string) string { return compute.WAFLogGroupPrefix + aclName + "-" }

// WebACLArgs are the inputs of an alb's web ACL.
type WebACLArgs struct {
	// Workload is the alb's config name (tags, descriptions).
	Workload string
	// ACLName is the web ACL's name, unique per account, region and scope:
	// the alb's component name.
	ACLName string
	WAF     compute.WAF
	// LoadBalancerARN is the alb the web ACL protects.
	LoadBalancerARN pulumi.StringInput
	// LogKMSKeyARN encrypts the log group; its policy must let CloudWatch Logs use it.
	LogKMSKeyARN pulumi.StringInput
	// Protect keeps the logs when the stack is destroyed.
	Protect bool
	Tags    map[string]string
}

// WebACL is a regional web ACL on one load balancer, logging to an
// encrypted log group.
type WebACL struct {
	pulumi.ResourceState

	ACL         *wafv2.WebAcl
	Association *wafv2.WebAclAssociation
	LogGroup    *cloudwatch.LogGroup
	Logging     *wafv2.WebAclLoggingConfiguration

	ARN pulumi.StringOutput
}

func visibility(metric string) *wafv2.WebAclRuleVisibilityConfigArgs {
	return &wafv2.WebAclRuleVisibilityConfigArgs{
		CloudwatchMetricsEnabled: pulumi.Bool(true),
		MetricName:               pulumi.String(metric),
		SampledRequestsEnabled:   pulumi.Bool(true),
	}
}

// managedRule is one AWS managed rule group: its own actions, or only counts
// in count mode; countOnly rules count whatever the mode.
func managedRule(group string, priority int, w compute.WAF) *wafv2.WebAclRuleArgs {
	override := &wafv2.WebAclRuleOverrideActionArgs{None: &wafv2.WebAclRuleOverrideActionNoneArgs{}}
	if w.Count {
		override = &wafv2.WebAclRuleOverrideActionArgs{Count: &wafv2.WebAclRuleOverrideActionCountArgs{}}
	}
	var overrides wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideArray
	if group == CommonRuleSet {
		for _, r := range w.CountOnlyRules {
			overrides = append(overrides, &wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideArgs{
				Name: pulumi.String(r),
				ActionToUse: &wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseArgs{
					Count: &wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseCountArgs{},
				},
			})
		}
	}
	return &wafv2.WebAclRuleArgs{
		Name:           pulumi.String(group),
		Priority:       pulumi.Int(priority),
		OverrideAction: override,
		Statement: &wafv2.WebAclRuleStatementArgs{
			ManagedRuleGroupStatement: &wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs{
				VendorName:          pulumi.String("AWS"),
				Name:                pulumi.String(group),
				RuleActionOverrides: overrides,
			},
		},
		VisibilityConfig: visibility(group),
	}
}

// Rules are the web ACL's rules for w, in priority order.
func Rules(w compute.WAF) wafv2.WebAclRuleArray {
	var out wafv2.WebAclRuleArray
	if w.RateLimit > 0 {
		action := &wafv2.WebAclRuleActionArgs{Block: &wafv2.WebAclRuleActionBlockArgs{}}
		if w.Count {
			action = &wafv2.WebAclRuleActionArgs{Count: &wafv2.WebAclRuleActionCountArgs{}}
		}
		out = append(out, &wafv2.WebAclRuleArgs{
			Name:     pulumi.String(RateRuleName),
			Priority: pulumi.Int(ratePriority),
			Action:   action,
			Statement: &wafv2.WebAclRuleStatementArgs{
				RateBasedStatement: &wafv2.WebAclRuleStatementRateBasedStatementArgs{
					AggregateKeyType:    pulumi.String("IP"),
					Limit:               pulumi.Int(w.RateLimit),
					EvaluationWindowSec: pulumi.Int(w.RateWindowSeconds),
				},
			},
			VisibilityConfig: visibility(RateRuleName),
		})
	}
	if w.CommonRules {
		out = append(out, managedRule(CommonRuleSet, commonPriority, w))
	}
	if w.BadInputs {
		out = append(out, managedRule(KnownBadInputsRuleSet, badInputsPriority, w))
	}
	return out
}

// NewWebACL registers the web ACL, attaches it to the load balancer and
// sends its logs to an encrypted log group.
func NewWebACL(ctx *pulumi.Context, name string, args *WebACLArgs, opts ...pulumi.ResourceOption) (*WebACL, error) {
	switch {
	case args == nil || args.Workload == "" || args.LoadBalancerARN == nil:
		return nil, fmt.Errorf("edge.NewWebACL(%q): Workload and LoadBalancerARN are required", name)
	case !args.WAF.On || args.WAF.Rules() == 0:
		return nil, fmt.Errorf("edge.NewWebACL(%q): the web ACL is off or has no rule", name)
	case !aclName.MatchString(args.ACLName):
		return nil, fmt.Errorf("edge.NewWebACL(%q): %q is not a web ACL name (1 to 128 letters, digits, hyphens, underscores)", name, args.ACLName)
	}
	w := &WebACL{}
	if err := ctx.RegisterComponentResource("platform:edge:WebACL", name, w, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(w)
	tg := tags.New(component, args.Tags).With("platform:workload", args.Workload)

	var err error
	w.ACL, err = wafv2.NewWebAcl(ctx, name, &wafv2.WebAclArgs{
		Name:          pulumi.String(args.ACLName),
		Description:   pulumi.String("In front of the load balancer " + args.Workload + ": AWS managed rules and a per-IP rate limit"),
		Scope:         pulumi.String(ScopeRegional),
		DefaultAction: &wafv2.WebAclDefaultActionArgs{Allow: &wafv2.WebAclDefaultActionAllowArgs{}},
		Rules:         Rules(args.WAF),
		VisibilityConfig: &wafv2.WebAclVisibilityConfigArgs{
			CloudwatchMetricsEnabled: pulumi.Bool(true),
			MetricName:               pulumi.String(args.ACLName),
			SampledRequestsEnabled:   pulumi.Bool(true),
		},
		Tags: tg.Named(args.ACLName),
	}, parent)
	if err != nil {
		return nil, err
	}
	w.Association, err = wafv2.NewWebAclAssociation(ctx, name, &wafv2.WebAclAssociationArgs{
		ResourceArn: args.LoadBalancerARN,
		WebAclArn:   w.ACL.Arn,
	}, parent)
	if err != nil {
		return nil, err
	}
	logGroup := LogGroupPrefix(args.ACLName)
	w.LogGroup, err = cloudwatch.NewLogGroup(ctx, name+"-logs", &cloudwatch.LogGroupArgs{
		NamePrefix:      pulumi.String(logGroup),
		RetentionInDays: pulumi.Int(args.WAF.LogRetentionDays),
		KmsKeyId:        args.LogKMSKeyARN,
		Tags:            tg.Named(logGroup),
	}, parent, pulumi.RetainOnDelete(args.Protect))
	if err != nil {
		return nil, err
	}
	var redacted wafv2.WebAclLoggingConfigurationRedactedFieldArray
	for _, h := range RedactedHeaders {
		redacted = append(redacted, &wafv2.WebAclLoggingConfigurationRedactedFieldArgs{
			SingleHeader: &wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs{Name: pulumi.String(h)},
		})
	}
	w.Logging, err = wafv2.NewWebAclLoggingConfiguration(ctx, name, &wafv2.WebAclLoggingConfigurationArgs{
		ResourceArn: w.ACL.Arn,
		// The group's ARN without the trailing :* CloudWatch Logs adds
		// elsewhere; WAF refuses that form.
		LogDestinationConfigs: pulumi.StringArray{w.LogGroup.Arn},
		RedactedFields:        redacted,
	}, parent)
	if err != nil {
		return nil, err
	}
	w.ARN = w.ACL.Arn
	if err := ctx.RegisterResourceOutputs(w, pulumi.Map{"arn": w.ARN, "logGroup": w.LogGroup.Name}); err != nil {
		return nil, err
	}
	return w, nil
}
