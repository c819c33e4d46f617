package live_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acme/platform/audit"
	"github.com/acme/platform/internal/motoserver"
)

// The live audit of the seed account names every problem by the resource
// that owns it, and nothing else.
func TestLiveAuditNamesEverySeedProblemByOwner(t *testing.T) {
	snap, _, s := plainRead(t)
	inv, err := audit.LoadSnapshot(snap)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	forms := map[string]string{}
	for _, f := range inv.Findings() {
		if f.Kind == audit.KindDefaultGroupRules {
			continue // moto's own default groups; asserted below
		}
		key := fmt.Sprintf("%s %s %s", f.Kind, f.Resource, f.Severity)
		got = append(got, key)
		if f.Form != "" {
			forms[key] = f.Form
		}
	}
	want := []string{
		"cache-without-auth prod-redis medium",
		"db-publicly-accessible prod-aurora-a high",
		"ingress-admin-port " + s.SSH + " high",
		"ingress-admin-port " + s.Shared + " high",
		"ingress-all-protocols " + s.Shared + " high",
		"ingress-open-to-world " + s.WideSplit + " high",
		"ingress-open-to-world " + s.ALB + " info", // 443
		"ingress-open-to-world " + s.ALB + " info", // 80
		"ingress-open-to-world " + s.SSH + " high",
		"ingress-open-to-world " + s.App + " high",
		"ingress-open-to-world " + s.ViaPrefixList + " high",
		"ingress-open-to-world " + s.Shared + " high",
		"ingress-open-to-world " + s.SplitRules + " high",     // 8080, by two rules together
		"ingress-wide-port-range " + s.SplitRules + " medium", // 8000-8100 from a public range
		"instance-imdsv1 " + s.Web + " high",
		"instance-public-ip " + s.Web + " medium",
		"instance-imdsv1 " + s.ASGInstance + " medium", // launched by prod-web-asg, whose finding covers its subnet
		"lb-plain-http prod-web medium",
		"public-subnet-workload " + s.Web + " high",
		"public-subnet-workload prod-aurora-a high",
		"public-subnet-workload prod-redis-001 high",
		"public-subnet-workload prod-thumbnailer high",
		"public-subnet-workload prod-resizer high", // public through two halves
		"public-subnet-workload prod-web-asg high",
		"public-subnet-workload prod/api high",
		"shared-security-group " + s.App + " medium",  // worker EC2, ECS service, Batch
		"shared-security-group " + s.Shared + " high", // EC2, Lambda and the database
		"store-unencrypted-at-rest prod-aurora medium",
		"store-unencrypted-at-rest prod-redis medium",
		"store-unencrypted-in-transit prod-redis medium",
		"store-unencrypted-in-transit prod-aurora medium", // its cluster parameter group sets rds.force_ssl 0
		"unused-security-group " + s.Old + " low",
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("findings differ\n got: %s\nwant: %s", strings.Join(got, "\n      "), strings.Join(want, "\n      "))
	}

	t.Run("each internet finding names its form", func(t *testing.T) {
		for key, want := range map[string]string{
			"ingress-open-to-world " + s.WideSplit + " high":     "0.0.0.0/1 + 128.0.0.0/1 (together all of IPv4)",
			"ingress-open-to-world " + s.App + " high":           "::/0 (all of IPv6)",
			"ingress-open-to-world " + s.ViaPrefixList + " high": "prefix list " + s.PrefixList + " (everyone) (its entries cover all of IPv4)",
			"ingress-open-to-world " + s.SSH + " high":           "0.0.0.0/0 (all of IPv4)",
			"ingress-open-to-world " + s.SplitRules + " high":    "0.0.0.0/1 + 128.0.0.0/1 (together all of IPv4, across 2 rules)",
			"public-subnet-workload prod-resizer high":           "0.0.0.0/1 + 128.0.0.0/1 (together all of IPv4)",
			"public-subnet-workload " + s.Web + " high":          "0.0.0.0/0 (all of IPv4)",
		} {
			if forms[key] != want {
				t.Errorf("%s: form %q, want %q", key, forms[key], want)
			}
		}
	})

	t.Run("non-findings", func(t *testing.T) {
		for _, f := range inv.Findings() {
			switch f.Resource {
			case s.Worker, s.Cache, "prod-jobs":
				t.Errorf("a resource done right is reported: %+v", f)
			}
		}
		tiers := map[string]audit.Tier{s.PubA: audit.TierPublic, s.PubB: audit.TierPublic, s.Priv: audit.TierPrivate, s.Iso: audit.TierIsolated}
		for id, want := range tiers {
			sn, ok := inv.Subnet(id)
			if !ok || sn.Tier != want {
				t.Errorf("subnet %s: %+v, want tier %s", id, sn, want)
			}
		}
		if sn, _ := inv.Subnet(s.PubB); !sn.ViaMainTable {
			t.Errorf("%s is public only through the main table: %+v", s.PubB, sn)
		}
		// Routes that together cover the internet, each form named.
		for id, form := range map[string]string{
			s.Halves:     "0.0.0.0/1 + 128.0.0.0/1 (together all of IPv4)",
			s.ListRouted: "prefix list " + s.PrefixList + " (everyone) (its entries cover all of IPv4)",
			s.V6:         "2000::/3 (every global IPv6 address)",
		} {
			if sn, ok := inv.Subnet(id); !ok || sn.Tier != audit.TierPublic || sn.InternetForm != form || sn.ViaMainTable {
				t.Errorf("subnet %s: %+v, want public by %s", id, sn, form)
			}
		}
		if sn, ok := inv.Subnet(s.HalfOnly); !ok || sn.Tier != audit.TierIsolated {
			t.Errorf("half of IPv4 to the gateway is not the internet: %+v", sn)
		}
	})

	t.Run("interfaces are attributed to objects before descriptions", func(t *testing.T) {
		want := map[string]string{"rds": "prod-aurora-a", "cache": "prod-redis-001", "lambda": "prod-thumbnailer", "elb-a": "prod-web", "elb-b": "prod-web", "ecs": "prod/api"}
		for key, owner := range want {
			found := false
			for _, ifc := range inv.Interfaces {
				if ifc.ID == s.ENIs[key] {
					found = true
					if ifc.Owner != owner || ifc.OwnerSource != audit.SourceMatched {
						t.Errorf("%s interface %s: owner %q (%s), want %q (matched)", key, ifc.ID, ifc.Owner, ifc.OwnerSource, owner)
					}
				}
			}
			if !found {
				t.Errorf("no %s interface %s in the inventory", key, s.ENIs[key])
			}
		}
		listed := 0
		for _, ifc := range inv.Interfaces {
			if ifc.Owner == s.Web || ifc.Owner == s.Worker {
				listed++
				if ifc.OwnerSource != audit.SourceListed {
					t.Errorf("instance interface %s: %s, want listed", ifc.ID, ifc.OwnerSource)
				}
			}
		}
		if listed != 2 {
			t.Errorf("want the two instances' interfaces listed by them, got %d", listed)
		}
	})

	t.Run("Auto Scaling groups own the groups of what they launch from, and their instances", func(t *testing.T) {
		for name, want := range map[string][]string{"prod-web-asg": {s.Fleet}, "prod-jobs-asg": {s.JobsFleet}, "prod-legacy-asg": {s.LegacyFleet}} {
			o, ok := inv.Owner(audit.OwnerEC2, name)
			if !ok || !slices.Equal(o.Groups, want) {
				t.Errorf("%s: %+v, want groups %v", name, o, want)
			}
		}
		if o, _ := inv.Owner(audit.OwnerEC2, "prod-web-asg"); o == nil || !slices.Equal(o.Members, []string{s.ASGInstance}) {
			t.Errorf("prod-web-asg should list its instance %s: %+v", s.ASGInstance, o)
		}
		if o, ok := inv.Owner(audit.OwnerEC2, s.ASGInstance); !ok || o.LaunchedBy != "prod-web-asg" {
			t.Errorf("the instance should name the group that launched it: %+v", o)
		}
		for _, f := range inv.Findings() {
			switch {
			case f.Kind == audit.KindPublicSubnetWorkload && f.Resource == "prod-web-asg" && !strings.Contains(f.Message, s.ASGInstance):
				t.Errorf("the group's finding should name its instance: %s", f.Message)
			case f.Kind == audit.KindInstanceIMDSv1 && f.Resource == s.ASGInstance && !strings.Contains(f.Fix, "launch template (or configuration) of Auto Scaling group prod-web-asg"):
				t.Errorf("the instance's fix belongs in its group's launch template: %s", f.Fix)
			}
		}
	})

	t.Run("data stores keep the live values an import needs", func(t *testing.T) {
		if len(inv.DBClusters) != 1 || inv.DBClusters[0].DBClusterIdentifier != "prod-aurora" || inv.DBClusters[0].DBSubnetGroup != "prod-aurora-subnets" ||
			inv.DBClusters[0].EngineVersion == "" || len(inv.DBClusters[0].DBClusterMembers) != 1 || len(inv.DBClusters[0].Raw) == 0 {
			t.Errorf("cluster: %+v", inv.DBClusters)
		}
		if len(inv.DBInstances) != 1 || len(inv.DBInstances[0].ParameterGroupNames()) == 0 || inv.DBInstances[0].DBInstanceClass != "db.r6g.large" {
			t.Errorf("instance: %+v", inv.DBInstances)
		}
		if len(inv.ReplicationGroups) != 1 || len(inv.CacheClusters) != 1 || inv.CacheClusters[0].ReplicationGroupId != "prod-redis" || len(inv.CacheSubnetGroups) != 1 {
			t.Errorf("caches: %+v %+v", inv.ReplicationGroups, inv.CacheClusters)
		}
		// The cluster's own parameter group, with exactly the values set in
		// it: what importing the group must send back.
		var pg *audit.DBClusterParameterGroup
		for i, g := range inv.DBClusterParameterGroups {
			if g.DBClusterParameterGroupName == "prod-aurora-pg15" {
				pg = &inv.DBClusterParameterGroups[i]
			}
		}
		if pg == nil || pg.DBParameterGroupFamily != "aurora-postgresql15" || !pg.ParametersRead {
			t.Fatalf("parameter group: %+v", inv.DBClusterParameterGroups)
		}
		got := map[string]string{}
		for _, p := range pg.Parameters {
			got[p.ParameterName] = p.ParameterValue
		}
		if len(got) != 2 || got["rds.force_ssl"] != "0" || got["log_min_duration_statement"] != "2000" {
			t.Errorf("parameters of prod-aurora-pg15: %v", got)
		}
	})
}

// Throttling on every service's first calls is retried with backoff; a
// service whose calls are denied is reported, by permission, and the rest
// of the account is still read.
func TestThrottlingIsRetriedAndDeniedCallsAreReported(t *testing.T) {
	_, srv := seedAccount(t)
	proxy := motoserver.NewProxy(t, srv.URL)
	proxy.Intercept = func(r motoserver.Request, earlier int) *motoserver.Answer {
		if r.Service == "elasticache" {
			return &motoserver.Answer{Status: 403, Code: "AccessDenied", Msg: "User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: elasticache:" + r.Operation}
		}
		if earlier < 2 {
			return &motoserver.Answer{Status: 400, Code: "ThrottlingException", Msg: "Rate exceeded"}
		}
		return nil
	}
	var progress strings.Builder
	start := time.Now()
	snap := readWith(t, proxy.URL, &progress)
	inv, err := audit.LoadSnapshot(snap)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[motoserver.Request]int{}
	for _, c := range proxy.Calls() {
		counts[c]++
	}
	for _, op := range []motoserver.Request{{Service: "ec2", Operation: "DescribeVpcs"}, {Service: "rds", Operation: "DescribeDBInstances"}, {Service: "ecs", Operation: "ListClusters"}, {Service: "lambda", Operation: "ListFunctions"}} {
		if counts[op] != 3 {
			t.Errorf("%s %s: %d attempts, want 2 throttled and 1 retry that succeeds", op.Service, op.Operation, counts[op])
		}
	}
	var denied []string
	for _, r := range inv.NotRead() {
		if r.Status != audit.StatusDenied || r.Service != "elasticache" {
			t.Errorf("only elasticache should be missing: %+v", r)
		}
		denied = append(denied, r.Permission)
	}
	wantDenied := []string{"elasticache:DescribeReplicationGroups", "elasticache:DescribeCacheClusters", "elasticache:DescribeCacheSubnetGroups"}
	if !slices.Equal(denied, wantDenied) {
		t.Errorf("denied permissions %v, want %v", denied, wantDenied)
	}
	if !inv.Incomplete() || len(inv.DBInstances) != 1 || len(inv.Instances) == 0 {
		t.Errorf("the rest of the account should be read: incomplete=%v, %d DB instances", inv.Incomplete(), len(inv.DBInstances))
	}
	if !strings.Contains(progress.String(), "elasticache DescribeReplicationGroups was denied: the credentials lack the IAM permission elasticache:DescribeReplicationGroups") {
		t.Errorf("progress does not name the missing permission:\n%s", progress.String())
	}
	md := audit.Report{Inventory: inv, Findings: inv.Findings()}.Markdown()
	if !strings.Contains(md, "**The audit is incomplete:**") || !strings.Contains(md, "`elasticache:DescribeCacheClusters`") {
		t.Errorf("the report does not say what it could not read")
	}
	t.Logf("read with injected faults in %s", time.Since(start).Round(time.Millisecond))
}
