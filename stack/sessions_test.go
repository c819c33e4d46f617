package stack_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/acme/platform/access"
	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/internal/sim"
	"github.com/acme/platform/stack"
)

// sessionTerms reads, from a stack's graph, what its instances' sessions
// involve: the preferences document it writes, or (when it writes none) the
// account's preferences its config describes.
func sessionTerms(t *testing.T, res *offline.Result) (kms, logs, s3 bool) {
	t.Helper()
	for _, d := range res.Graph.OfType("aws:ssm/document:Document") {
		if d.ImportID != "" {
			break // adopted unchanged: the account's content, described in config
		}
		var c struct {
			Inputs map[string]any `json:"inputs"`
		}
		if err := json.Unmarshal([]byte(str(d, "content")), &c); err != nil {
			t.Fatal(err)
		}
		return c.Inputs["kmsKeyId"] != "", c.Inputs["cloudWatchLogGroupName"] != "", c.Inputs["s3BucketName"] != ""
	}
	if a := res.Platform.Design.Config.Access.SessionManager.AccountPreferences; a != nil {
		return a.KMSKey != "", a.LogGroup != "", a.S3Bucket != ""
	}
	return false, false, false
}

// reach says whether a workload's group can get to an AWS service: an
// interface endpoint its group may reach on 443, the S3 gateway's prefix
// list, or the internet on 443 with a NAT route out of the private tier.
func reach(g *sim.Graph, sg, svc string) bool {
	var egress []sim.Resource
	for _, r := range g.OfType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") {
		if str(r, "securityGroupId") == sg && r.Inputs["fromPort"] == float64(443) {
			egress = append(egress, r)
		}
	}
	nat := false
	for _, r := range g.OfType(tRoute) {
		nat = nat || str(r, "natGatewayId") != ""
	}
	for _, e := range egress {
		if str(e, "cidrIpv4") == "0.0.0.0/0" && nat {
			return true
		}
	}
	for _, ep := range g.OfType(tEndpoint) {
		if !strings.HasSuffix(str(ep, "serviceName"), "."+svc) {
			continue
		}
		for _, e := range egress {
			if ep.Inputs["vpcEndpointType"] == "Gateway" && str(e, "prefixListId") == ep.Outputs["prefixListId"] {
				return true
			}
			if ids, _ := ep.Inputs["securityGroupIds"].([]any); len(ids) > 0 && str(e, "referencedSecurityGroupId") == ids[0] {
				return true
			}
		}
	}
	return false
}

// Every fleet can reach what a session on its instances needs - the three
// Session Manager services, KMS when sessions are encrypted, CloudWatch Logs
// when they are logged, S3 when they go to a bucket - and every ECS service
// what ECS Exec needs (its cluster encrypts and logs exec sessions), in
// every stack file. A session that cannot reach KMS deploys and then never
// opens.
func TestSessions_EveryWorkloadReachesWhatItsSessionsNeed(t *testing.T) {
	checked := 0
	for _, path := range everyStackFile(t) {
		t.Run(path, func(t *testing.T) {
			res := runPath(t, path)
			g, cfg := res.Graph, res.Platform.Design.Config
			kms, logs, s3 := sessionTerms(t, res)
			for _, n := range cfg.Workloads.Names() {
				w := cfg.Workloads[n]
				var needs []string
				switch {
				case w.EC2 != nil:
					needs = []string{"ssm", "ssmmessages", "ec2messages"}
					if kms {
						needs = append(needs, "kms")
					}
					if logs {
						needs = append(needs, "logs")
					}
					if s3 {
						needs = append(needs, "s3")
					}
				case w.ECS != nil:
					needs = []string{"ssmmessages"}
					for _, c := range g.OfType("aws:ecs/cluster:Cluster") {
						if sim.Lookup(c.Inputs, "configuration.executeCommandConfiguration.kmsKeyId") != nil {
							needs = append(needs, "kms")
						}
						if sim.Lookup(c.Inputs, "configuration.executeCommandConfiguration.logConfiguration.cloudWatchLogGroupName") != nil {
							needs = append(needs, "logs")
						}
					}
				default:
					continue
				}
				sg := mustNamed(t, g, "aws:ec2/securityGroup:SecurityGroup", cfg.Name+"-sg-"+n)
				for _, svc := range needs {
					checked++
					if !reach(g, sg.ID, svc) {
						t.Errorf("%s cannot reach %s", n, svc)
					}
				}
			}
		})
	}
	if checked == 0 {
		t.Error("no fleet or service in any stack file: nothing was checked")
	}
}

// The preferences document is one per account and region: among the stacks
// of one account and region (stage files of one stack count once: the same
// platform:name), at most one owns it, and every other that describes the
// account's preferences names the owner's key and log group.
func TestSessions_AtMostOneStackOwnsTheAccountsPreferences(t *testing.T) {
	type place struct{ account, region string }
	owners := map[place]map[string]bool{}
	owned := map[place][2]string{}
	var followers []struct {
		where place
		path  string
		a     *access.AccountPreferences
	}
	for _, path := range everyStackFile(t) {
		res := runPath(t, path)
		d := res.Platform.Design
		where := place{d.Env.AccountID, d.Env.Region}
		sm := d.Config.Access.SessionManager
		if sm.Mode() == access.PreferencesOwn {
			if owners[where] == nil {
				owners[where] = map[string]bool{}
			}
			owners[where][d.Config.Name] = true
			owned[where] = [2]string{access.SessionKeyAlias(d.Config.Name + "-sessions"), access.SessionLogGroupName(d.Config.Name + "-sessions")}
		} else if sm.AccountPreferences != nil {
			followers = append(followers, struct {
				where place
				path  string
				a     *access.AccountPreferences
			}{where, path, sm.AccountPreferences})
		}
	}
	if len(owners) == 0 || len(followers) == 0 {
		t.Fatalf("owners %v, followers %d: the examples should show both", owners, len(followers))
	}
	for where, names := range owners {
		if len(names) > 1 {
			t.Errorf("%v: %d stacks own SSM-SessionManagerRunShell: %v", where, len(names), names)
		}
	}
	for _, f := range followers {
		o, ok := owned[f.where]
		if !ok {
			continue
		}
		if f.a.KMSKey != o[0] || f.a.LogGroup != o[1] {
			t.Errorf("%s describes the account's preferences as %+v, but the owner uses %s and %s", f.path, *f.a, o[0], o[1])
		}
	}
}

// With nat: none an endpoint is the only way, and the message says so
// instead of offering internetEgress.
func TestSessions_WithoutNATTheFixIsAnEndpoint(t *testing.T) {
	v := withNetwork(t, func(n map[string]any) {
		n["nat"] = "none"
		n["endpoints"] = []any{"ssm", "ssmmessages", "ec2messages"}
	})
	v["platform:access"] = `{"sessionManager":{"preferences":"own"}}`
	v["platform:workloads"] = `{"web":{"kind":"ec2"}}`
	_, err := stack.Parse("test", v)
	got := strings.Join(problems.Messages(err), "\n")
	want := "platform:workloads.web.internetEgress: the instances of web cannot reach kms (sessions are KMS-encrypted (alias/test-sessions)), logs (sessions are logged to CloudWatch (/platform/test-sessions)): add kms, logs to platform:network.endpoints, the only way with nat: none"
	if !strings.Contains(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}
