package stack

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/compute"
	"github.com/acme/platform/edge"
)

// Edge is what the stack registered in front of its load balancers: the
// certificates it requested, the names and the web ACLs, by alb name.
type Edge struct {
	Certificates map[string]*edge.Certificate
	Records      map[string]*edge.Records
	WebACLs      map[string]*edge.WebACL

	zones map[string]string // alb -> hosted zone ID
}

func newEdge() *Edge {
	return &Edge{Certificates: map[string]*edge.Certificate{}, Records: map[string]*edge.Records{}, WebACLs: map[string]*edge.WebACL{}, zones: map[string]string{}}
}

// zoneOf resolves (once) the hosted zone of an alb's dns block.
func (e *Edge) zoneOf(ctx *pulumi.Context, alb string, d compute.DNSSpec) (string, error) {
	if z, ok := e.zones[alb]; ok {
		return z, nil
	}
	z, err := edge.ZoneID(ctx, d)
	if err != nil {
		return "", fmt.Errorf("platform:workloads.%s.dns: %w", alb, err)
	}
	e.zones[alb] = z
	return z, nil
}

// certificateFor requests the certificate of an alb whose dns block asks for
// one, and returns its ARN once issued (nil when the alb names its own or
// has none). The load balancer's HTTPS listener serves it.
func (pl *Platform) certificateFor(ctx *pulumi.Context, d *Design, alb string, spec compute.ALBSpec) (pulumi.StringInput, error) {
	if !spec.CreatesCertificate() {
		return nil, nil
	}
	if pl.Edge == nil {
		pl.Edge = newEdge()
	}
	zone, err := pl.Edge.zoneOf(ctx, alb, *spec.DNS)
	if err != nil {
		return nil, err
	}
	c, err := edge.NewCertificate(ctx, d.Config.Name+"-"+alb+"-cert", &edge.CertificateArgs{
		Workload: alb, Names: spec.DNS.Records, ZoneID: pulumi.String(zone),
	})
	if err != nil {
		return nil, err
	}
	pl.Edge.Certificates[alb] = c
	return c.ARN, nil
}

// registerEdge registers, once the load balancers exist, their names and
// their web ACLs.
func registerEdge(ctx *pulumi.Context, d *Design, pl *Platform) error {
	cfg := d.Config
	if pl.Edge == nil {
		pl.Edge = newEdge()
	}
	for _, n := range sortedNames(pl.Workloads.LoadBalancers) {
		spec := cfg.Workloads[n].ALB
		a := pl.Workloads.LoadBalancers[n]
		if spec.DNS != nil {
			zone, err := pl.Edge.zoneOf(ctx, n, *spec.DNS)
			if err != nil {
				return err
			}
			pl.Edge.Records[n], err = edge.NewRecords(ctx, cfg.Name+"-"+n+"-dns", &edge.RecordsArgs{
				Workload: n, Names: spec.DNS.Records, ZoneID: pulumi.String(zone),
				LoadBalancerDNSName: a.DNSName, LoadBalancerZoneID: a.ZoneID,
			})
			if err != nil {
				return err
			}
		}
		if w := spec.WAFOf(cfg.Protect); w.On {
			var err error
			pl.Edge.WebACLs[n], err = edge.NewWebACL(ctx, cfg.Name+"-"+n+"-waf", &edge.WebACLArgs{
				Workload: n, ACLName: cfg.Name + "-" + n, WAF: w,
				LoadBalancerARN: a.LoadBalancer.Arn, LogKMSKeyARN: pl.logsKey(), Protect: cfg.Protect,
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// edgeExports adds each alb's names and site URL to the stack outputs.
func (pl *Platform) edgeExports(ex map[string]pulumi.Input) {
	names := pulumi.StringArrayMap{}
	urls := pulumi.StringMap{}
	for _, n := range sortedNames(pl.Workloads.LoadBalancers) {
		spec := pl.Design.Config.Workloads[n].ALB
		if spec.DNS == nil || len(spec.DNS.Records) == 0 {
			continue
		}
		names[n] = pulumi.ToStringArray(spec.DNS.Records)
		scheme := "http://"
		if spec.ServesHTTPS() {
			scheme = "https://"
		}
		urls[n] = pulumi.String(scheme + spec.DNS.Records[0])
	}
	if len(names) > 0 {
		ex["dnsNames"] = names
		ex["siteUrls"] = urls
	}
}

// describeEdge renders an alb's names, certificate and web ACL for the plan.
func describeEdge(cfg *Config, alb string) []string {
	spec := cfg.Workloads[alb].ALB
	var out []string
	if d := spec.DNS; d != nil {
		zone := d.ZoneName
		if zone == "" {
			zone = d.ZoneID
		}
		cert := "certificate " + spec.CertificateArn
		switch {
		case spec.CreatesCertificate():
			cert = "certificate requested from ACM, validated by DNS in the zone"
		case spec.CertificateArn == "":
			cert = "no certificate: plain HTTP"
		}
		scheme := "http://"
		if spec.ServesHTTPS() {
			scheme = "https://"
		}
		out = append(out, fmt.Sprintf("%s%s (alias A/AAAA in %s; %s)", scheme, strings.Join(d.Records, ", "+scheme), zone, cert))
	}
	if w := spec.WAFOf(cfg.Protect); w.On {
		var rules []string
		if w.RateLimit > 0 {
			rules = append(rules, fmt.Sprintf("%d requests per IP per %ds", w.RateLimit, w.RateWindowSeconds))
		}
		if w.CommonRules {
			rules = append(rules, edge.CommonRuleSet)
		}
		if w.BadInputs {
			rules = append(rules, edge.KnownBadInputsRuleSet)
		}
		mode := "blocking"
		if w.Count {
			mode = "counting only"
		}
		out = append(out, fmt.Sprintf("WAF web ACL %s-%s, %s: %s; logs to %s*, kept %d days", cfg.Name, alb, mode, strings.Join(rules, ", "), edge.LogGroupPrefix(cfg.Name+"-"+alb), w.LogRetentionDays))
	}
	return out
}
