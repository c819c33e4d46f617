package stack_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/sim"
	"github.com/acme/platform/policy"
	"github.com/acme/platform/review"
	"github.com/acme/platform/stack"
)

// tierOfSubnet maps subnet IDs to their tier tag.
func tierOfSubnet(g *sim.Graph) map[string]string {
	out := map[string]string{}
	for _, s := range g.OfType(tSubnet) {
		tags, _ := s.Inputs["tags"].(map[string]any)
		tier, _ := tags["platform:tier"].(string)
		out[s.ID] = tier
	}
	return out
}

func lookup(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func strList(v any) []string {
	var out []string
	if arr, ok := v.([]any); ok {
		for _, e := range arr {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// Every kind of workload sits in its tier: the load balancer in public
// subnets, compute in private ones, data stores in isolated ones.
func TestWorkloads_EveryKindIsPlacedInItsTier(t *testing.T) {
	placements := []struct {
		typ  string
		path []string
		tier string
	}{
		{"aws:lb/loadBalancer:LoadBalancer", []string{"subnets"}, "public"},
		{"aws:autoscaling/group:Group", []string{"vpcZoneIdentifiers"}, "private"},
		{"aws:ecs/service:Service", []string{"networkConfiguration", "subnets"}, "private"},
		{"aws:lambda/function:Function", []string{"vpcConfig", "subnetIds"}, "private"},
		{"aws:batch/computeEnvironment:ComputeEnvironment", []string{"computeResources", "subnets"}, "private"},
		{"aws:rds/subnetGroup:SubnetGroup", []string{"subnetIds"}, "isolated"},
		{"aws:elasticache/subnetGroup:SubnetGroup", []string{"subnetIds"}, "isolated"},
		{"aws:ec2/vpcEndpoint:VpcEndpoint", []string{"subnetIds"}, "private"},
		{"aws:ec2clientvpn/networkAssociation:NetworkAssociation", []string{"subnetId"}, "private"},
	}
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			g := run(t, s.name).Graph
			tiers := tierOfSubnet(g)
			for _, p := range placements {
				rs := g.OfType(p.typ)
				if len(rs) == 0 && p.typ != "aws:ec2clientvpn/networkAssociation:NetworkAssociation" {
					t.Errorf("no %s in the %s stack", p.typ, s.name)
				}
				for _, r := range rs {
					if r.Inputs["vpcEndpointType"] == "Gateway" {
						continue // gateway endpoints live in route tables, not subnets
					}
					v := lookup(r.Inputs, p.path...)
					ids := strList(v)
					if id, ok := v.(string); ok {
						ids = []string{id}
					}
					if len(ids) == 0 {
						t.Errorf("%s %s has no subnets at %v", p.typ, r.Name, p.path)
					}
					for _, id := range ids {
						if tiers[id] != p.tier {
							t.Errorf("%s %s uses subnet %s of tier %q, want %s", p.typ, r.Name, id, tiers[id], p.tier)
						}
					}
				}
			}
		})
	}
}

func TestWorkloads_NothingGetsAPublicAddressOrIsPubliclyAccessible(t *testing.T) {
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			g := run(t, s.name).Graph
			for _, r := range g.OfType("aws:ecs/service:Service") {
				if lookup(r.Inputs, "networkConfiguration", "assignPublicIp") != false {
					t.Errorf("%s assigns public IPs", r.Name)
				}
			}
			for _, r := range g.OfType("aws:rds/clusterInstance:ClusterInstance") {
				if r.Inputs["publiclyAccessible"] != false {
					t.Errorf("%s is publicly accessible", r.Name)
				}
			}
			for _, r := range g.OfType("aws:batch/jobDefinition:JobDefinition") {
				if !strings.Contains(str(r, "containerProperties"), `"assignPublicIp":"DISABLED"`) {
					t.Errorf("%s may assign public IPs", r.Name)
				}
			}
			for _, r := range g.OfType("aws:ec2/launchTemplate:LaunchTemplate") {
				nis, _ := lookup(r.Inputs, "networkInterfaces").([]any)
				for _, ni := range nis {
					if lookup(ni, "associatePublicIpAddress") == "true" || lookup(ni, "associatePublicIpAddress") == true {
						t.Errorf("%s associates public IPs", r.Name)
					}
				}
			}
		})
	}
}

func TestWorkloads_InstancesRequireIMDSv2HaveNoKeyPairAndEncryptedDisks(t *testing.T) {
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			g := run(t, s.name).Graph
			lts := g.OfType("aws:ec2/launchTemplate:LaunchTemplate")
			if len(lts) == 0 {
				t.Fatal("no launch template")
			}
			for _, lt := range lts {
				// One hop; two only when the fleet's application is a container
				// (its user data runs docker), which uses the role's grants.
				hops := 1.0
				if ud, _ := lt.Inputs["userData"].(string); strings.Contains(decodeB64(t, ud), "docker run") {
					hops = 2.0
				}
				if lookup(lt.Inputs, "metadataOptions", "httpTokens") != "required" || lookup(lt.Inputs, "metadataOptions", "httpPutResponseHopLimit") != hops {
					t.Errorf("%s metadata options %v, want %v hops", lt.Name, lt.Inputs["metadataOptions"], hops)
				}
				if k, ok := lt.Inputs["keyName"]; ok {
					t.Errorf("%s has key pair %v", lt.Name, k)
				}
				// The image is resolved at deploy time and recorded: a new one is a
				// reviewed change, not a difference between instances.
				if !regexp.MustCompile(`^ami-[0-9a-f]{8,17}$`).MatchString(str(lt, "imageId")) {
					t.Errorf("%s image %s", lt.Name, str(lt, "imageId"))
				}
				for _, bd := range lt.Inputs["blockDeviceMappings"].([]any) {
					if lookup(bd, "ebs", "encrypted") != "true" || lookup(bd, "ebs", "volumeType") != "gp3" {
						t.Errorf("%s root volume %v", lt.Name, bd)
					}
				}
			}
			if n := len(g.OfType("aws:ec2/instance:Instance")); n != 0 {
				t.Errorf("%d bare instances; every instance comes from a launch template", n)
			}
		})
	}
}

// attachedPolicies maps a role's logical name to the managed policies attached to it.
func attachedPolicies(g *sim.Graph) map[string][]string {
	out := map[string][]string{}
	roleByName := map[string]string{}
	for _, r := range g.OfType("aws:iam/role:Role") {
		roleByName[fmt.Sprint(r.Outputs["name"])] = r.Name
		roleByName[r.ID] = r.Name
	}
	for _, a := range g.OfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		role := roleByName[str(a, "role")]
		arn := str(a, "policyArn")
		if i := strings.LastIndex(arn, "/"); i >= 0 {
			arn = arn[i+1:]
		}
		out[role] = append(out[role], arn)
	}
	for k := range out {
		sort.Strings(out[k])
	}
	return out
}

func TestWorkloads_RolesCarryOnlyThePoliciesTheyNeed(t *testing.T) {
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			g := run(t, s.name).Graph
			got := attachedPolicies(g)
			sessionPolicy := func(p []string) bool {
				return slices.ContainsFunc(p, func(x string) bool { return strings.HasPrefix(x, s.name+"-sessions-session-channel") })
			}
			web := got[s.name+"-web-role"]
			if !slices.Contains(web, "AmazonSSMManagedInstanceCore") || !sessionPolicy(web) || len(web) != 2 {
				t.Errorf("instance role policies %v: want AmazonSSMManagedInstanceCore and the session policy only", web)
			}
			fn := got[s.name+"-thumbnails-role"]
			if fmt.Sprint(fn) != "[AWSLambdaVPCAccessExecutionRole]" {
				t.Errorf("lambda role policies %v", fn)
			}
			if task, exec := got[s.name+"-api-task"], got[s.name+"-api-exec"]; !sessionPolicy(task) || !slices.Contains(exec, "AmazonECSTaskExecutionRolePolicy") || sessionPolicy(exec) {
				t.Errorf("task role %v, execution role %v: the two are separate and only the task role runs ECS Exec", task, exec)
			}
			for role, ps := range got {
				for _, p := range ps {
					if p == "AdministratorAccess" || p == "PowerUserAccess" || strings.HasSuffix(p, "FullAccess") {
						t.Errorf("%s has %s", role, p)
					}
				}
			}
		})
	}
}

func TestWorkloads_DataStoresAreEncryptedAndProtectedOnlyInProd(t *testing.T) {
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			g := run(t, s.name).Graph
			for _, c := range g.OfType("aws:rds/cluster:Cluster") {
				for k, want := range map[string]any{
					"storageEncrypted": true, "manageMasterUserPassword": true, "iamDatabaseAuthenticationEnabled": true,
					"copyTagsToSnapshot": true, "skipFinalSnapshot": false, "deletionProtection": s.prot,
				} {
					if c.Inputs[k] != want {
						t.Errorf("%s %s = %v, want %v", c.Name, k, c.Inputs[k], want)
					}
				}
				if c.Protect != s.prot {
					t.Errorf("%s protect %v", c.Name, c.Protect)
				}
			}
			for _, i := range g.OfType("aws:rds/clusterInstance:ClusterInstance") {
				if i.Protect != s.prot || i.Inputs["performanceInsightsEnabled"] != true {
					t.Errorf("%s protect %v, performance insights %v", i.Name, i.Protect, i.Inputs["performanceInsightsEnabled"])
				}
			}
			for _, c := range g.OfType("aws:elasticache/replicationGroup:ReplicationGroup") {
				if c.Inputs["atRestEncryptionEnabled"] != true || c.Inputs["transitEncryptionEnabled"] != true || c.Protect != s.prot {
					t.Errorf("%s encryption %v/%v protect %v", c.Name, c.Inputs["atRestEncryptionEnabled"], c.Inputs["transitEncryptionEnabled"], c.Protect)
				}
			}
			for _, lb := range g.OfType("aws:lb/loadBalancer:LoadBalancer") {
				if lb.Inputs["enableDeletionProtection"] != s.prot || lb.Inputs["dropInvalidHeaderFields"] != true {
					t.Errorf("%s deletion protection %v", lb.Name, lb.Inputs["enableDeletionProtection"])
				}
			}
		})
	}
}

func TestWorkloads_ProdServesTLS13AndRedirectsHTTP(t *testing.T) {
	g := run(t, "prod").Graph
	var https, http int
	for _, l := range g.OfType("aws:lb/listener:Listener") {
		switch l.Inputs["port"] {
		case 443.0:
			https++
			if str(l, "sslPolicy") != "ELBSecurityPolicy-TLS13-1-2-2021-06" || str(l, "certificateArn") == "" {
				t.Errorf("%s: policy %s cert %s", l.Name, str(l, "sslPolicy"), str(l, "certificateArn"))
			}
		case 80.0:
			http++
			actions := l.Inputs["defaultActions"].([]any)
			if len(actions) != 1 || lookup(actions[0], "type") != "redirect" || lookup(actions[0], "redirect", "protocol") != "HTTPS" {
				t.Errorf("%s must only redirect to HTTPS: %v", l.Name, actions)
			}
		}
	}
	if https != 1 || http != 1 {
		t.Errorf("%d HTTPS and %d HTTP listeners", https, http)
	}
}

// ingressFrom lists "peer port" for each ingress rule of a workload's group.
func ingressFrom(t *testing.T, g *sim.Graph, stackName, workload string) []string {
	t.Helper()
	sg := mustNamed(t, g, "aws:ec2/securityGroup:SecurityGroup", stackName+"-sg-"+workload)
	var out []string
	for _, r := range g.OfType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
		if str(r, "securityGroupId") != sg.ID {
			continue
		}
		peer := str(r, "cidrIpv4")
		if ref := str(r, "referencedSecurityGroupId"); ref != "" {
			peer = strings.TrimPrefix(byID(t, g, ref).Name, stackName+"-sg-")
		}
		out = append(out, fmt.Sprintf("%s %s/%v-%v", peer, str(r, "ipProtocol"), r.Inputs["fromPort"], r.Inputs["toPort"]))
	}
	sort.Strings(out)
	return out
}

func TestSecurity_DatabaseAccepts5432OnlyFromApiWebJobsAndVPN(t *testing.T) {
	g := run(t, "prod").Graph
	want := []string{"api tcp/5432-5432", "nightly tcp/5432-5432", "vpn tcp/5432-5432", "web tcp/5432-5432"}
	if got := ingressFrom(t, g, "prod", "database"); !slices.Equal(got, want) {
		t.Errorf("database ingress %v, want %v", got, want)
	}
	// The VPN's group reaches the database on its port and nothing else.
	vpn := mustNamed(t, g, "aws:ec2/securityGroup:SecurityGroup", "prod-sg-vpn")
	for _, r := range g.OfType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
		if str(r, "referencedSecurityGroupId") == vpn.ID && r.Name != "prod-sg-database-in-vpn-tcp-5432" {
			t.Errorf("the VPN group is admitted by %s", r.Name)
		}
	}
	var out []string
	for _, r := range g.OfType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") {
		if str(r, "securityGroupId") == vpn.ID {
			out = append(out, r.Name)
		}
	}
	if fmt.Sprint(out) != "[prod-sg-vpn-out-database-tcp-5432]" {
		t.Errorf("vpn egress %v", out)
	}
}

func TestSecurity_WebAcceptsOnlyTheLoadBalancerAndTheLoadBalancerOnlyTheInternetOnWebPorts(t *testing.T) {
	g := run(t, "prod").Graph
	if got := ingressFrom(t, g, "prod", "web"); fmt.Sprint(got) != "[edge tcp/8080-8080]" {
		t.Errorf("web ingress %v", got)
	}
	if got := ingressFrom(t, g, "prod", "edge"); fmt.Sprint(got) != "[0.0.0.0/0 tcp/443-443 0.0.0.0/0 tcp/80-80]" {
		t.Errorf("edge ingress %v", got)
	}
	if got := ingressFrom(t, g, "prod", "cache"); fmt.Sprint(got) != "[api tcp/6379-6379 web tcp/6379-6379]" {
		t.Errorf("cache ingress %v", got)
	}
}

func TestAccess_ClientVPNAuthorizesOnlyTheIsolatedSubnets(t *testing.T) {
	g := run(t, "prod").Graph
	var isolated []string
	for _, s := range g.OfType(tSubnet) {
		if tierOfSubnet(g)[s.ID] == "isolated" {
			isolated = append(isolated, str(s, "cidrBlock"))
		}
	}
	var authorized []string
	for _, r := range g.OfType("aws:ec2clientvpn/authorizationRule:AuthorizationRule") {
		authorized = append(authorized, str(r, "targetNetworkCidr"))
	}
	sort.Strings(isolated)
	sort.Strings(authorized)
	if len(isolated) == 0 || !slices.Equal(isolated, authorized) {
		t.Errorf("authorized %v, isolated subnets %v", authorized, isolated)
	}
	ep := g.OfType("aws:ec2clientvpn/endpoint:Endpoint")[0]
	client := netip.MustParsePrefix(str(ep, "clientCidrBlock"))
	if client.Overlaps(netip.MustParsePrefix("10.0.0.0/16")) || ep.Inputs["splitTunnel"] != true || lookup(ep.Inputs, "connectionLogOptions", "enabled") != true {
		t.Errorf("endpoint %v", ep.Inputs)
	}
	sgs := strList(ep.Inputs["securityGroupIds"])
	if len(sgs) != 1 || byID(t, g, sgs[0]).Name != "prod-sg-vpn" {
		t.Errorf("endpoint groups %v", sgs)
	}
}

// Prod owns the account's preferences and encrypts and logs every session;
// dev, in the same account, writes no document and its roles get prod's key
// and log group, which its sessions then use.
func TestAccess_SessionPreferencesEncryptAndLogSessions(t *testing.T) {
	g := run(t, "prod").Graph
	docs := g.OfType("aws:ssm/document:Document")
	if len(docs) != 1 || str(docs[0], "name") != "SSM-SessionManagerRunShell" || str(docs[0], "documentType") != "Session" || docs[0].ImportID != "" {
		t.Fatalf("session document %v", docs)
	}
	var content struct {
		Inputs map[string]any `json:"inputs"`
	}
	if err := json.Unmarshal([]byte(str(docs[0], "content")), &content); err != nil {
		t.Fatal(err)
	}
	if content.Inputs["cloudWatchEncryptionEnabled"] != true || content.Inputs["kmsKeyId"] == "" || content.Inputs["cloudWatchLogGroupName"] != "/platform/prod-sessions" {
		t.Errorf("preferences %v", content.Inputs)
	}

	dev := run(t, "dev").Graph
	if docs := dev.OfType("aws:ssm/document:Document"); len(docs) != 0 {
		t.Fatalf("dev writes the account's preferences too: %v", docs)
	}
	policy := mustNamed(t, dev, "aws:iam/policy:Policy", "dev-sessions-session-channel")
	doc := str(policy, "policy")
	for _, want := range []string{
		`"kms:ResourceAliases":"alias/prod-sessions"`,
		`"Resource":"arn:aws:kms:us-east-1:111122223333:key/*"`,
		`"arn:aws:logs:us-east-1:111122223333:log-group:/platform/prod-sessions:*"`,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("dev's session policy lacks %s: %s", want, doc)
		}
	}
}

func TestGraph_ExportsTheWorkloadOutputs(t *testing.T) {
	ex := run(t, "prod").Graph.Exports
	for _, k := range []string{"albDnsName", "auroraWriterEndpoint", "auroraReaderEndpoint", "auroraSecretArn", "cachePrimaryEndpoint",
		"ecsClusterName", "ecsServiceName", "asgName", "clientVpnEndpointId", "clientVpnConfigCommand", "portForwardCommands", "sessionCommands"} {
		if v, ok := ex[k]; !ok || fmt.Sprint(v) == "" {
			t.Errorf("missing output %s", k)
		}
	}
	pf := fmt.Sprint(ex["portForwardCommands"].(map[string]any)["database"])
	for _, want := range []string{"AWS-StartPortForwardingSessionToRemoteHost", `"portNumber":["5432"]`, fmt.Sprint(ex["auroraWriterEndpoint"]), "Values=prod-web"} {
		if !strings.Contains(pf, want) {
			t.Errorf("port forwarding command lacks %q: %s", want, pf)
		}
	}
}

// Session Manager must work in every NAT mode: either every private route
// table has a way out through NAT, or every endpoint a session needs exists.
func TestAccess_SessionManagerReachableInEveryNATMode(t *testing.T) {
	for _, mode := range []string{"none", "single", "perAz"} {
		t.Run(mode, func(t *testing.T) {
			v := withNetwork(t, func(n map[string]any) { n["nat"] = mode; delete(n, "endpoints") })
			// Owned preferences encrypt and log: the agent needs kms and logs too.
			v["platform:access"] = `{"sessionManager":{"preferences":"own"}}`
			res, err := offline.Run(&stack.File{Path: "nat-" + mode, Stack: "test", Values: v})
			if err != nil {
				t.Fatal(err)
			}
			g := res.Graph
			have := map[string]bool{}
			for _, ep := range g.OfType(tEndpoint) {
				svc := str(ep, "serviceName")
				have[svc[strings.LastIndex(svc, ".us-east-1.")+len(".us-east-1."):]] = true
			}
			privateRoutes := 0
			for _, r := range g.OfType(tRoute) {
				if str(r, "natGatewayId") != "" {
					privateRoutes++
				}
			}
			viaNAT := privateRoutes == 2
			viaEndpoints := have["ssm"] && have["ssmmessages"] && have["ec2messages"] && have["kms"] && have["logs"]
			if !viaNAT && !viaEndpoints {
				t.Errorf("no way to Session Manager: NAT routes %d, endpoints %v", privateRoutes, have)
			}
			if mode == "none" && !viaEndpoints {
				t.Errorf("nat none must add the session endpoints, has %v", have)
			}
		})
	}
}

// Every stack file passes every compliance control it does not accept with a
// written reason, and accepts none it passes.
func TestCompliance_EveryStackPassesOrAcceptsEachControl(t *testing.T) {
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			res := run(t, s.name)
			results := review.Evaluate(res.Graph, res.Platform.Design.Config.Compliance)
			for _, r := range review.Failed(results) {
				t.Errorf("%s fails and is not accepted: %v", r.ID, r.Findings)
			}
			for _, r := range results {
				if r.Status == review.StatusPass && r.Note != "" {
					t.Errorf("%s passes but is accepted: %s", r.ID, r.Note)
				}
			}
		})
	}
}

// During a migration a workload may carry legacy groups beside its own: they
// are attached, and they are not platform groups (the policy still holds).
func TestWorkloads_LegacyGroupsAreAttachedBesideTheWorkloadsOwnGroup(t *testing.T) {
	v := validValues()
	v["platform:workloads"] = `{"web":{"kind":"ec2","internetEgress":true,"legacySecurityGroups":["sg-0123456789abcdef0"]}}`
	res, err := offline.Run(&stack.File{Path: "legacy", Stack: "test", Values: v})
	if err != nil {
		t.Fatal(err)
	}
	lt := res.Graph.OfType("aws:ec2/launchTemplate:LaunchTemplate")[0]
	ids := strList(lt.Inputs["vpcSecurityGroupIds"])
	if len(ids) != 2 || byID(t, res.Graph, ids[0]).Name != "test-sg-web" || ids[1] != "sg-0123456789abcdef0" {
		t.Errorf("launch template groups %v", ids)
	}
	if vs := policy.Check(res.Graph); len(vs) != 0 {
		t.Errorf("policy: %v", vs)
	}
}

func decodeB64(t *testing.T, s string) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("user data is not base64: %v", err)
	}
	return string(b)
}
