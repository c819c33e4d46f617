// An alb's edge: its DNS names and certificate (`dns`) and the AWS WAF web
// ACL in front of it (`waf`). The edge package builds them; the settings live
// here, beside the alb's own.

package compute

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/acme/platform/network"

	"github.com/acme/platform/internal/problems"
)

// Edge defaults and AWS's limits, named so that the docs and the code agree.
const (
	// DefaultRateLimit is the requests one IP may make per evaluation window
	// before the web ACL blocks it.
	DefaultRateLimit = 2000
	// MinRateLimit is WAF's minimum for a rate-based rule (100 before 2023).
	MinRateLimit = 10
	MaxRateLimit = 2000000000
	// DefaultRateWindowSeconds is the rate rule's look-back window.
	DefaultRateWindowSeconds = 300
	DefaultWAFLogDays        = 90
	// WAFLogGroupPrefix is what WAF requires of a log group it writes to.
	WAFLogGroupPrefix = "aws-waf-logs-"
	// MaxCertificateNames is ACM's default quota of names per certificate.
	MaxCertificateNames = 10
	// MaxCertificateCNLen is the most a certificate's first name may have:
	// it becomes the subject's common name, which X.509 caps at 64.
	MaxCertificateCNLen = 64
)

// RateWindows are the evaluation windows WAF accepts, in seconds.
var RateWindows = []int{60, 120, 300, 600}

// DNSSpec is an alb's `dns` block: names in an existing Route 53 hosted zone
// that alias the load balancer, and optionally the certificate for them.
type DNSSpec struct {
	// ZoneID or ZoneName names the existing public hosted zone: exactly one.
	// With the name the zone is looked up at deploy time.
	ZoneID   string `json:"zoneId,omitempty"`
	ZoneName string `json:"zoneName,omitempty"`
	// Records are the names that answer for the load balancer (alias A and
	// AAAA records), e.g. [example.com, www.example.com]. Required.
	Records []string `json:"records"`
	// CreateCertificate requests an ACM certificate for the records, validated
	// by DNS in the zone, and serves it on the HTTPS listener: the alb then
	// needs no certificateArn. The first record is the certificate's name.
	CreateCertificate bool `json:"createCertificate,omitempty"`
}

// WAFSpec is an alb's `waf` block: an AWS WAF web ACL with AWS's managed
// rules and a per-IP rate limit, logging to an encrypted log group.
type WAFSpec struct {
	// Enabled defaults to true for an internet-facing alb of a protected
	// stack, false otherwise.
	Enabled *bool `json:"enabled,omitempty"`
	// Mode is block (the default) or count: rules only count what they would
	// block, to tune them on real traffic before they act.
	Mode string `json:"mode,omitempty"`
	// CommonRules (AWSManagedRulesCommonRuleSet) and KnownBadInputs
	// (AWSManagedRulesKnownBadInputsRuleSet) default to true.
	CommonRules    *bool `json:"commonRules,omitempty"`
	KnownBadInputs *bool `json:"knownBadInputs,omitempty"`
	// CountOnlyRules are managed rules that only count, e.g.
	// SizeRestrictions_BODY for an API that takes large uploads.
	CountOnlyRules []string `json:"countOnlyRules,omitempty"`
	// RateLimit is the requests one IP may make per window: 10 to
	// 2000000000, default 2000; 0 turns the rate rule off.
	RateLimit *int `json:"rateLimit,omitempty"`
	// RateWindowSeconds is the rate rule's window: 60, 120, 300 (default) or 600.
	RateWindowSeconds int `json:"rateWindowSeconds,omitempty"`
	// LogRetentionDays keeps the web ACL's logs; a CloudWatch retention value, default 90.
	LogRetentionDays int `json:"logRetentionDays,omitempty"`
}

// WAF is an alb's resolved web ACL settings.
type WAF struct {
	On                     bool
	Count                  bool
	CommonRules, BadInputs bool
	CountOnlyRules         []string
	RateLimit              int
	RateWindowSeconds      int
	LogRetentionDays       int
}

// Rules counts the web ACL's rules (WAF bills each one).
func (w WAF) Rules() int {
	n := 0
	for _, on := range []bool{w.CommonRules, w.BadInputs, w.RateLimit > 0} {
		if on {
			n++
		}
	}
	return n
}

func boolOr(b *bool, d bool) bool {
	if b == nil {
		return d
	}
	return *b
}

// WAFOf resolves an alb's web ACL: on by default for an internet-facing alb
// of a protected stack.
func (s ALBSpec) WAFOf(protect bool) WAF {
	w := s.WAF
	if w == nil {
		w = &WAFSpec{}
	}
	on := boolOr(w.Enabled, protect && s.InternetFacing)
	if !on {
		return WAF{}
	}
	return WAF{
		On: true, Count: w.Mode == "count",
		CommonRules: boolOr(w.CommonRules, true), BadInputs: boolOr(w.KnownBadInputs, true),
		CountOnlyRules:    w.CountOnlyRules,
		RateLimit:         orDefault(w.RateLimit, DefaultRateLimit),
		RateWindowSeconds: orInt(w.RateWindowSeconds, DefaultRateWindowSeconds),
		LogRetentionDays:  orInt(w.LogRetentionDays, DefaultWAFLogDays),
	}
}

// CreatesCertificate reports whether the stack requests the alb's certificate.
func (s ALBSpec) CreatesCertificate() bool { return s.DNS != nil && s.DNS.CreateCertificate }

// ServesHTTPS reports whether the alb has a certificate, given or created.
func (s ALBSpec) ServesHTTPS() bool { return s.CertificateArn != "" || s.CreatesCertificate() }

var (
	zoneIDPattern = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
	dnsLabel      = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	wafRuleName   = regexp.MustCompile(`^[A-Za-z0-9_]{1,128}$`)
)

// validDomain reports whether d is a lowercase DNS name (a leading "*."
// allowed when wildcard is true), at most 253 characters.
func validDomain(d string, wildcard bool) bool {
	if wildcard {
		d = strings.TrimPrefix(d, "*.")
	}
	if d == "" || len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for _, l := range strings.Split(d, ".") {
		if !dnsLabel.MatchString(l) {
			return false
		}
	}
	return true
}

// validateEdge checks an alb's dns and waf blocks at k.
func validateEdge(k string, s ALBSpec, p *problems.List) {
	if d := s.DNS; d != nil {
		dk := k + ".dns"
		switch {
		case d.ZoneID == "" && d.ZoneName == "":
			p.Add(dk, "name the existing hosted zone: zoneId (e.g. Z0123456789ABCDEFGHIJ) or zoneName (e.g. example.com)")
		case d.ZoneID != "" && d.ZoneName != "":
			// The records would go in the zone of the ID while the names were
			// checked against zoneName, which nothing ties to that ID.
			p.Add(dk, "set zoneId or zoneName, not both: the records go in the zone zoneId names, and zoneName could name another")
		case d.ZoneID != "" && !zoneIDPattern.MatchString(d.ZoneID):
			p.Add(dk+".zoneId", "%q is not a Route 53 hosted zone ID; write it as Z0123456789ABCDEFGHIJ (without /hostedzone/)", d.ZoneID)
		}
		zone := strings.TrimSuffix(strings.ToLower(d.ZoneName), ".")
		if d.ZoneName != "" && !validDomain(zone, false) {
			p.Add(dk+".zoneName", "%q is not a domain name; write the zone's name, e.g. example.com", d.ZoneName)
			zone = ""
		}
		if len(d.Records) == 0 {
			p.Add(dk+".records", "required; list the names that should answer for the load balancer, e.g. [example.com, www.example.com]")
		}
		seen := map[string]bool{}
		for i, r := range d.Records {
			rk := fmt.Sprintf("%s.records[%d]", dk, i)
			switch {
			case !validDomain(r, true):
				p.Add(rk, "%q is not a DNS name; write a lowercase name such as www.example.com", r)
			case zone != "" && r != zone && !strings.HasSuffix(r, "."+zone):
				p.Add(rk, "%s is not in the zone %s; a record can only be created in its own zone", r, zone)
			case seen[r]:
				p.Add(rk, "%s is listed twice", r)
			}
			seen[r] = true
		}
		if d.CreateCertificate {
			switch {
			case s.CertificateArn != "":
				p.Add(dk+".createCertificate", "the alb already names certificateArn; use one or the other")
			case len(d.Records) > MaxCertificateNames:
				p.Add(dk+".records", "ACM takes %d names per certificate by default, got %d; raise the quota or list fewer", MaxCertificateNames, len(d.Records))
			case len(d.Records) > 0 && len(d.Records[0]) > MaxCertificateCNLen:
				p.Add(dk+".records[0]", "the first name becomes the certificate's common name, at most %d characters; put a shorter name first", MaxCertificateCNLen)
			}
		}
	}
	if w := s.WAF; w != nil {
		wk := k + ".waf"
		if w.Mode != "" && w.Mode != "block" && w.Mode != "count" {
			p.Add(wk+".mode", "%q is not a mode; use block or count", w.Mode)
		}
		if r := w.RateLimit; r != nil && *r != 0 && (*r < MinRateLimit || *r > MaxRateLimit) {
			p.Add(wk+".rateLimit", "must be between %d and %d requests per window (WAF's limits), or 0 for no rate rule; got %d", MinRateLimit, MaxRateLimit, *r)
		}
		if ws := w.RateWindowSeconds; ws != 0 && !containsInt(RateWindows, ws) {
			p.Add(wk+".rateWindowSeconds", "must be one of %s seconds, got %d", joinInts(RateWindows), ws)
		}
		if w.LogRetentionDays != 0 && !network.ValidRetention(w.LogRetentionDays) {
			p.Add(wk+".logRetentionDays", "%d is not a retention CloudWatch accepts; use one of %s", w.LogRetentionDays, joinInts(network.RetentionDays))
		}
		for i, r := range w.CountOnlyRules {
			if !wafRuleName.MatchString(r) {
				p.Add(fmt.Sprintf("%s.countOnlyRules[%d]", wk, i), "%q is not a managed rule name, e.g. SizeRestrictions_BODY", r)
			}
		}
		if boolOr(w.Enabled, true) && !boolOr(w.CommonRules, true) && !boolOr(w.KnownBadInputs, true) && orDefault(w.RateLimit, DefaultRateLimit) == 0 {
			p.Add(wk, "every rule is off: a web ACL without rules allows everything; turn one on or set enabled: false")
		}
	}
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
