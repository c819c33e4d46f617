package edge

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/compute"
	"github.com/acme/platform/internal/tags"
)

// component is the tag value of platform:component on everything this package creates.
const component = "edge"

// ZoneID resolves an alb's hosted zone: the configured ID, or the public zone
// of the configured name, looked up when the program runs.
func ZoneID(ctx *pulumi.Context, d compute.DNSSpec) (string, error) {
	if d.ZoneID != "" {
		return d.ZoneID, nil
	}
	name := strings.TrimSuffix(d.ZoneName, ".")
	private := false
	z, err := route53.LookupZone(ctx, &route53.LookupZoneArgs{Name: &name, PrivateZone: &private})
	if err != nil {
		return "", fmt.Errorf("looking up the public hosted zone %s: %w", name, err)
	}
	return z.ZoneId, nil
}

// validationName is the name a certificate's names are validated under:
// *.example.com and example.com share one validation record.
func validationName(domain string) string { return strings.TrimPrefix(domain, "*.") }

// ValidationDomains lists the distinct names whose validation records a
// certificate for names needs, sorted.
func ValidationDomains(names []string) []string {
	set := map[string]bool{}
	for _, n := range names {
		set[validationName(n)] = true
	}
	var out []string
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// CertificateArgs are the inputs of a certificate the stack requests.
type CertificateArgs struct {
	// Workload is the alb's config name (tags).
	Workload string
	// Names are the certificate's names; the first is its subject.
	Names []string
	// ZoneID is the hosted zone the validation records go in.
	ZoneID pulumi.StringInput
	Tags   map[string]string
}

// Certificate is an ACM certificate validated by DNS: its validation records
// in the zone, and the validation that waits until ACM has issued it.
type Certificate struct {
	pulumi.ResourceState

	Certificate *acm.Certificate
	// Records are the validation CNAMEs, by the name they validate.
	Records    map[string]*route53.Record
	Validation *acm.CertificateValidation

	// ARN resolves once the certificate is issued: a listener given it
	// waits for that, instead of failing on a pending certificate.
	ARN pulumi.StringOutput
}

// NewCertificate requests the certificate and validates it in the zone.
func NewCertificate(ctx *pulumi.Context, name string, args *CertificateArgs, opts ...pulumi.ResourceOption) (*Certificate, error) {
	if args == nil || len(args.Names) == 0 || args.ZoneID == nil || args.Workload == "" {
		return nil, fmt.Errorf("edge.NewCertificate(%q): Workload, Names and ZoneID are required", name)
	}
	c := &Certificate{Records: map[string]*route53.Record{}}
	if err := ctx.RegisterComponentResource("platform:edge:Certificate", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)
	tg := tags.New(component, args.Tags).With("platform:workload", args.Workload)

	var err error
	c.Certificate, err = acm.NewCertificate(ctx, name, &acm.CertificateArgs{
		DomainName:              pulumi.String(args.Names[0]),
		SubjectAlternativeNames: pulumi.ToStringArray(args.Names[1:]),
		ValidationMethod:        pulumi.String("DNS"),
		// RSA 2048: what every client accepts, and what Security Hub's ACM.2 asks at least.
		KeyAlgorithm: pulumi.String("RSA_2048"),
		Tags:         tg.Named(name),
	}, parent)
	if err != nil {
		return nil, err
	}
	var fqdns pulumi.StringArray
	for _, d := range ValidationDomains(args.Names) {
		d := d
		opt := c.Certificate.DomainValidationOptions.ApplyT(func(opts []acm.CertificateDomainValidationOption) (acm.CertificateDomainValidationOption, error) {
			for _, o := range opts {
				if o.DomainName != nil && validationName(*o.DomainName) == d {
					return o, nil
				}
			}
			return acm.CertificateDomainValidationOption{}, fmt.Errorf("ACM gave no validation record for %s", d)
		}).(acm.CertificateDomainValidationOptionOutput)
		rec, err := route53.NewRecord(ctx, name+"-validation-"+d, &route53.RecordArgs{
			ZoneId:  args.ZoneID,
			Name:    opt.ResourceRecordName().Elem(),
			Type:    opt.ResourceRecordType().Elem(),
			Records: pulumi.StringArray{opt.ResourceRecordValue().Elem()},
			Ttl:     pulumi.Int(300),
			// ACM uses the same record for every certificate of the name: a
			// second stack or a renewal finds it there already.
			AllowOverwrite: pulumi.Bool(true),
		}, parent)
		if err != nil {
			return nil, err
		}
		c.Records[d] = rec
		fqdns = append(fqdns, rec.Fqdn)
	}
	c.Validation, err = acm.NewCertificateValidation(ctx, name, &acm.CertificateValidationArgs{
		CertificateArn:        c.Certificate.Arn,
		ValidationRecordFqdns: fqdns,
	}, parent)
	if err != nil {
		return nil, err
	}
	c.ARN = c.Validation.CertificateArn
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"arn": c.ARN}); err != nil {
		return nil, err
	}
	return c, nil
}

// RecordsArgs are the inputs of an alb's names.
type RecordsArgs struct {
	Workload string
	Names    []string
	ZoneID   pulumi.StringInput
	// LoadBalancerDNSName and LoadBalancerZoneID are the alias target: the
	// load balancer's name and its canonical hosted zone (not the stack's).
	LoadBalancerDNSName pulumi.StringInput
	LoadBalancerZoneID  pulumi.StringInput
}

// Records are an alb's names: an alias A and an alias AAAA record each.
type Records struct {
	pulumi.ResourceState

	// A and AAAA by name.
	A    map[string]*route53.Record
	AAAA map[string]*route53.Record
}

// NewRecords registers the alias records of every name.
func NewRecords(ctx *pulumi.Context, name string, args *RecordsArgs, opts ...pulumi.ResourceOption) (*Records, error) {
	if args == nil || len(args.Names) == 0 || args.ZoneID == nil || args.LoadBalancerDNSName == nil || args.LoadBalancerZoneID == nil {
		return nil, fmt.Errorf("edge.NewRecords(%q): Names, ZoneID and the load balancer's name and zone are required", name)
	}
	r := &Records{A: map[string]*route53.Record{}, AAAA: map[string]*route53.Record{}}
	if err := ctx.RegisterComponentResource("platform:edge:Records", name, r, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(r)
	for _, n := range args.Names {
		// An AAAA alias answers only once the load balancer is dualstack; until
		// then it returns no address and clients use the A record.
		for _, typ := range []string{"A", "AAAA"} {
			rec, err := route53.NewRecord(ctx, name+"-"+n+"-"+strings.ToLower(typ), &route53.RecordArgs{
				ZoneId: args.ZoneID,
				Name:   pulumi.String(n),
				Type:   pulumi.String(typ),
				Aliases: route53.RecordAliasArray{&route53.RecordAliasArgs{
					Name:   args.LoadBalancerDNSName,
					ZoneId: args.LoadBalancerZoneID,
					// Route 53 stops answering with a load balancer that has no
					// healthy target in a zone.
					EvaluateTargetHealth: pulumi.Bool(true),
				}},
			}, parent)
			if err != nil {
				return nil, err
			}
			if typ == "A" {
				r.A[n] = rec
			} else {
				r.AAAA[n] = rec
			}
		}
	}
	if err := ctx.RegisterResourceOutputs(r, pulumi.Map{"names": pulumi.ToStringArray(args.Names)}); err != nil {
		return nil, err
	}
	return r, nil
}
