package compute

import (
	"strings"
	"testing"
)

func albWith(extra string) string {
	return `{"edge": {"kind": "alb", "defaultTarget": "web", ` + extra + `},
	  "web": {"kind": "ecs", "image": "example/web:1"}}`
}

func TestEdge_ConfigErrorsNameTheKey(t *testing.T) {
	for _, tc := range []struct {
		name, doc, want string
		ctx             ValidateContext
	}{
		{"no zone", albWith(`"dns": {"records": ["www.example.com"]}`), "platform:workloads.edge.dns: name the existing hosted zone", devCtx},
		{"zone id with the path", albWith(`"dns": {"zoneId": "/hostedzone/Z123", "records": ["www.example.com"]}`), `platform:workloads.edge.dns.zoneId: "/hostedzone/Z123" is not a Route 53 hosted zone ID`, devCtx},
		{"zone id and name", albWith(`"dns": {"zoneId": "Z0123456789ABCDEFGHIJ", "zoneName": "example.com", "records": ["www.example.com"]}`), "platform:workloads.edge.dns: set zoneId or zoneName, not both", devCtx},
		{"no records", albWith(`"dns": {"zoneName": "example.com"}`), "platform:workloads.edge.dns.records: required", devCtx},
		{"record outside the zone", albWith(`"dns": {"zoneName": "example.com", "records": ["www.example.org"]}`), "platform:workloads.edge.dns.records[0]: www.example.org is not in the zone example.com", devCtx},
		{"not a name", albWith(`"dns": {"zoneName": "example.com", "records": ["WWW example.com"]}`), `platform:workloads.edge.dns.records[0]: "WWW example.com" is not a DNS name`, devCtx},
		{"twice", albWith(`"dns": {"zoneName": "example.com", "records": ["a.example.com", "a.example.com"]}`), "platform:workloads.edge.dns.records[1]: a.example.com is listed twice", devCtx},
		{"created and given", albWith(`"certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789012", "dns": {"zoneName": "example.com", "records": ["a.example.com"], "createCertificate": true}`), "platform:workloads.edge.dns.createCertificate: the alb already names certificateArn", devCtx},
		{"eleven names", albWith(`"dns": {"zoneName": "example.com", "records": ["a.example.com","b.example.com","c.example.com","d.example.com","e.example.com","f.example.com","g.example.com","h.example.com","i.example.com","j.example.com","k.example.com"], "createCertificate": true}`), "platform:workloads.edge.dns.records: ACM takes 10 names per certificate", devCtx},
		{"long first name", albWith(`"dns": {"zoneName": "example.com", "records": ["` + strings.Repeat("a", 60) + `.example.com"], "createCertificate": true}`), "platform:workloads.edge.dns.records[0]: the first name becomes the certificate's common name, at most 64", devCtx},
		{"production without any certificate", albWith(`"dns": {"zoneName": "example.com", "records": ["a.example.com"]}`), "platform:workloads.edge.certificateArn: required in a protected (production) stack", prodCtx},
		{"rate limit below WAF's minimum", albWith(`"waf": {"rateLimit": 9}`), "platform:workloads.edge.waf.rateLimit: must be between 10 and 2000000000", devCtx},
		{"rate window", albWith(`"waf": {"rateWindowSeconds": 30}`), "platform:workloads.edge.waf.rateWindowSeconds: must be one of 60, 120, 300, 600 seconds", devCtx},
		{"mode", albWith(`"waf": {"mode": "monitor"}`), `platform:workloads.edge.waf.mode: "monitor" is not a mode`, devCtx},
		{"log retention", albWith(`"waf": {"logRetentionDays": 45}`), "platform:workloads.edge.waf.logRetentionDays: 45 is not a retention", devCtx},
		{"rule name", albWith(`"waf": {"countOnlyRules": ["Size Restrictions"]}`), `platform:workloads.edge.waf.countOnlyRules[0]: "Size Restrictions" is not a managed rule name`, devCtx},
		{"no rule at all", albWith(`"waf": {"enabled": true, "commonRules": false, "knownBadInputs": false, "rateLimit": 0}`), "platform:workloads.edge.waf: every rule is off", devCtx},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, msgs := decodeJSON(t, tc.doc, tc.ctx)
			for _, m := range msgs {
				if strings.HasPrefix(m, tc.want) {
					return
				}
			}
			t.Errorf("want %q among\n%s", tc.want, strings.Join(msgs, "\n"))
		})
	}
	// Boundaries: the minimum rate, the longest window, a wildcard, a created
	// certificate standing in for certificateArn in production.
	mustConfig(t, albWith(`"waf": {"rateLimit": 10, "rateWindowSeconds": 600}`), devCtx)
	mustConfig(t, albWith(`"waf": {"rateLimit": 2000000000, "rateWindowSeconds": 60}`), devCtx)
	c := mustConfig(t, albWith(`"dns": {"zoneName": "example.com.", "records": ["example.com", "*.example.com"], "createCertificate": true}`), prodCtx)
	equal(t, "https port", c.ServicePort("edge"), 443)
}

func TestEdge_WAFIsOnByDefaultOnlyForAProtectedInternetFacingALB(t *testing.T) {
	c := mustConfig(t, albWith(`"certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789012"`), prodCtx)
	equal(t, "prod", c["edge"].ALB.WAFOf(true), WAF{On: true, CommonRules: true, BadInputs: true, RateLimit: 2000, RateWindowSeconds: 300, LogRetentionDays: 90})
	equal(t, "dev", c["edge"].ALB.WAFOf(false).On, false)
	internal := mustConfig(t, albWith(`"internetFacing": false, "certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789012"`), prodCtx)
	equal(t, "internal", internal["edge"].ALB.WAFOf(true).On, false)
	off := mustConfig(t, albWith(`"certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789012", "waf": {"enabled": false}`), prodCtx)
	equal(t, "turned off", off["edge"].ALB.WAFOf(true).On, false)
	on := mustConfig(t, albWith(`"waf": {"enabled": true, "mode": "count", "rateLimit": 0, "countOnlyRules": ["SizeRestrictions_BODY"]}`), devCtx)
	w := on["edge"].ALB.WAFOf(false)
	equal(t, "dev, asked for", w.On && w.Count && w.RateLimit == 0 && w.Rules() == 2, true)
}
