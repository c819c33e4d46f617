package stack_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/sim"
	"github.com/acme/platform/stack"
)

// dnsOf reads an alb's dns block from the stack file as written.
func dnsOf(t *testing.T, stackName, alb string) map[string]any {
	t.Helper()
	d, _ := rawWorkloads(t, stackName)[alb]["dns"].(map[string]any)
	return d
}

func TestDNS_RecordsAliasTheLoadBalancerInEveryStack(t *testing.T) {
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			g := run(t, s.name).Graph
			d := dnsOf(t, s.name, "edge")
			if d == nil {
				t.Fatal("the stack gives its load balancer no DNS name")
			}
			lb := mustNamed(t, g, "aws:lb/loadBalancer:LoadBalancer", s.name+"-edge")
			want := strList(d["records"])
			var got []string
			for _, r := range g.OfType("aws:route53/record:Record") {
				if r.Inputs["aliases"] == nil {
					continue
				}
				alias := lookup(r.Inputs, "aliases").([]any)[0].(map[string]any)
				if alias["name"] != lb.Outputs["dnsName"] || alias["zoneId"] != lb.Outputs["zoneId"] || alias["evaluateTargetHealth"] != true {
					t.Errorf("%s aliases %v in %v, not the load balancer %v", r.Name, alias["name"], alias["zoneId"], lb.Outputs["dnsName"])
				}
				if zone := str(r, "zoneId"); !strings.HasPrefix(zone, "Z") {
					t.Errorf("%s is in zone %q", r.Name, zone)
				}
				got = append(got, str(r, "name")+" "+str(r, "type"))
			}
			var expect []string
			for _, n := range want {
				expect = append(expect, n+" A", n+" AAAA")
			}
			sort.Strings(got)
			sort.Strings(expect)
			if fmt.Sprint(got) != fmt.Sprint(expect) {
				t.Errorf("alias records %v, want %v", got, expect)
			}
			if urls, _ := res(t, s.name).Graph.Exports["siteUrls"].(map[string]any); urls["edge"] != "https://"+want[0] {
				t.Errorf("siteUrls %v", urls)
			}
		})
	}
}

func res(t *testing.T, name string) *offline.Result { return run(t, name) }

func TestDNS_ACertificateTheStackCreatesIsValidatedInTheGivenZoneAndServed(t *testing.T) {
	g := run(t, "dev").Graph
	d := dnsOf(t, "dev", "edge")
	if d["createCertificate"] != true {
		t.Fatal("dev's example requests its certificate")
	}
	certs := g.OfType("aws:acm/certificate:Certificate")
	if len(certs) != 1 {
		t.Fatalf("%d certificates", len(certs))
	}
	cert := certs[0]
	names := strList(d["records"])
	if cert.Inputs["domainName"] != names[0] || cert.Inputs["validationMethod"] != "DNS" {
		t.Errorf("certificate for %v validated by %v", cert.Inputs["domainName"], cert.Inputs["validationMethod"])
	}
	// The validation record ACM asked for, in the zone of the stack file.
	zone := mustNamed(t, g, "aws:route53/record:Record", "dev-edge-dns-"+names[0]+"-a").Inputs["zoneId"]
	var fqdns []string
	for _, opt := range cert.Outputs["domainValidationOptions"].([]any) {
		o := opt.(map[string]any)
		found := false
		for _, r := range g.OfType("aws:route53/record:Record") {
			if r.Inputs["name"] == o["resourceRecordName"] && r.Inputs["type"] == o["resourceRecordType"] &&
				fmt.Sprint(r.Inputs["records"]) == fmt.Sprint([]any{o["resourceRecordValue"]}) {
				found = true
				if r.Inputs["zoneId"] != zone {
					t.Errorf("validation record %s is in zone %v, not %v", r.Name, r.Inputs["zoneId"], zone)
				}
				fqdns = append(fqdns, fmt.Sprint(r.Outputs["fqdn"]))
			}
		}
		if !found {
			t.Errorf("no validation record for %v", o["domainName"])
		}
	}
	if len(fqdns) == 0 {
		t.Fatal("no validation record found at all")
	}
	vals := g.OfType("aws:acm/certificateValidation:CertificateValidation")
	if len(vals) != 1 || vals[0].Inputs["certificateArn"] != cert.Outputs["arn"] || fmt.Sprint(strList(vals[0].Inputs["validationRecordFqdns"])) != fmt.Sprint(fqdns) {
		t.Fatalf("validation %+v, want the certificate validated by %v", vals, fqdns)
	}
	// The HTTPS listener serves the validated certificate; port 80 only redirects.
	https := mustNamed(t, g, "aws:lb/listener:Listener", "dev-edge-https")
	if https.Inputs["certificateArn"] != vals[0].Outputs["certificateArn"] || !slices.Contains(https.PropertyDependencies["certificateArn"], vals[0].URN) {
		t.Errorf("the HTTPS listener serves %v, not the validated certificate", https.Inputs["certificateArn"])
	}
	http := mustNamed(t, g, "aws:lb/listener:Listener", "dev-edge-http")
	if lookup(http.Inputs, "defaultActions").([]any)[0].(map[string]any)["type"] != "redirect" {
		t.Errorf("dev's port 80 forwards instead of redirecting")
	}
	// Prod names its own certificate: the stack requests none.
	if n := len(run(t, "prod").Graph.OfType("aws:acm/certificate:Certificate")); n != 0 {
		t.Errorf("prod requested %d certificates", n)
	}
}

func TestWAF_ProdsLoadBalancerIsBehindAWebACLThatLogsEncrypted(t *testing.T) {
	g := run(t, "prod").Graph
	acls := g.OfType("aws:wafv2/webAcl:WebAcl")
	if len(acls) != 1 {
		t.Fatalf("%d web ACLs in prod", len(acls))
	}
	acl := acls[0]
	if acl.Inputs["scope"] != "REGIONAL" || lookup(acl.Inputs, "defaultAction", "allow") == nil {
		t.Errorf("scope %v, default action %v", acl.Inputs["scope"], acl.Inputs["defaultAction"])
	}
	b, _ := json.Marshal(acl.Inputs["rules"])
	for _, want := range []string{`"name":"AWSManagedRulesCommonRuleSet"`, `"name":"AWSManagedRulesKnownBadInputsRuleSet"`, `"aggregateKeyType":"IP"`, `"limit":2000`, `"vendorName":"AWS"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("rules lack %s", want)
		}
	}
	lb := mustNamed(t, g, "aws:lb/loadBalancer:LoadBalancer", "prod-edge")
	assoc := g.OfType("aws:wafv2/webAclAssociation:WebAclAssociation")
	if len(assoc) != 1 || assoc[0].Inputs["resourceArn"] != lb.Outputs["arn"] || assoc[0].Inputs["webAclArn"] != acl.Outputs["arn"] {
		t.Errorf("association %+v", assoc)
	}
	logging := g.OfType("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")
	if len(logging) != 1 {
		t.Fatalf("%d logging configurations", len(logging))
	}
	dest := strList(logging[0].Inputs["logDestinationConfigs"])
	var group sim.Resource
	for _, lg := range g.OfType("aws:cloudwatch/logGroup:LogGroup") {
		if slices.Contains(dest, fmt.Sprint(lg.Outputs["arn"])) {
			group = lg
		}
	}
	if !strings.HasPrefix(str(group, "namePrefix"), "aws-waf-logs-") || str(group, "kmsKeyId") == "" || group.Inputs["retentionInDays"] == nil {
		t.Errorf("WAF logs go to %+v: the name must start with aws-waf-logs-, and the group be encrypted and expire", group.Inputs)
	}
	if !strings.Contains(fmt.Sprint(logging[0].Inputs["redactedFields"]), "authorization") {
		t.Error("the Authorization header is logged in clear")
	}
	// Dev keeps the default for a non-production stack: no web ACL.
	if n := len(run(t, "dev").Graph.OfType("aws:wafv2/webAcl:WebAcl")); n != 0 {
		t.Errorf("dev has %d web ACLs", n)
	}
}

// A zone given by name is looked up; a zone ID is used as it is.
func TestDNS_ZoneByIDSkipsTheLookup(t *testing.T) {
	f, err := stack.ReadFile("../Pulumi.dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var w map[string]map[string]any
	if err := json.Unmarshal([]byte(f.Values["platform:workloads"]), &w); err != nil {
		t.Fatal(err)
	}
	w["edge"]["dns"] = map[string]any{"zoneId": "Z0123456789ABCDEFGHIJ", "records": []any{"www.dev.example.com"}, "createCertificate": true}
	b, _ := json.Marshal(w)
	f.Values["platform:workloads"] = string(b)
	r, err := offline.Run(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range r.Graph.OfType("aws:route53/record:Record") {
		if rec.Inputs["zoneId"] != "Z0123456789ABCDEFGHIJ" {
			t.Errorf("%s in zone %v", rec.Name, rec.Inputs["zoneId"])
		}
	}
}
