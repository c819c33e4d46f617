package review

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/acme/platform/internal/sim"
)

type obj = map[string]any

func list(xs ...any) []any { return xs }

// builder makes hand-built graphs. Resource names are unique within one.
type builder struct {
	rs    []sim.Resource
	index map[string]int
}

func newBuilder() *builder { return &builder{index: map[string]int{}} }

func urnOf(typ, name string) string { return "urn:pulumi:test::platform::" + typ + "::" + name }

// add registers a cloud resource.
func (b *builder) add(typ, name, id string, in obj) *builder {
	if _, dup := b.index[name]; dup {
		panic("duplicate name " + name)
	}
	if in == nil {
		in = obj{}
	}
	b.index[name] = len(b.rs)
	b.rs = append(b.rs, sim.Resource{URN: urnOf(typ, name), Type: typ, Name: name, ID: id, Custom: true, Inputs: in})
	return b
}

// component registers a component resource.
func (b *builder) component(typ, name, parent string) *builder {
	b.index[name] = len(b.rs)
	r := sim.Resource{URN: urnOf(typ, name), Type: typ, Name: name}
	if parent != "" {
		r.Parent = b.get(parent).URN
	}
	b.rs = append(b.rs, r)
	return b
}

// under makes name a child of the component parent.
func (b *builder) under(name, parent string) *builder {
	b.rs[b.index[name]].Parent = b.get(parent).URN
	return b
}

func (b *builder) get(name string) *sim.Resource {
	i, ok := b.index[name]
	if !ok {
		panic("no resource " + name)
	}
	return &b.rs[i]
}

// link records that from's input prop depends on the resources named to.
func (b *builder) link(from, prop string, to ...string) *builder {
	r := b.get(from)
	if r.PropertyDependencies == nil {
		r.PropertyDependencies = map[string][]string{}
	}
	for _, t := range to {
		u := b.get(t).URN
		r.PropertyDependencies[prop] = append(r.PropertyDependencies[prop], u)
		r.Dependencies = append(r.Dependencies, u)
	}
	return b
}

// dependsOn records an explicit dependency (no property).
func (b *builder) dependsOn(from string, to ...string) *builder {
	r := b.get(from)
	for _, t := range to {
		r.Dependencies = append(r.Dependencies, b.get(t).URN)
	}
	return b
}

// set writes v at a dotted path of name's inputs, creating objects.
func (b *builder) set(name, path string, v any) *builder {
	m := b.get(name).Inputs
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = obj{}
			m[p] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = v
	return b
}

// del removes the input at a dotted path.
func (b *builder) del(name, path string) *builder {
	m := b.get(name).Inputs
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			return b
		}
		m = next
	}
	delete(m, parts[len(parts)-1])
	return b
}

// remove drops a resource and every reference to it.
func (b *builder) remove(name string) *builder {
	i := b.index[name]
	urn := b.rs[i].URN
	b.rs = append(b.rs[:i], b.rs[i+1:]...)
	b.index = map[string]int{}
	for j := range b.rs {
		b.index[b.rs[j].Name] = j
		b.rs[j].Dependencies = without(b.rs[j].Dependencies, urn)
		for k, us := range b.rs[j].PropertyDependencies {
			b.rs[j].PropertyDependencies[k] = without(us, urn)
		}
	}
	return b
}

func without(us []string, u string) []string {
	var out []string
	for _, x := range us {
		if x != u {
			out = append(out, x)
		}
	}
	return out
}

// graph returns a deep copy of the resources as a graph, sorted by URN.
func (b *builder) graph() *sim.Graph {
	raw, err := json.Marshal(b.rs)
	if err != nil {
		panic(err)
	}
	var rs []sim.Resource
	if err := json.Unmarshal(raw, &rs); err != nil {
		panic(err)
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].URN < rs[j].URN })
	return &sim.Graph{Project: "platform", Stack: "test", Resources: rs}
}

func containerJSON(c obj) string {
	raw, err := json.Marshal([]any{c})
	if err != nil {
		panic(err)
	}
	return string(raw)
}

func goodContainer() obj {
	return obj{
		"name": "app", "image": "app:1", "essential": true,
		"readonlyRootFilesystem": true,
		"logConfiguration":       obj{"logDriver": "awslogs", "options": obj{"awslogs-group": "/ecs/app"}},
		"environment":            list(obj{"name": "LOG_LEVEL", "value": "info"}),
	}
}

func ingressRule(b *builder, name, sg string, proto string, from, to float64, cidrKey, cidr string) {
	in := obj{"securityGroupId": b.get(sg).ID, "ipProtocol": proto, "fromPort": from, "toPort": to}
	if cidrKey != "" {
		in[cidrKey] = cidr
	}
	b.add(tIngress, name, "sgr-"+name, in).link(name, "securityGroupId", sg)
}

// cleanGraph is a platform that passes every control: one of each resource
// the catalogue reads, configured the way the controls ask.
func cleanGraph() *builder {
	b := newBuilder()
	b.add(tVpc, "vpc", "vpc-1", obj{"cidrBlock": "10.0.0.0/16"})
	b.add(tDefaultSG, "default-sg", "sg-default", obj{"vpcId": "vpc-1"}).link("default-sg", "vpcId", "vpc")
	b.add(tFlowLog, "flow-log", "fl-1", obj{"vpcId": "vpc-1", "trafficType": "ALL"}).link("flow-log", "vpcId", "vpc")
	for _, tier := range []string{"pub", "priv", "iso"} {
		for _, az := range []string{"a", "b", "c"} {
			n := tier + "-" + az
			b.add(tSubnet, n, "subnet-"+n, obj{"vpcId": "vpc-1", "availabilityZone": "us-east-1" + az, "mapPublicIpOnLaunch": false}).link(n, "vpcId", "vpc")
		}
	}
	priv := list("subnet-priv-a", "subnet-priv-b", "subnet-priv-c")
	for _, svc := range []string{"ec2", "ecr.api", "ecr.dkr", "ssm"} {
		n := "vpce-" + svc
		b.add(tEndpoint, n, "vpce-"+svc, obj{"vpcId": "vpc-1", "vpcEndpointType": "Interface", "serviceName": "com.amazonaws.us-east-1." + svc, "subnetIds": priv}).
			link(n, "vpcId", "vpc").link(n, "subnetIds", "priv-a", "priv-b", "priv-c")
	}
	b.add(tEndpoint, "vpce-s3", "vpce-s3", obj{"vpcId": "vpc-1", "vpcEndpointType": "Gateway", "serviceName": "com.amazonaws.us-east-1.s3"}).link("vpce-s3", "vpcId", "vpc")

	b.add(tSG, "alb-sg", "sg-alb", obj{"vpcId": "vpc-1"})
	b.add(tSG, "app-sg", "sg-app", obj{"vpcId": "vpc-1"})
	ingressRule(b, "alb-https-in", "alb-sg", "tcp", 443, 443, "cidrIpv4", "0.0.0.0/0")
	ingressRule(b, "alb-https-in6", "alb-sg", "tcp", 443, 443, "cidrIpv6", "::/0")
	ingressRule(b, "app-in", "app-sg", "tcp", 8080, 8080, "referencedSecurityGroupId", "sg-alb")
	ingressRule(b, "app-vpn-in", "app-sg", "tcp", 22, 22, "cidrIpv4", "10.200.0.0/22")

	b.add(tVPNEndpoint, "vpn", "cvpn-endpoint-1", obj{"clientCidrBlock": "10.200.0.0/22", "connectionLogOptions": obj{"enabled": true, "cloudwatchLogGroup": "/vpn"}})
	b.add(tVPNAssoc, "vpn-assoc-a", "cvpn-assoc-a", obj{"clientVpnEndpointId": "cvpn-endpoint-1", "subnetId": "subnet-iso-a"}).link("vpn-assoc-a", "clientVpnEndpointId", "vpn")

	b.add(tRole, "web-role", "web-role", obj{"assumeRolePolicy": "{}"})
	b.add(tRoleAttach, "web-role-ssm", "web-role-ssm", obj{"role": "web-role", "policyArn": "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}).link("web-role-ssm", "role", "web-role")
	b.add(tInstanceProf, "web-profile", "web-profile", obj{"role": "web-role"}).link("web-profile", "role", "web-role")
	b.add(tRolePolicy, "web-role-reach-db", "web-role-reach-db", obj{"role": "web-role",
		"policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["secretsmanager:GetSecretValue"],"Resource":"arn:aws:secretsmanager:us-east-1:123456789012:secret:db"}]}`}).
		link("web-role-reach-db", "role", "web-role")
	b.add(tLaunchTmpl, "web-lt", "lt-1", obj{
		"iamInstanceProfile":  obj{"arn": "arn:aws:iam::123456789012:instance-profile/web-profile"},
		"metadataOptions":     obj{"httpEndpoint": "enabled", "httpTokens": "required"},
		"blockDeviceMappings": list(obj{"deviceName": "/dev/xvda", "ebs": obj{"encrypted": "true", "volumeSize": 20.0}}),
		"vpcSecurityGroupIds": list("sg-app"),
	}).link("web-lt", "iamInstanceProfile", "web-profile")
	b.add(tASG, "web-asg", "web-asg", obj{
		"vpcZoneIdentifiers": priv,
		"mixedInstancesPolicy": obj{"launchTemplate": obj{
			"launchTemplateSpecification": obj{"launchTemplateId": "lt-1", "version": "1"},
			"overrides":                   list(obj{"instanceType": "t3.small"}, obj{"instanceType": "t3a.small"}),
		}},
		"targetGroupArns": list("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1"),
		"healthCheckType": "ELB",
	}).link("web-asg", "vpcZoneIdentifiers", "priv-a", "priv-b", "priv-c").link("web-asg", "mixedInstancesPolicy", "web-lt")

	b.add(tECSCluster, "cluster", "cluster", obj{"settings": list(obj{"name": "containerInsights", "value": "enabled"})})
	b.add(tECSTaskDef, "api-task", "api-task", obj{"family": "api", "networkMode": "awsvpc", "containerDefinitions": containerJSON(goodContainer())})
	b.add(tECSService, "api", "api", obj{"launchType": "FARGATE", "platformVersion": "LATEST",
		"networkConfiguration": obj{"subnets": priv, "securityGroups": list("sg-app"), "assignPublicIp": false}})
	b.add(tECSTaskSet, "api-canary", "api-canary", obj{"networkConfiguration": obj{"subnets": priv, "assignPublicIp": false}})

	b.add(tLambda, "fn", "fn", obj{"runtime": "python3.13", "handler": "app.handler",
		"vpcConfig": obj{"subnetIds": list("subnet-priv-a", "subnet-priv-b"), "securityGroupIds": list("sg-app")}}).
		link("fn", "vpcConfig", "priv-a", "priv-b")
	b.add(tLambdaPerm, "fn-events", "fn-events", obj{"function": "fn", "principal": "events.amazonaws.com", "sourceArn": "arn:aws:events:us-east-1:123456789012:rule/nightly"})

	for _, c := range []struct{ name, engine, export string }{{"pg", "aurora-postgresql", "postgresql"}, {"my", "aurora-mysql", "audit"}} {
		b.add(tRDSCluster, c.name, c.name+"-cluster", obj{"engine": c.engine, "storageEncrypted": true, "deletionProtection": true,
			"iamDatabaseAuthenticationEnabled": true, "copyTagsToSnapshot": true, "masterUsername": "dbadmin",
			"backupRetentionPeriod": 14.0, "enabledCloudwatchLogsExports": list(c.export)})
		for i, az := range []string{"a", "b"} {
			n := c.name + "-" + string(rune('1'+i))
			b.add(tRDSClusterIn, n, n, obj{"clusterIdentifier": c.name + "-cluster", "engine": c.engine, "publiclyAccessible": false,
				"autoMinorVersionUpgrade": true, "availabilityZone": "us-east-1" + az}).link(n, "clusterIdentifier", c.name)
		}
	}
	// The stack's data key, a vault encrypted with it, and a plan whose
	// selections name both clusters.
	b.add(tKMSKey, "data-key", "key-1", obj{"enableKeyRotation": true, "customerMasterKeySpec": "SYMMETRIC_DEFAULT"})
	b.add(tBackupVault, "vault", "vault", obj{"name": "vault", "kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/key-1"}).link("vault", "kmsKeyArn", "data-key")
	b.add(tBackupPlan, "plan", "plan-1", obj{"name": "plan", "rules": list(obj{"ruleName": "daily", "targetVaultName": "vault", "schedule": "cron(0 5 ? * * *)"})}).
		link("plan", "rules", "vault")
	for _, c := range []string{"pg", "my"} {
		b.add(tBackupSelection, "sel-"+c, "sel-"+c, obj{"planId": "plan-1", "resources": list("arn:aws:rds:us-east-1:123456789012:cluster:" + c)}).
			link("sel-"+c, "planId", "plan").link("sel-"+c, "resources", c)
	}
	b.add(tStateMachine, "copies", "copies", obj{"name": "copies", "loggingConfiguration": obj{"level": "ERROR", "logDestination": "arn:aws:logs:us-east-1:123456789012:log-group:/copies:*"}})
	b.add(tCacheRG, "cache", "cache", obj{"engine": "redis", "engineVersion": "5.0.6", "snapshotRetentionLimit": 7.0,
		"automaticFailoverEnabled": true, "atRestEncryptionEnabled": true, "transitEncryptionEnabled": true,
		"authToken": "a-token-of-sixteen-chars", "subnetGroupName": "cache-subnets", "autoMinorVersionUpgrade": true})

	b.add(tLB, "alb", "alb", obj{"loadBalancerType": "application", "internal": false,
		"subnets": list("subnet-pub-a", "subnet-pub-b", "subnet-pub-c"), "securityGroups": list("sg-alb"),
		"dropInvalidHeaderFields": true, "enableDeletionProtection": true,
		"accessLogs": obj{"bucket": "alb-logs", "enabled": true}}).link("alb", "subnets", "pub-a", "pub-b", "pub-c")
	b.add(tListener, "alb-https", "alb-https", obj{"loadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/alb/1",
		"port": 443.0, "protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
		"defaultActions": list(obj{"type": "forward", "targetGroupArn": "tg"})}).link("alb-https", "loadBalancerArn", "alb")

	// The operations layer: a dead-letter queue, the alarm topic and an
	// alarm, the web ACL on the load balancer, a certificate.
	b.add(tSQSQueue, "dlq", "dlq", obj{"sqsManagedSseEnabled": true})
	b.add(tSNSTopic, "alarms", "alarms", obj{"kmsMasterKeyId": "arn:aws:kms:us-east-1:123456789012:key/k"})
	b.add(tMetricAlarm, "cpu", "cpu", obj{"metricName": "CPUUtilization", "actionsEnabled": true,
		"alarmActions": list("arn:aws:sns:us-east-1:123456789012:alarms")})
	b.add(tWebACL, "acl", "acl", obj{"scope": "REGIONAL", "visibilityConfig": obj{"cloudwatchMetricsEnabled": true},
		"rules": list(obj{"name": "rate", "visibilityConfig": obj{"cloudwatchMetricsEnabled": true}})})
	b.add(tWebACLAssoc, "acl-alb", "acl-alb", obj{"resourceArn": "alb-arn", "webAclArn": "acl-arn"}).link("acl-alb", "resourceArn", "alb")
	b.add(tWebACLLogging, "acl-logs", "acl-logs", obj{"resourceArn": "acl-arn"}).link("acl-logs", "resourceArn", "acl")
	b.add(tACMCert, "cert", "cert", obj{"domainName": "www.example.com", "keyAlgorithm": "RSA_2048", "validationMethod": "DNS"})
	return b
}

// result returns the result of the control id.
func result(t *testing.T, rs []Result, id string) Result {
	t.Helper()
	for _, r := range rs {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no result for %s", id)
	return Result{}
}
