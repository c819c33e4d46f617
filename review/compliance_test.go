package review

import (
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/internal/sim"
)

// breaks holds, for every control, a change to the clean graph that breaks
// it, and the resource the failure must name.
var breaks = map[string]struct {
	mutate   func(b *builder)
	resource string
}{
	"AutoScaling.1": {func(b *builder) { b.set("web-asg", "healthCheckType", "EC2") }, "web-asg"},
	"AutoScaling.2": {func(b *builder) {
		b.set("web-asg", "vpcZoneIdentifiers", list("subnet-priv-a"))
		b.get("web-asg").PropertyDependencies["vpcZoneIdentifiers"] = []string{urnOf(tSubnet, "priv-a")}
	}, "web-asg"},
	"AutoScaling.6": {func(b *builder) {
		b.del("web-asg", "mixedInstancesPolicy").set("web-asg", "launchTemplate", obj{"id": "lt-1", "version": "1"})
	}, "web-asg"},
	"AutoScaling.9": {func(b *builder) {
		b.del("web-asg", "mixedInstancesPolicy").set("web-asg", "launchConfiguration", "web-lc")
	}, "web-asg"},
	"EC2.2": {func(b *builder) {
		b.set("default-sg", "ingress", list(obj{"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "self": true}))
	}, "default-sg"},
	"EC2.6":   {func(b *builder) { b.remove("flow-log") }, "vpc"},
	"EC2.8":   {func(b *builder) { b.set("web-lt", "metadataOptions.httpTokens", "optional") }, "web-lt"},
	"EC2.9":   {func(b *builder) { b.set("web-lt", "networkInterfaces", list(obj{"associatePublicIpAddress": "true"})) }, "web-lt"},
	"EC2.10":  {func(b *builder) { b.remove("vpce-ec2") }, "vpc"},
	"EC2.15":  {func(b *builder) { b.set("pub-a", "mapPublicIpOnLaunch", true) }, "pub-a"},
	"EC2.18":  {func(b *builder) { ingressRule(b, "alb-8443-in", "alb-sg", "tcp", 8443, 8443, "cidrIpv4", "0.0.0.0/0") }, "alb-8443-in"},
	"EC2.19":  {func(b *builder) { ingressRule(b, "db-in", "app-sg", "tcp", 5432, 5432, "cidrIpv6", "::/0") }, "db-in"},
	"EC2.25":  {func(b *builder) { b.set("web-lt", "networkInterfaces", list(obj{"associatePublicIpAddress": "true"})) }, "web-lt"},
	"EC2.51":  {func(b *builder) { b.set("vpn", "connectionLogOptions.enabled", false) }, "vpn"},
	"EC2.53":  {func(b *builder) { ingressRule(b, "ssh-in", "app-sg", "tcp", 22, 22, "cidrIpv4", "0.0.0.0/0") }, "ssh-in"},
	"EC2.54":  {func(b *builder) { ingressRule(b, "rdp-in", "app-sg", "-1", 0, 0, "cidrIpv6", "::/0") }, "rdp-in"},
	"EC2.55":  {func(b *builder) { b.remove("vpce-ecr.api") }, "vpc"},
	"EC2.56":  {func(b *builder) { b.remove("vpce-ecr.dkr") }, "vpc"},
	"EC2.57":  {func(b *builder) { b.remove("vpce-ssm") }, "vpc"},
	"EC2.170": {func(b *builder) { b.del("web-lt", "metadataOptions.httpTokens") }, "web-lt"},
	"EC2.181": {func(b *builder) {
		b.set("web-lt", "blockDeviceMappings", list(obj{"deviceName": "/dev/xvda", "ebs": obj{"encrypted": "false"}}))
	}, "web-lt"},
	"ECS.2": {func(b *builder) { b.set("api", "networkConfiguration.assignPublicIp", true) }, "api"},
	"ECS.3": {func(b *builder) { b.set("api-task", "pidMode", "host") }, "api-task"},
	"ECS.4": {func(b *builder) {
		c := goodContainer()
		c["privileged"] = true
		b.set("api-task", "containerDefinitions", containerJSON(c))
	}, "api-task"},
	"ECS.5": {func(b *builder) {
		c := goodContainer()
		c["readonlyRootFilesystem"] = false
		b.set("api-task", "containerDefinitions", containerJSON(c))
	}, "api-task"},
	"ECS.8": {func(b *builder) {
		c := goodContainer()
		c["environment"] = list(obj{"name": "AWS_SECRET_ACCESS_KEY", "value": "x"})
		b.set("api-task", "containerDefinitions", containerJSON(c))
	}, "api-task"},
	"ECS.9": {func(b *builder) {
		c := goodContainer()
		delete(c, "logConfiguration")
		b.set("api-task", "containerDefinitions", containerJSON(c))
	}, "api-task"},
	"ECS.10": {func(b *builder) { b.set("api", "platformVersion", "1.3.0") }, "api"},
	"ECS.12": {func(b *builder) {
		b.set("cluster", "settings", list(obj{"name": "containerInsights", "value": "disabled"}))
	}, "cluster"},
	"ECS.16":        {func(b *builder) { b.set("api-canary", "networkConfiguration.assignPublicIp", true) }, "api-canary"},
	"ElastiCache.1": {func(b *builder) { b.set("cache", "snapshotRetentionLimit", 0.0) }, "cache"},
	"ElastiCache.2": {func(b *builder) { b.set("cache", "autoMinorVersionUpgrade", false) }, "cache"},
	"ElastiCache.3": {func(b *builder) { b.set("cache", "automaticFailoverEnabled", false) }, "cache"},
	"ElastiCache.4": {func(b *builder) { b.del("cache", "atRestEncryptionEnabled") }, "cache"},
	"ElastiCache.5": {func(b *builder) { b.set("cache", "transitEncryptionEnabled", false) }, "cache"},
	"ElastiCache.6": {func(b *builder) { b.del("cache", "authToken") }, "cache"},
	"ElastiCache.7": {func(b *builder) { b.set("cache", "subnetGroupName", "default") }, "cache"},
	"ELB.1": {func(b *builder) {
		b.add(tListener, "alb-http", "alb-http", obj{"loadBalancerArn": "alb-arn", "port": 80.0, "protocol": "HTTP",
			"defaultActions": list(obj{"type": "forward", "targetGroupArn": "tg"})}).link("alb-http", "loadBalancerArn", "alb")
	}, "alb-http"},
	"ELB.4":  {func(b *builder) { b.set("alb", "dropInvalidHeaderFields", false) }, "alb"},
	"ELB.5":  {func(b *builder) { b.set("alb", "accessLogs.enabled", false) }, "alb"},
	"ELB.6":  {func(b *builder) { b.set("alb", "enableDeletionProtection", false) }, "alb"},
	"ELB.12": {func(b *builder) { b.set("alb", "desyncMitigationMode", "monitor") }, "alb"},
	"ELB.13": {func(b *builder) {
		b.set("alb", "subnets", list("subnet-pub-a"))
		b.get("alb").PropertyDependencies["subnets"] = []string{urnOf(tSubnet, "pub-a")}
	}, "alb"},
	"ELB.17": {func(b *builder) { b.set("alb-https", "sslPolicy", "ELBSecurityPolicy-TLS13-1-2-2021-06") }, "alb-https"},
	"ELB.18": {func(b *builder) { b.set("alb-https", "protocol", "HTTP").del("alb-https", "sslPolicy") }, "alb-https"},
	"IAM.1": {func(b *builder) {
		b.set("web-role-reach-db", "policy", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	}, "web-role-reach-db"},
	"IAM.21": {func(b *builder) {
		b.set("web-role-reach-db", "policy", `{"Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":"arn:aws:s3:::b/*"}]}`)
	}, "web-role-reach-db"},
	"Lambda.1": {func(b *builder) {
		b.add(tLambdaPerm, "fn-public", "fn-public", obj{"function": "fn", "principal": "*", "action": "lambda:InvokeFunction"})
	}, "fn-public"},
	"Lambda.2": {func(b *builder) { b.set("fn", "runtime", "python3.8") }, "fn"},
	"Lambda.3": {func(b *builder) { b.del("fn", "vpcConfig") }, "fn"},
	"Lambda.5": {func(b *builder) {
		b.set("fn", "vpcConfig.subnetIds", list("subnet-priv-a"))
		b.get("fn").PropertyDependencies["vpcConfig"] = []string{urnOf(tSubnet, "priv-a")}
	}, "fn"},
	"RDS.2":  {func(b *builder) { b.set("pg-1", "publiclyAccessible", true) }, "pg-1"},
	"RDS.3":  {func(b *builder) { b.set("pg", "storageEncrypted", false) }, "pg-1"},
	"RDS.7":  {func(b *builder) { b.set("pg", "deletionProtection", false) }, "pg"},
	"RDS.12": {func(b *builder) { b.del("pg", "iamDatabaseAuthenticationEnabled") }, "pg"},
	"RDS.13": {func(b *builder) { b.set("my-2", "autoMinorVersionUpgrade", false) }, "my-2"},
	"RDS.15": {func(b *builder) { b.remove("pg-2") }, "pg"},
	"RDS.16": {func(b *builder) { b.set("my", "copyTagsToSnapshot", false) }, "my"},
	"RDS.24": {func(b *builder) { b.set("pg", "masterUsername", "postgres") }, "pg"},
	"RDS.27": {func(b *builder) { b.del("my", "storageEncrypted") }, "my"},
	"RDS.34": {func(b *builder) { b.set("my", "enabledCloudwatchLogsExports", list("error", "slowquery")) }, "my"},
	"RDS.37": {func(b *builder) { b.set("pg", "enabledCloudwatchLogsExports", list()) }, "pg"},
	"SSM.1":  {func(b *builder) { b.remove("web-role-ssm") }, "web-lt"},
	"Backup.1": {func(b *builder) {
		b.del("vault", "kmsKeyArn")
		delete(b.get("vault").PropertyDependencies, "kmsKeyArn")
	}, "vault"},
	"KMS.4":           {func(b *builder) { b.set("data-key", "enableKeyRotation", false) }, "data-key"},
	"RDS.26":          {func(b *builder) { b.remove("sel-my") }, "my"},
	"StepFunctions.1": {func(b *builder) { b.set("copies", "loggingConfiguration.level", "OFF") }, "copies"},

	"SQS.1":         {func(b *builder) { b.set("dlq", "sqsManagedSseEnabled", false) }, "dlq"},
	"SNS.1":         {func(b *builder) { b.del("alarms", "kmsMasterKeyId") }, "alarms"},
	"CloudWatch.15": {func(b *builder) { b.set("cpu", "alarmActions", list()) }, "cpu"},
	"CloudWatch.17": {func(b *builder) { b.set("cpu", "actionsEnabled", false) }, "cpu"},
	"WAF.10":        {func(b *builder) { b.set("acl", "rules", list()) }, "acl"},
	"WAF.11":        {func(b *builder) { b.remove("acl-logs") }, "acl"},
	"WAF.12": {func(b *builder) {
		b.set("acl", "rules", list(obj{"name": "rate", "visibilityConfig": obj{"cloudwatchMetricsEnabled": false}}))
	}, "acl"},
	"ELB.16": {func(b *builder) { b.remove("acl-alb") }, "alb"},
	"ACM.2":  {func(b *builder) { b.set("cert", "keyAlgorithm", "RSA_1024") }, "cert"},
}

func TestCatalogue_IDsUniqueSortedTitledAndEachHasABreakingCase(t *testing.T) {
	seen := map[string]bool{}
	ids := ControlIDs()
	for i, c := range Controls() {
		switch {
		case seen[c.ID]:
			t.Errorf("%s: duplicate ID", c.ID)
		case c.Title == "" || c.Checks == "" || c.Standard == "" || c.check == nil:
			t.Errorf("%s: missing title, checks, standard or check", c.ID)
		case i > 0 && !controlLess(ids[i-1], c.ID):
			t.Errorf("%s is out of order after %s", c.ID, ids[i-1])
		}
		seen[c.ID] = true
		if _, ok := breaks[c.ID]; !ok {
			t.Errorf("%s: no case in breaks shows the check failing", c.ID)
		}
	}
	for id := range breaks {
		if !seen[id] {
			t.Errorf("breaks has %s, which is not in the catalogue", id)
		}
	}
	if !controlLess("EC2.9", "EC2.10") || !controlLess("EC2.57", "EC2.170") || controlLess("EC2.10", "EC2.9") {
		t.Error("controls must sort numerically within a service")
	}
}

func TestEvaluate_CleanGraphPassesEveryControl(t *testing.T) {
	rs := Evaluate(cleanGraph().graph(), ComplianceConfig{})
	if len(rs) != len(Controls()) {
		t.Fatalf("%d results for %d controls", len(rs), len(Controls()))
	}
	for _, r := range rs {
		if r.Status != StatusPass || r.Checked == 0 || len(r.Findings) > 0 || r.Note != "" {
			t.Errorf("%s: %s (checked %d, note %q), findings %v; the clean graph must pass every control", r.ID, r.Status, r.Checked, r.Note, r.Findings)
		}
	}
}

func TestEvaluate_EachControlFailsOnTheGraphThatBreaksIt(t *testing.T) {
	for _, id := range ControlIDs() {
		c, ok := breaks[id]
		if !ok {
			continue // reported by the catalogue test
		}
		t.Run(id, func(t *testing.T) {
			b := cleanGraph()
			c.mutate(b)
			r := result(t, Evaluate(b.graph(), ComplianceConfig{}), id)
			if r.Status != StatusFail {
				t.Fatalf("%s is %s; want fail", id, r.Status)
			}
			named := false
			for _, f := range r.Findings {
				if f.Detail == "" {
					t.Errorf("finding without detail: %+v", f)
				}
				named = named || f.Resource == c.resource
			}
			if !named {
				t.Errorf("findings %v do not name %s", r.Findings, c.resource)
			}
			if len(Failed([]Result{r})) != 1 {
				t.Error("Failed must return a failing, unaccepted result")
			}
			ctl, _ := LookupControl(id)
			if alone := ctl.Check(b.graph()); !reflect.DeepEqual(alone, r) {
				t.Errorf("Control.Check %+v differs from Evaluate %+v", alone, r)
			}
		})
	}
}

func TestEvaluate_EmptyGraphIsNotApplicableEverywhere(t *testing.T) {
	for _, r := range Evaluate(&sim.Graph{}, ComplianceConfig{}) {
		if r.Status != StatusNotApplicable || r.Checked != 0 {
			t.Errorf("%s: %s with %d checked on an empty graph", r.ID, r.Status, r.Checked)
		}
	}
	if Failed(Evaluate(nil, ComplianceConfig{})) != nil {
		t.Error("a nil graph fails nothing")
	}
}

func TestEvaluate_AcceptedFailingControlReportsTheReason(t *testing.T) {
	b := cleanGraph()
	b.set("alb", "enableDeletionProtection", false)
	cfg := ComplianceConfig{Accept: map[string]string{"ELB.6": "  dev stack: torn down nightly  "}}
	rs := Evaluate(b.graph(), cfg)
	r := result(t, rs, "ELB.6")
	if r.Status != StatusAccepted || r.Reason != "dev stack: torn down nightly" {
		t.Fatalf("got %s with reason %q; want accepted with the trimmed reason", r.Status, r.Reason)
	}
	if len(r.Findings) != 1 || r.Findings[0].Resource != "alb" {
		t.Errorf("an accepted control keeps its findings, got %v", r.Findings)
	}
	if len(Failed(rs)) != 0 {
		t.Errorf("an accepted control is not failed: %v", Failed(rs))
	}
	text := RenderComplianceTable(rs)
	for _, want := range []string{"ELB.6", "accepted", "accepted: dev stack: torn down nightly", "1 accepted"} {
		if !strings.Contains(text, want) {
			t.Errorf("table lacks %q:\n%s", want, text)
		}
	}
	if md := RenderComplianceMarkdown(rs); !strings.Contains(md, "- accepted: dev stack: torn down nightly") {
		t.Errorf("markdown lacks the reason:\n%s", md)
	}
}

func TestEvaluate_AcceptedPassingControlSaysTheAcceptanceIsUnnecessary(t *testing.T) {
	rs := Evaluate(cleanGraph().graph(), ComplianceConfig{Accept: map[string]string{"ELB.6": "just in case"}})
	r := result(t, rs, "ELB.6")
	if r.Status != StatusPass || r.Reason != "" {
		t.Fatalf("got %s (reason %q); a passing control stays pass", r.Status, r.Reason)
	}
	want := "accepted in platform:compliance.accept.ELB.6 but passing: the acceptance is unnecessary; remove it"
	if r.Note != want {
		t.Errorf("note %q, want %q", r.Note, want)
	}
	if !strings.Contains(RenderComplianceTable(rs), "ELB.6: "+want) {
		t.Error("the table must show the note")
	}
	na := result(t, Evaluate(&sim.Graph{}, ComplianceConfig{Accept: map[string]string{"ELB.6": "x"}}), "ELB.6")
	if na.Status != StatusNotApplicable || !strings.Contains(na.Note, "the acceptance is unnecessary") {
		t.Errorf("not applicable but accepted: %s, note %q", na.Status, na.Note)
	}
}

func TestComplianceConfig_RejectsUnknownControlsAndEmptyReasons(t *testing.T) {
	raw := obj{"accept": obj{
		"EC2.99": "typo",
		"ec2.2":  "wrong case",
		"S3.1":   "not ours",
		"ELB.6":  "",
		"RDS.7":  "   ",
		"ECS.5":  "the app writes to /tmp; tracked in PLAT-12",
	}}
	_, err := ParseCompliance("platform:compliance", raw)
	got := problems.Messages(err)
	want := []string{
		`platform:compliance.accept.EC2.99: "EC2.99" is not a control this review checks; did you mean "EC2.9"?`,
		`platform:compliance.accept.ELB.6: the reason is empty; write why this stack accepts failing ELB.6 (Application, Gateway, and Network Load Balancers should have deletion protection enabled)`,
		`platform:compliance.accept.RDS.7: the reason is empty; write why this stack accepts failing RDS.7 (RDS clusters should have deletion protection enabled)`,
		`platform:compliance.accept.S3.1: "S3.1" is not a control this review checks; did you mean "SNS.1"?`,
		`platform:compliance.accept.ec2.2: "ec2.2" is not a control this review checks; did you mean "EC2.2"?`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestComplianceConfig_DecodeIsStrict(t *testing.T) {
	_, err := ParseCompliance("platform:compliance", obj{"acept": obj{"ELB.6": "x"}})
	want := []string{`platform:compliance.acept: unknown key; did you mean "accept"?`}
	if got := problems.Messages(err); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	_, err = ParseCompliance("platform:compliance", obj{"accept": obj{"ELB.6": 3.0}})
	want = []string{`platform:compliance.accept.ELB.6: want a string, got the number 3; quote it in the stack file ("3")`}
	if got := problems.Messages(err); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	cfg, err := ParseCompliance("platform:compliance", obj{"accept": obj{"ELB.6": "dev only"}})
	if err != nil || cfg.Accept["ELB.6"] != "dev only" {
		t.Errorf("a valid value: %+v, %v", cfg, err)
	}
	if cfg, err := ParseCompliance("platform:compliance", nil); err != nil || len(cfg.Accept) != 0 {
		t.Errorf("an absent value accepts nothing: %+v, %v", cfg, err)
	}
}

func TestEvaluate_IsDeterministicWhateverTheResourceOrder(t *testing.T) {
	b := cleanGraph()
	b.set("alb", "enableDeletionProtection", false).set("pub-a", "mapPublicIpOnLaunch", true).set("pub-b", "mapPublicIpOnLaunch", true)
	ingressRule(b, "wide", "app-sg", "-1", 0, 0, "cidrIpv4", "0.0.0.0/0")
	g := b.graph()
	want := Evaluate(g, ComplianceConfig{})
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 5; i++ {
		shuffled := &sim.Graph{Resources: append([]sim.Resource(nil), g.Resources...)}
		rng.Shuffle(len(shuffled.Resources), func(i, j int) {
			shuffled.Resources[i], shuffled.Resources[j] = shuffled.Resources[j], shuffled.Resources[i]
		})
		if got := Evaluate(shuffled, ComplianceConfig{}); !reflect.DeepEqual(got, want) {
			t.Fatal("the result depends on the order of the graph's resources")
		}
		if RenderComplianceTable(Evaluate(shuffled, ComplianceConfig{})) != RenderComplianceTable(want) {
			t.Fatal("the table depends on the order of the graph's resources")
		}
	}
}

func TestEvaluate_Specifics(t *testing.T) {
	t.Run("an imported subnet is reported, not exempt", func(t *testing.T) {
		b := cleanGraph()
		b.set("pub-a", "mapPublicIpOnLaunch", true)
		b.get("pub-a").ImportID = "subnet-0legacy"
		r := result(t, Evaluate(b.graph(), ComplianceConfig{}), "EC2.15")
		if r.Status != StatusFail || !strings.Contains(r.Findings[0].Detail, "imported subnet subnet-0legacy") {
			t.Errorf("got %s %v", r.Status, r.Findings)
		}
	})
	t.Run("a VPC without a managed default group fails EC2.2", func(t *testing.T) {
		b := cleanGraph()
		b.remove("default-sg")
		r := result(t, Evaluate(b.graph(), ComplianceConfig{}), "EC2.2")
		if r.Status != StatusFail || r.Findings[0].Resource != "vpc" {
			t.Errorf("got %s %v", r.Status, r.Findings)
		}
	})
	t.Run("a redirect-only port-80 listener passes ELB.1 and still fails ELB.18", func(t *testing.T) {
		b := cleanGraph()
		b.add(tListener, "alb-http", "alb-http", obj{"port": 80.0, "protocol": "HTTP",
			"defaultActions": list(obj{"type": "redirect", "redirect": obj{"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}})}).
			link("alb-http", "loadBalancerArn", "alb")
		rs := Evaluate(b.graph(), ComplianceConfig{})
		if r := result(t, rs, "ELB.1"); r.Status != StatusPass {
			t.Errorf("ELB.1 %s %v", r.Status, r.Findings)
		}
		if r := result(t, rs, "ELB.18"); r.Status != StatusFail || !strings.Contains(r.Findings[0].Detail, "only redirects") {
			t.Errorf("ELB.18 %s %v", r.Status, r.Findings)
		}
	})
	t.Run("rules by group or from a private range are not unrestricted", func(t *testing.T) {
		rs := Evaluate(cleanGraph().graph(), ComplianceConfig{})
		for _, id := range []string{"EC2.18", "EC2.19", "EC2.53"} {
			if r := result(t, rs, id); r.Status != StatusPass {
				t.Errorf("%s: %s %v (port 22 from the VPN range and 8080 by group ID are fine)", id, r.Status, r.Findings)
			}
		}
	})
	t.Run("a port range from the world covering 22 fails EC2.18, EC2.19 and EC2.53", func(t *testing.T) {
		b := cleanGraph()
		ingressRule(b, "range", "app-sg", "tcp", 0, 1024, "cidrIpv4", "0.0.0.0/0")
		rs := Evaluate(b.graph(), ComplianceConfig{})
		for _, id := range []string{"EC2.18", "EC2.19", "EC2.53"} {
			if r := result(t, rs, id); r.Status != StatusFail {
				t.Errorf("%s: %s", id, r.Status)
			}
		}
		if r := result(t, rs, "EC2.54"); r.Status != StatusPass {
			t.Errorf("EC2.54 is about ::/0 only: %s", r.Status)
		}
	})
	t.Run("inline and legacy rules count too", func(t *testing.T) {
		b := cleanGraph()
		b.set("app-sg", "ingress", list(obj{"protocol": "tcp", "fromPort": 3389.0, "toPort": 3389.0, "cidrBlocks": list("0.0.0.0/0")}))
		b.add(tLegacyRule, "legacy", "sgr-legacy", obj{"type": "ingress", "protocol": "6", "fromPort": 22.0, "toPort": 22.0, "securityGroupId": "sg-app", "ipv6CidrBlocks": list("::/0")})
		rs := Evaluate(b.graph(), ComplianceConfig{})
		if r := result(t, rs, "EC2.53"); len(r.Findings) != 1 || r.Findings[0].Resource != "app-sg" {
			t.Errorf("EC2.53 %v", r.Findings)
		}
		if r := result(t, rs, "EC2.54"); len(r.Findings) != 1 || r.Findings[0].Resource != "legacy" {
			t.Errorf("EC2.54 %v", r.Findings)
		}
	})
	t.Run("instances launched into a public-IP subnet fail EC2.9", func(t *testing.T) {
		b := cleanGraph()
		b.set("priv-a", "mapPublicIpOnLaunch", true)
		r := result(t, Evaluate(b.graph(), ComplianceConfig{}), "EC2.9")
		if r.Status != StatusFail || r.Findings[0].Resource != "web-asg" {
			t.Errorf("got %s %v", r.Status, r.Findings)
		}
	})
	t.Run("Redis 6 and later are not asked for AUTH by ElastiCache.6", func(t *testing.T) {
		b := cleanGraph()
		b.set("cache", "engineVersion", "7.1").del("cache", "authToken")
		if r := result(t, Evaluate(b.graph(), ComplianceConfig{}), "ElastiCache.6"); r.Status != StatusNotApplicable {
			t.Errorf("got %s", r.Status)
		}
	})
	t.Run("a secret auth token counts as set", func(t *testing.T) {
		b := cleanGraph()
		b.set("cache", "authToken", obj{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "x"})
		if r := result(t, Evaluate(b.graph(), ComplianceConfig{}), "ElastiCache.6"); r.Status != StatusPass {
			t.Errorf("got %s %v", r.Status, r.Findings)
		}
	})
}

func TestIAMControls_ReadEveryStatementAsSecurityHubWould(t *testing.T) {
	for _, tt := range []struct {
		name        string
		doc         string
		iam1, iam21 bool // fails
	}{
		{"a scoped grant", `{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`, false, false},
		{"admin", `{"Statement":[{"Effect":"Allow","Action":["*"],"Resource":["*"]}]}`, true, true},
		{"every action of a service, scoped", `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b"}}`, false, true},
		{"NotAction on everything", `{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}`, true, true},
		{"a Deny of everything", `{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`, false, false},
		{"an action without resource-level permissions on *", `{"Statement":[{"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}]}`, false, false},
	} {
		b := cleanGraph()
		b.set("web-role-reach-db", "policy", tt.doc)
		rs := Evaluate(b.graph(), ComplianceConfig{})
		if got := result(t, rs, "IAM.1").Status == StatusFail; got != tt.iam1 {
			t.Errorf("%s: IAM.1 fails=%v, want %v", tt.name, got, tt.iam1)
		}
		if got := result(t, rs, "IAM.21").Status == StatusFail; got != tt.iam21 {
			t.Errorf("%s: IAM.21 fails=%v, want %v", tt.name, got, tt.iam21)
		}
	}
}
