package compute

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/awsenv"
)

// TLSPolicy is the listener security policy: TLS 1.3 and 1.2 with forward
// secrecy only.
const TLSPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"

// HealthyCodes is what a target's health check must answer.
const HealthyCodes = "200-399"

// LoadBalancerArgs are the inputs of an alb workload.
type LoadBalancerArgs struct {
	// Workload is the alb's config name (tags, messages).
	Workload string
	Spec     ALBSpec
	// Targets describes every workload the alb forwards to, by name
	// (Config.ALBTargets builds it).
	Targets map[string]Target

	VpcID pulumi.StringInput
	// PublicSubnetIDs hold an internet-facing alb, PrivateSubnetIDs an internal one.
	PublicSubnetIDs  pulumi.StringArrayInput
	PrivateSubnetIDs pulumi.StringArrayInput
	// SecurityGroupID is the alb's own group, from the security package.
	SecurityGroupID pulumi.StringInput
	// CertificateARN is the certificate the stack created for the alb's dns
	// names (Spec.DNS.CreateCertificate), once validated; nil otherwise.
	CertificateARN pulumi.StringInput

	Env awsenv.Env
	// Protect turns on deletion protection and pulumi protect.
	Protect bool
	Tags    map[string]string
}

// LoadBalancer is an application load balancer with an HTTPS listener, an
// HTTP listener that only redirects, a target group per target workload, a
// listener rule per route and, optionally, an access-log bucket.
type LoadBalancer struct {
	pulumi.ResourceState

	LoadBalancer *lb.LoadBalancer
	// HTTPS is nil when the spec has no certificate (non-production only).
	HTTPS *lb.Listener
	// HTTP redirects to HTTPS, or forwards when there is no certificate.
	HTTP *lb.Listener
	// TargetGroups and Rules by target workload and by route name.
	TargetGroups map[string]*lb.TargetGroup
	Rules        map[string]*lb.ListenerRule
	// LogBucket is nil when access logs are off.
	LogBucket *s3.BucketV2
	// ServesHTTPS is false for a dev alb without a certificate.
	ServesHTTPS bool

	// TargetGroupARNs by target workload. Each resolves only once every
	// listener and rule that forwards to the group exists: ECS refuses to create
	// a service on a target group that no load balancer uses yet.
	TargetGroupARNs map[string]pulumi.StringOutput
	DNSName         pulumi.StringOutput
	ZoneID          pulumi.StringOutput

	// RequestLabels are the ALBRequestCountPerTarget resource labels of the
	// target groups, by target workload, for the targets' scaling.
	RequestLabels map[string]pulumi.StringOutput
}

// NewLoadBalancer registers an alb workload.
func NewLoadBalancer(ctx *pulumi.Context, name string, args *LoadBalancerArgs, opts ...pulumi.ResourceOption) (*LoadBalancer, error) {
	if args == nil {
		return nil, fmt.Errorf("compute.NewLoadBalancer(%q): args are required", name)
	}
	if err := checkCommon("NewLoadBalancer", name, args.Workload, args.Env, args.Spec.AccessLogs.Enabled); err != nil {
		return nil, err
	}
	s := args.Spec
	subnets := args.PrivateSubnetIDs
	if s.InternetFacing {
		subnets = args.PublicSubnetIDs
	}
	switch {
	case args.VpcID == nil || subnets == nil || args.SecurityGroupID == nil:
		return nil, fmt.Errorf("compute.NewLoadBalancer(%q): VpcID, SecurityGroupID and the %s subnet IDs are required", name, map[bool]string{true: "public", false: "private"}[s.InternetFacing])
	case s.DefaultTarget == "":
		return nil, fmt.Errorf("compute.NewLoadBalancer(%q): a default target is required", name)
	case s.CreatesCertificate() != (args.CertificateARN != nil):
		return nil, fmt.Errorf("compute.NewLoadBalancer(%q): CertificateARN is the created certificate's, given exactly when dns.createCertificate is set", name)
	}
	for _, t := range s.TargetNames() {
		if tg, ok := args.Targets[t]; !ok || !tg.Kind.IsTarget() || tg.Port < 1 {
			return nil, fmt.Errorf("compute.NewLoadBalancer(%q): target %q needs an ec2 or ecs entry with a port in Targets", name, t)
		}
	}

	a := &LoadBalancer{
		TargetGroups:    map[string]*lb.TargetGroup{},
		Rules:           map[string]*lb.ListenerRule{},
		TargetGroupARNs: map[string]pulumi.StringOutput{},
		RequestLabels:   map[string]pulumi.StringOutput{},
		ServesHTTPS:     s.ServesHTTPS(),
	}
	if err := ctx.RegisterComponentResource("platform:compute:LoadBalancer", name, a, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(a)
	tg := workloadTags(args.Tags, args.Workload)
	scheme := "internal"
	if s.InternetFacing {
		scheme = "internet-facing"
	}

	var lbOpts []pulumi.ResourceOption
	var accessLogs lb.LoadBalancerAccessLogsPtrInput
	if s.AccessLogs.Enabled {
		bucket, policy, err := newAccessLogBucket(ctx, name+"-logs", args, parent)
		if err != nil {
			return nil, err
		}
		a.LogBucket = bucket
		accessLogs = &lb.LoadBalancerAccessLogsArgs{
			Bucket:  bucket.ID().ToStringOutput(),
			Enabled: pulumi.Bool(true),
		}
		// Enabling access logs makes ELB write a test object into the bucket at
		// once; before the bucket policy lets it, the call fails with Access Denied.
		lbOpts = append(lbOpts, pulumi.DependsOn([]pulumi.Resource{policy}))
	}

	var err error
	a.LoadBalancer, err = lb.NewLoadBalancer(ctx, name, &lb.LoadBalancerArgs{
		// An explicit name: auto-naming fails once <prefix>-<workload> plus a
		// random suffix passes the 32-character limit. The scheme is in the
		// fingerprint because changing it replaces the load balancer.
		Name:                     pulumi.String(physicalName(name, 32, scheme)),
		LoadBalancerType:         pulumi.String("application"),
		Internal:                 pulumi.Bool(!s.InternetFacing),
		Subnets:                  subnets,
		SecurityGroups:           pulumi.StringArray{args.SecurityGroupID},
		DropInvalidHeaderFields:  pulumi.Bool(true), // no request smuggling through malformed headers
		EnableDeletionProtection: pulumi.Bool(args.Protect),
		IdleTimeout:              pulumi.Int(s.IdleTimeoutSeconds),
		EnableHttp2:              pulumi.Bool(true),
		AccessLogs:               accessLogs,
		Tags:                     tg.Named(name),
	}, append(lbOpts, parent, pulumi.Protect(args.Protect))...)
	if err != nil {
		return nil, err
	}

	for _, t := range s.TargetNames() {
		target := args.Targets[t]
		targetType := "instance"
		if target.Kind == KindECS {
			targetType = "ip" // awsvpc tasks register by their ENI's address
		}
		path := target.HealthCheckPath
		if path == "" {
			path = DefaultHealthCheckPath
		}
		tgName := name + "-" + t
		a.TargetGroups[t], err = lb.NewTargetGroup(ctx, tgName, &lb.TargetGroupArgs{
			// Port, protocol, target type and VPC replace a target group; with them
			// in the name the new group is created before the old one is deleted.
			Name:                pulumi.String(physicalName(tgName, 32, fmt.Sprint(target.Port), targetType, "HTTP")),
			Port:                pulumi.Int(target.Port),
			Protocol:            pulumi.String("HTTP"),
			TargetType:          pulumi.String(targetType),
			VpcId:               args.VpcID,
			DeregistrationDelay: pulumi.Int(30),
			HealthCheck: &lb.TargetGroupHealthCheckArgs{
				Enabled:            pulumi.Bool(true),
				Path:               pulumi.String(path),
				Protocol:           pulumi.String("HTTP"),
				Port:               pulumi.String("traffic-port"),
				Matcher:            pulumi.String(HealthyCodes),
				Interval:           pulumi.Int(15),
				Timeout:            pulumi.Int(5),
				HealthyThreshold:   pulumi.Int(2),
				UnhealthyThreshold: pulumi.Int(3),
			},
			Tags: tg.Named(tgName, "platform:target", t),
		}, parent)
		if err != nil {
			return nil, err
		}
	}

	forward := func(t string) lb.ListenerDefaultActionArray {
		return lb.ListenerDefaultActionArray{&lb.ListenerDefaultActionArgs{
			Type:           pulumi.String("forward"),
			TargetGroupArn: a.TargetGroups[t].Arn,
		}}
	}
	// routed is the listener that forwards: HTTPS, or HTTP on a dev alb
	// without a certificate.
	var routed *lb.Listener
	if a.ServesHTTPS {
		a.HTTPS, err = lb.NewListener(ctx, name+"-https", &lb.ListenerArgs{
			LoadBalancerArn: a.LoadBalancer.Arn,
			Port:            pulumi.Int(443),
			Protocol:        pulumi.String("HTTPS"),
			CertificateArn:  certificateARN(s, args.CertificateARN),
			SslPolicy:       pulumi.String(TLSPolicy),
			DefaultActions:  forward(s.DefaultTarget),
			Tags:            tg.Named(name + "-https"),
		}, parent)
		if err != nil {
			return nil, err
		}
		routed = a.HTTPS
		a.HTTP, err = lb.NewListener(ctx, name+"-http", &lb.ListenerArgs{
			LoadBalancerArn: a.LoadBalancer.Arn,
			Port:            pulumi.Int(80),
			Protocol:        pulumi.String("HTTP"),
			// Port 80 exists only to send browsers to HTTPS; it never forwards.
			DefaultActions: lb.ListenerDefaultActionArray{&lb.ListenerDefaultActionArgs{
				Type: pulumi.String("redirect"),
				Redirect: &lb.ListenerDefaultActionRedirectArgs{
					Protocol:   pulumi.String("HTTPS"),
					Port:       pulumi.String("443"),
					StatusCode: pulumi.String("HTTP_301"),
				},
			}},
			Tags: tg.Named(name + "-http"),
		}, parent)
	} else {
		// Validation allows this only outside production. There is no HTTPS
		// listener without a certificate, so HTTP carries the traffic; say so.
		_ = ctx.Log.Warn(fmt.Sprintf("alb %q has no certificateArn: it serves plain HTTP on port 80 and has no HTTPS listener (allowed only when platform:protect is false)", args.Workload), &pulumi.LogArgs{Resource: a})
		a.HTTP, err = lb.NewListener(ctx, name+"-http", &lb.ListenerArgs{
			LoadBalancerArn: a.LoadBalancer.Arn,
			Port:            pulumi.Int(80),
			Protocol:        pulumi.String("HTTP"),
			DefaultActions:  forward(s.DefaultTarget),
			Tags:            tg.Named(name + "-http"),
		}, parent)
		routed = a.HTTP
	}
	if err != nil {
		return nil, err
	}

	usedBy := map[string][]pulumi.Resource{}
	for _, t := range s.TargetNames() {
		usedBy[t] = []pulumi.Resource{a.HTTP}
		if a.HTTPS != nil {
			usedBy[t] = append(usedBy[t], a.HTTPS)
		}
	}
	for _, rn := range sortedKeys(s.Routes) {
		r := s.Routes[rn]
		var conds lb.ListenerRuleConditionArray
		if len(r.Hosts) > 0 {
			conds = append(conds, &lb.ListenerRuleConditionArgs{
				HostHeader: &lb.ListenerRuleConditionHostHeaderArgs{Values: pulumi.ToStringArray(r.Hosts)},
			})
		}
		if len(r.Paths) > 0 {
			conds = append(conds, &lb.ListenerRuleConditionArgs{
				PathPattern: &lb.ListenerRuleConditionPathPatternArgs{Values: pulumi.ToStringArray(r.Paths)},
			})
		}
		rule, err := lb.NewListenerRule(ctx, name+"-"+rn, &lb.ListenerRuleArgs{
			ListenerArn: routed.Arn,
			Priority:    pulumi.Int(r.Priority),
			Conditions:  conds,
			Actions: lb.ListenerRuleActionArray{&lb.ListenerRuleActionArgs{
				Type:           pulumi.String("forward"),
				TargetGroupArn: a.TargetGroups[r.Target].Arn,
			}},
			Tags: tg.Named(name+"-"+rn, "platform:route", rn),
		}, parent)
		if err != nil {
			return nil, err
		}
		a.Rules[rn] = rule
		usedBy[r.Target] = append(usedBy[r.Target], rule)
	}

	outs := pulumi.Map{}
	for _, t := range s.TargetNames() {
		a.TargetGroupARNs[t] = readyARN(a.TargetGroups[t].Arn, usedBy[t])
		a.RequestLabels[t] = RequestLabel(a.LoadBalancer.ArnSuffix, a.TargetGroups[t].ArnSuffix)
		outs["targetGroupArn-"+t] = a.TargetGroupARNs[t]
	}
	a.DNSName = a.LoadBalancer.DnsName
	a.ZoneID = a.LoadBalancer.ZoneId
	outs["dnsName"] = a.DNSName
	outs["https"] = pulumi.Bool(a.ServesHTTPS)
	if err := ctx.RegisterResourceOutputs(a, outs); err != nil {
		return nil, err
	}
	return a, nil
}

// certificateARN is the certificate the HTTPS listener serves: the one the
// stack created, or the one the spec names.
func certificateARN(s ALBSpec, created pulumi.StringInput) pulumi.StringInput {
	if created != nil {
		return created
	}
	return pulumi.String(s.CertificateArn)
}

// readyARN is arn, resolved only after every resource in after exists, and
// carrying them as dependencies to whoever consumes it.
func readyARN(arn pulumi.StringOutput, after []pulumi.Resource) pulumi.StringOutput {
	all := []any{arn}
	for _, r := range after {
		switch x := r.(type) {
		case *lb.Listener:
			all = append(all, x.Arn)
		case *lb.ListenerRule:
			all = append(all, x.Arn)
		}
	}
	return pulumi.All(all...).ApplyT(func(v []any) string { return v[0].(string) }).(pulumi.StringOutput)
}

// elbAccounts are the Elastic Load Balancing accounts that deliver access
// logs in the regions that opened before August 2022. Newer regions deliver
// as the logdelivery.elasticloadbalancing.amazonaws.com service principal.
var elbAccounts = map[string]string{
	"us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980", "us-west-2": "797873946194",
	"af-south-1": "098369216593", "ap-east-1": "754344448648", "ap-southeast-3": "589379963580", "ap-south-1": "718504428378",
	"ap-northeast-3": "383597477331", "ap-northeast-2": "600734575887", "ap-southeast-1": "114774131450",
	"ap-southeast-2": "783225319266", "ap-northeast-1": "582318560864", "ca-central-1": "985666609251",
	"eu-central-1": "054676820928", "eu-west-1": "156460612806", "eu-west-2": "652711504416", "eu-south-1": "635631232127",
	"eu-west-3": "009996457667", "eu-north-1": "897822967062", "me-south-1": "076674570225", "sa-east-1": "507241528517",
	"us-gov-west-1": "048591011584", "us-gov-east-1": "190560391635", "cn-north-1": "638102146993", "cn-northwest-1": "037604701340",
}

// ELBLogPrincipal is the service principal that delivers access logs in the newer regions.
const ELBLogPrincipal = "logdelivery.elasticloadbalancing.amazonaws.com"

// newAccessLogBucket registers a private, encrypted bucket ELB may write this
// account's access logs into, expiring them after the retention.
func newAccessLogBucket(ctx *pulumi.Context, name string, args *LoadBalancerArgs, parent pulumi.ResourceOption) (*s3.BucketV2, pulumi.Resource, error) {
	env := args.Env
	tg := workloadTags(args.Tags, args.Workload)
	bucket, err := s3.NewBucketV2(ctx, name, &s3.BucketV2Args{
		// A dev stack can be torn down with its logs; production keeps them.
		ForceDestroy: pulumi.Bool(!args.Protect),
		Tags:         tg.Named(name),
	}, parent, pulumi.Protect(args.Protect))
	if err != nil {
		return nil, nil, err
	}
	bucketName := bucket.ID().ToStringOutput()
	block, err := s3.NewBucketPublicAccessBlock(ctx, name, &s3.BucketPublicAccessBlockArgs{
		Bucket:                bucketName,
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s3.NewBucketOwnershipControls(ctx, name, &s3.BucketOwnershipControlsArgs{
		Bucket: bucketName,
		// ACLs off: the bucket owner owns every object, whoever wrote it.
		Rule: &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, parent); err != nil {
		return nil, nil, err
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bucketName,
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{&s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			// SSE-S3: ALB log delivery does not support SSE-KMS.
			ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm: pulumi.String("AES256"),
			},
		}},
	}, parent); err != nil {
		return nil, nil, err
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, name, &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bucketName,
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{&s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:         pulumi.String("expire-access-logs"),
			Status:     pulumi.String("Enabled"),
			Filter:     &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("AWSLogs/")},
			Expiration: &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(args.Spec.AccessLogs.RetentionDays)},
		}},
	}, parent); err != nil {
		return nil, nil, err
	}
	doc := bucketName.ApplyT(func(b string) (string, error) {
		return accessLogPolicy(env, b)
	}).(pulumi.StringOutput)
	policy, err := s3.NewBucketPolicy(ctx, name, &s3.BucketPolicyArgs{
		Bucket: bucketName,
		Policy: doc,
	},
		parent,
		// S3 rejects a bucket policy and a public access block written at the
		// same moment (OperationAborted: conflicting conditional operation).
		pulumi.DependsOn([]pulumi.Resource{block}))
	if err != nil {
		return nil, nil, err
	}
	return bucket, policy, nil
}

// accessLogPolicy lets ELB write this account's logs into bucket and nothing
// else, and refuses every request that is not over TLS.
func accessLogPolicy(env awsenv.Env, bucket string) (string, error) {
	bucketARN := "arn:" + env.Partition + ":s3:::" + bucket
	logs := bucketARN + "/AWSLogs/" + env.AccountID + "/*"
	var st []any
	if acct, ok := elbAccounts[env.Region]; ok {
		st = append(st, map[string]any{
			"Sid": "RegionalELBAccountWritesLogs", "Effect": "Allow",
			"Principal": map[string]any{"AWS": "arn:" + env.Partition + ":iam::" + acct + ":root"},
			"Action":    "s3:PutObject", "Resource": logs,
		})
	}
	st = append(st,
		map[string]any{
			"Sid": "ELBLogDeliveryWritesLogs", "Effect": "Allow",
			"Principal": map[string]any{"Service": ELBLogPrincipal},
			"Action":    "s3:PutObject", "Resource": logs,
		},
		map[string]any{
			"Sid": "DenyInsecureTransport", "Effect": "Deny",
			"Principal": "*", "Action": "s3:*",
			"Resource":  []string{bucketARN, bucketARN + "/*"},
			"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
		},
	)
	b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": st})
	return string(b), err
}
