package compute

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/sim"
)

const albDoc = `{
  "web": {"kind": "alb", "certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789012",
          "accessLogs": {"retentionDays": 30}, "idleTimeoutSeconds": 120,
          "routes": {"api": {"priority": 10, "hosts": ["api.example.com"], "paths": ["/v1/*"], "target": "api"},
                     "admin": {"priority": 20, "paths": ["/admin/*"], "target": "legacy"}},
          "defaultTarget": "frontend"},
  "frontend": {"kind": "ecs", "image": "example/frontend:1"},
  "api": {"kind": "ecs", "image": "example/api:1", "port": 9000, "healthCheckPath": "/healthz"},
  "legacy": {"kind": "ec2", "port": 8081, "ami": "ami-0abcdef1234567890"}
}`

// buildALB registers the web alb of doc; it returns the graph and the component.
func buildALB(t *testing.T, doc string, v ValidateContext) (*sim.Graph, *LoadBalancer) {
	t.Helper()
	c := mustConfig(t, doc, v)
	var a *LoadBalancer
	g := run(t, func(ctx *pulumi.Context) error {
		var err error
		a, err = NewLoadBalancer(ctx, "p-web", &LoadBalancerArgs{
			Workload:         "web",
			Spec:             *c["web"].ALB,
			Targets:          c.ALBTargets("web"),
			VpcID:            pulumi.String("vpc-0test"),
			PublicSubnetIDs:  ids(publicSubnets),
			PrivateSubnetIDs: ids(privateSubnets),
			SecurityGroupID:  pulumi.String("sg-web"),
			Env:              testEnv,
			Protect:          v.Protect,
			Tags:             testTags,
		})
		return err
	})
	return g, a
}

func TestLoadBalancer_IsInternetFacingInThePublicSubnetsWithOnlyItsGroup(t *testing.T) {
	g, _ := buildALB(t, albDoc, devCtx)
	r := named(t, g, tLB, "p-web")
	equal(t, "internal", r.Inputs["internal"], false)
	equal(t, "type", r.Inputs["loadBalancerType"], "application")
	equal(t, "subnets", strs(r.Inputs["subnets"]), publicSubnets)
	equal(t, "security groups", strs(r.Inputs["securityGroups"]), []string{"sg-web"})
	equal(t, "drop invalid headers", r.Inputs["dropInvalidHeaderFields"], true)
	equal(t, "idle timeout", r.Inputs["idleTimeout"], 120.0)
	if n := r.Inputs["name"].(string); len(n) > 32 || !strings.HasPrefix(n, "p-web-") {
		t.Errorf("name %q", n)
	}
	equal(t, "workload tag", at(r.Inputs, "tags", "platform:workload"), "web")
	equal(t, "component tag", at(r.Inputs, "tags", "platform:component"), "compute")
	equal(t, "extra tag", at(r.Inputs, "tags", "team"), "web")
	checkParentsAndNames(t, g, "p-web")
}

func TestLoadBalancer_InternalOneIsInThePrivateSubnets(t *testing.T) {
	doc := strings.Replace(albDoc, `"kind": "alb",`, `"kind": "alb", "internetFacing": false,`, 1)
	g, _ := buildALB(t, doc, devCtx)
	r := named(t, g, tLB, "p-web")
	equal(t, "internal", r.Inputs["internal"], true)
	equal(t, "subnets", strs(r.Inputs["subnets"]), privateSubnets)
}

func TestLoadBalancer_HTTPListenerOnlyRedirectsToHTTPS(t *testing.T) {
	g, _ := buildALB(t, albDoc, devCtx)
	http := named(t, g, tListener, "p-web-http")
	equal(t, "port", http.Inputs["port"], 80.0)
	actions := http.Inputs["defaultActions"].([]any)
	equal(t, "one action", len(actions), 1)
	equal(t, "action", actions[0], map[string]any{
		"type":     "redirect",
		"redirect": map[string]any{"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"},
	})
	https := named(t, g, tListener, "p-web-https")
	for _, r := range g.OfType(tRule) {
		if r.Inputs["listenerArn"] != https.Outputs["arn"] {
			t.Errorf("rule %s is not on the HTTPS listener", r.Name)
		}
	}
}

func TestLoadBalancer_HTTPSListenerUsesTheCertificateAndTLS13Policy(t *testing.T) {
	g, _ := buildALB(t, albDoc, devCtx)
	https := named(t, g, tListener, "p-web-https")
	equal(t, "port", https.Inputs["port"], 443.0)
	equal(t, "protocol", https.Inputs["protocol"], "HTTPS")
	equal(t, "policy", https.Inputs["sslPolicy"], "ELBSecurityPolicy-TLS13-1-2-2021-06")
	equal(t, "certificate", https.Inputs["certificateArn"], "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789012")
	frontend := named(t, g, tTargetGroup, "p-web-frontend")
	equal(t, "default action", at(https.Inputs, "defaultActions", 0), map[string]any{
		"type": "forward", "targetGroupArn": frontend.Outputs["arn"],
	})
	equal(t, "listeners", len(g.OfType(tListener)), 2)
}

func TestLoadBalancer_OneTargetGroupPerTargetWorkload(t *testing.T) {
	g, a := buildALB(t, albDoc, devCtx)
	tests := []struct {
		name, targetType, path string
		port                   float64
	}{
		{"p-web-api", "ip", "/healthz", 9000},
		{"p-web-frontend", "ip", "/", 8080},
		{"p-web-legacy", "instance", "/", 8081},
	}
	equal(t, "target groups", len(g.OfType(tTargetGroup)), len(tests))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := named(t, g, tTargetGroup, tt.name)
			equal(t, "target type", r.Inputs["targetType"], tt.targetType)
			equal(t, "port", r.Inputs["port"], tt.port)
			equal(t, "protocol", r.Inputs["protocol"], "HTTP")
			equal(t, "vpc", r.Inputs["vpcId"], "vpc-0test")
			equal(t, "health path", at(r.Inputs, "healthCheck", "path"), tt.path)
			equal(t, "matcher", at(r.Inputs, "healthCheck", "matcher"), "200-399")
			if n := r.Inputs["name"].(string); len(n) > 32 {
				t.Errorf("name %q is longer than 32", n)
			}
		})
	}
	equal(t, "exposed ARNs", len(a.TargetGroupARNs), 3)
}

func TestLoadBalancer_OneListenerRulePerRoute(t *testing.T) {
	g, _ := buildALB(t, albDoc, devCtx)
	https := named(t, g, tListener, "p-web-https")
	api := named(t, g, tRule, "p-web-api")
	equal(t, "listener", api.Inputs["listenerArn"], https.Outputs["arn"])
	equal(t, "priority", api.Inputs["priority"], 10.0)
	equal(t, "conditions", api.Inputs["conditions"], []any{
		map[string]any{"hostHeader": map[string]any{"values": []any{"api.example.com"}}},
		map[string]any{"pathPattern": map[string]any{"values": []any{"/v1/*"}}},
	})
	equal(t, "forward", at(api.Inputs, "actions", 0), map[string]any{
		"type": "forward", "targetGroupArn": named(t, g, tTargetGroup, "p-web-api").Outputs["arn"],
	})
	admin := named(t, g, tRule, "p-web-admin")
	equal(t, "admin priority", admin.Inputs["priority"], 20.0)
	equal(t, "admin target", at(admin.Inputs, "actions", 0, "targetGroupArn"), named(t, g, tTargetGroup, "p-web-legacy").Outputs["arn"])
	equal(t, "rules", len(g.OfType(tRule)), 2)
}

func TestLoadBalancer_AccessLogsGoToAPrivateEncryptedExpiringBucket(t *testing.T) {
	g, _ := buildALB(t, albDoc, devCtx)
	bucket := named(t, g, tBucket, "p-web-logs")
	equal(t, "public access block", named(t, g, tPAB, "p-web-logs").Inputs, map[string]any{
		"bucket": bucket.ID, "blockPublicAcls": true, "blockPublicPolicy": true, "ignorePublicAcls": true, "restrictPublicBuckets": true,
	})
	sse := named(t, g, tSSE, "p-web-logs")
	equal(t, "sse", at(sse.Inputs, "rules", 0, "applyServerSideEncryptionByDefault", "sseAlgorithm"), "AES256")
	equal(t, "ownership", at(named(t, g, tOwnership, "p-web-logs").Inputs, "rule", "objectOwnership"), "BucketOwnerEnforced")
	equal(t, "expiry", at(named(t, g, tLifecycle, "p-web-logs").Inputs, "rules", 0, "expiration", "days"), 30.0)

	policy := named(t, g, tBucketPolicy, "p-web-logs")
	doc := jsonIn(t, policy.Inputs["policy"])
	logs := "arn:aws:s3:::" + bucket.ID + "/AWSLogs/" + sim.AccountID + "/*"
	equal(t, "regional ELB account", at(doc, "Statement", 0), map[string]any{
		"Sid": "RegionalELBAccountWritesLogs", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::127311923021:root"},
		"Action": "s3:PutObject", "Resource": logs,
	})
	equal(t, "log delivery service", at(doc, "Statement", 1, "Principal", "Service"), "logdelivery.elasticloadbalancing.amazonaws.com")
	equal(t, "log delivery resource", at(doc, "Statement", 1, "Resource"), logs)
	equal(t, "TLS only", at(doc, "Statement", 2, "Effect"), "Deny")

	lb := named(t, g, tLB, "p-web")
	equal(t, "access logs", lb.Inputs["accessLogs"], map[string]any{"bucket": bucket.ID, "enabled": true})
	if !dependsOn(g, lb, tBucketPolicy, "p-web-logs") {
		t.Error("the alb must wait for the bucket policy")
	}
	if !dependsOn(g, policy, tPAB, "p-web-logs") {
		t.Error("the bucket policy must wait for the public access block")
	}
}

func TestLoadBalancer_AccessLogsOffMeansNoBucket(t *testing.T) {
	doc := strings.Replace(albDoc, `"accessLogs": {"retentionDays": 30}`, `"accessLogs": {"enabled": false}`, 1)
	g, a := buildALB(t, doc, devCtx)
	equal(t, "buckets", len(g.OfType(tBucket)), 0)
	equal(t, "log bucket", a.LogBucket == nil, true)
	_, has := named(t, g, tLB, "p-web").Inputs["accessLogs"]
	equal(t, "access logs input", has, false)
}

func TestLoadBalancer_ProtectionFollowsTheStack(t *testing.T) {
	for _, tt := range []struct {
		name string
		ctx  ValidateContext
	}{{"production", prodCtx}, {"dev", devCtx}} {
		t.Run(tt.name, func(t *testing.T) {
			g, _ := buildALB(t, albDoc, tt.ctx)
			lb := named(t, g, tLB, "p-web")
			equal(t, "deletion protection", lb.Inputs["enableDeletionProtection"], tt.ctx.Protect)
			equal(t, "pulumi protect", lb.Protect, tt.ctx.Protect)
			equal(t, "bucket protect", named(t, g, tBucket, "p-web-logs").Protect, tt.ctx.Protect)
			equal(t, "bucket force destroy", named(t, g, tBucket, "p-web-logs").Inputs["forceDestroy"], !tt.ctx.Protect)
		})
	}
}

func TestLoadBalancer_WithoutCertificateServesPlainHTTPAndSaysSo(t *testing.T) {
	doc := strings.Replace(albDoc, `"certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789012",`, "", 1)
	g, a := buildALB(t, doc, devCtx)
	equal(t, "serves HTTPS", a.ServesHTTPS, false)
	equal(t, "https listener", a.HTTPS == nil, true)
	equal(t, "listeners", len(g.OfType(tListener)), 1)
	http := named(t, g, tListener, "p-web-http")
	equal(t, "forwards", at(http.Inputs, "defaultActions", 0, "type"), "forward")
	for _, r := range g.OfType(tRule) {
		equal(t, r.Name+" listener", r.Inputs["listenerArn"], http.Outputs["arn"])
	}
}

func TestLoadBalancer_TargetGroupARNsWaitForTheListenersThatUseThem(t *testing.T) {
	c := mustConfig(t, albDoc, devCtx)
	g := run(t, func(ctx *pulumi.Context) error {
		a, err := NewLoadBalancer(ctx, "p-web", &LoadBalancerArgs{
			Workload: "web", Spec: *c["web"].ALB, Targets: c.ALBTargets("web"),
			VpcID: pulumi.String("vpc-0test"), PublicSubnetIDs: ids(publicSubnets), PrivateSubnetIDs: ids(privateSubnets),
			SecurityGroupID: pulumi.String("sg-web"), Env: testEnv,
		})
		if err != nil {
			return err
		}
		_, err = NewService(ctx, "p-api", &ServiceArgs{
			Workload: "api", Spec: *c["api"].ECS, ClusterARN: pulumi.String("arn:aws:ecs:us-east-1:123456789012:cluster/p"),
			PrivateSubnetIDs: ids(privateSubnets), SecurityGroupID: pulumi.String("sg-api"),
			TargetGroupARNs: pulumi.StringArray{a.TargetGroupARNs["api"]}, Env: testEnv,
		})
		return err
	})
	svc := named(t, g, tService, "p-api")
	equal(t, "target group", at(svc.Inputs, "loadBalancers", 0, "targetGroupArn"), named(t, g, tTargetGroup, "p-web-api").Outputs["arn"])
	for _, dep := range []struct{ typ, name string }{{tListener, "p-web-https"}, {tListener, "p-web-http"}, {tRule, "p-web-api"}} {
		if !dependsOn(g, svc, dep.typ, dep.name) {
			t.Errorf("the service does not wait for %s", dep.name)
		}
	}
}
