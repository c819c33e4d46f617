package access

import (
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2clientvpn"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/awsenv"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/internal/tags"
	"github.com/acme/platform/network"
)

// ClientVPNArgs are the already validated inputs of a ClientVPN.
type ClientVPNArgs struct {
	Config ClientVPNConfig
	Env    awsenv.Env
	// VPC is the VPC block: it places the VPC resolver (base + 2), which the
	// clients use as their DNS server, and bounds the isolated ranges.
	VPC   netip.Prefix
	VpcID pulumi.StringInput
	// SecurityGroupID is the endpoint's own group (the security model's "vpn"
	// workload): data stores admit it by ID on their port, and nothing else does.
	SecurityGroupID pulumi.StringInput
	// PrivateSubnetIDs are the subnets the endpoint is associated with, by
	// zone. AWS allows one association per zone; each costs by the hour.
	PrivateSubnetIDs map[string]pulumi.StringInput
	// IsolatedCIDRs are the isolated tier's subnets, by zone: the only
	// networks clients are authorized to reach.
	IsolatedCIDRs map[string]netip.Prefix
	// LogKMSKeyARN encrypts the connection log (the stack passes the session key).
	LogKMSKeyARN pulumi.StringInput
	// Protect keeps the connection log when the VPN is removed. The endpoint
	// itself is not protected: turning the VPN off must be an ordinary change,
	// and a change that would replace it (a new client range, which gives it a
	// new DNS name and invalidates every client profile) is flagged by the
	// offline change report instead.
	Protect bool
	Tags    map[string]string
}

// ClientVPN is the developers' VPN: mutual TLS, split tunnel, every
// connection logged, and authorized for the isolated tier only.
type ClientVPN struct {
	pulumi.ResourceState

	LogGroup  *cloudwatch.LogGroup
	LogStream *cloudwatch.LogStream
	Endpoint  *ec2clientvpn.Endpoint
	// Associations and Authorizations by zone.
	Associations   map[string]*ec2clientvpn.NetworkAssociation
	Authorizations map[string]*ec2clientvpn.AuthorizationRule

	EndpointID pulumi.StringOutput
	DNSName    pulumi.StringOutput

	region string
}

// NewClientVPN registers the Client VPN endpoint, its associations, its
// authorization rules and its connection log.
//
// Clients can reach exactly two things: the isolated subnets (one
// authorization rule per zone) and the VPC resolver (a /32, so that the DNS
// server the clients are handed answers; without it every lookup on a
// connected laptop fails). Nothing authorizes the VPC block, the private
// tier or 0.0.0.0/0. AWS adds a route for the whole VPC block when a subnet
// is associated; routes only say where traffic may go, authorization rules
// and the endpoint's security group say whether it does.
func NewClientVPN(ctx *pulumi.Context, name string, args *ClientVPNArgs, opts ...pulumi.ResourceOption) (*ClientVPN, error) {
	if err := checkClientVPNArgs(args); err != nil {
		return nil, fmt.Errorf("access.NewClientVPN(%q): %w", name, err)
	}
	c := &ClientVPN{
		Associations:   map[string]*ec2clientvpn.NetworkAssociation{},
		Authorizations: map[string]*ec2clientvpn.AuthorizationRule{},
		region:         args.Env.Region,
	}
	if err := ctx.RegisterComponentResource("platform:access:ClientVpn", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)
	tg := tags.New("access", args.Tags)
	cfg := args.Config

	var err error
	c.LogGroup, err = cloudwatch.NewLogGroup(ctx, name+"-logs", &cloudwatch.LogGroupArgs{
		// Retained when the VPN is turned off (protected stacks), so each
		// lifetime gets its own name: a fixed one would make turning the VPN
		// on again fail with "already exists".
		NamePrefix:      pulumi.String(VPNLogGroupPrefix(name)),
		RetentionInDays: pulumi.Int(cfg.Retention()),
		KmsKeyId:        args.LogKMSKeyARN,
		Tags:            tg.Named(name),
	}, parent, pulumi.RetainOnDelete(args.Protect))
	if err != nil {
		return nil, err
	}
	c.LogStream, err = cloudwatch.NewLogStream(ctx, name+"-connections", &cloudwatch.LogStreamArgs{
		LogGroupName: c.LogGroup.Name,
		Name:         pulumi.String("connections"),
	}, parent)
	if err != nil {
		return nil, err
	}

	auth := ec2clientvpn.EndpointAuthenticationOptionArray{
		// Mutual TLS: a client presents a certificate signed by this CA.
		ec2clientvpn.EndpointAuthenticationOptionArgs{
			Type:                    pulumi.String("certificate-authentication"),
			RootCertificateChainArn: pulumi.String(cfg.ClientRootCertificateARN),
		},
	}
	if cfg.SAMLProviderARN != "" {
		// And, when configured, a login as well: both must succeed.
		auth = append(auth, ec2clientvpn.EndpointAuthenticationOptionArgs{
			Type:            pulumi.String("federated-authentication"),
			SamlProviderArn: pulumi.String(cfg.SAMLProviderARN),
		})
	}
	c.Endpoint, err = ec2clientvpn.NewEndpoint(ctx, name, &ec2clientvpn.EndpointArgs{
		Description:           pulumi.String(name + ": developer access to the isolated (data) tier; mutual TLS, split tunnel, connections logged"),
		ServerCertificateArn:  pulumi.String(cfg.ServerCertificateARN),
		AuthenticationOptions: auth,
		ClientCidrBlock:       pulumi.String(cfg.ClientCIDR.String()),
		SplitTunnel:           pulumi.Bool(true),
		ConnectionLogOptions: ec2clientvpn.EndpointConnectionLogOptionsArgs{
			Enabled:             pulumi.Bool(true),
			CloudwatchLogGroup:  c.LogGroup.Name,
			CloudwatchLogStream: c.LogStream.Name,
		},
		VpcId:               args.VpcID,
		SecurityGroupIds:    pulumi.StringArray{args.SecurityGroupID},
		TransportProtocol:   pulumi.String(cfg.Transport()),
		SessionTimeoutHours: pulumi.Int(cfg.SessionTimeout()),
		// The portal serves configuration files to SAML users only, and a file
		// is useless here without a client certificate.
		SelfServicePortal: pulumi.String("disabled"),
		Tags:              tg.Named(name),
	}, parent)
	if err != nil {
		return nil, err
	}
	c.EndpointID = c.Endpoint.ID().ToStringOutput()
	c.DNSName = c.Endpoint.DnsName

	for _, az := range sortedKeys(args.PrivateSubnetIDs) {
		a, err := ec2clientvpn.NewNetworkAssociation(ctx, name+"-assoc-"+az, &ec2clientvpn.NetworkAssociationArgs{
			ClientVpnEndpointId: c.EndpointID,
			SubnetId:            args.PrivateSubnetIDs[az],
		}, parent)
		if err != nil {
			return nil, err
		}
		c.Associations[az] = a
	}

	// Clients keep their own DNS servers: Aurora and ElastiCache endpoint names
	// are public records that resolve to private addresses, so nothing beyond
	// the isolated subnets needs authorizing, not even the VPC resolver.
	//
	// Authorization rules need only the endpoint: AWS accepts them before any
	// subnet is associated, so they carry no dependency on the associations
	// and are created alongside them.
	for _, az := range sortedKeys(args.IsolatedCIDRs) {
		cidr := args.IsolatedCIDRs[az]
		r, err := ec2clientvpn.NewAuthorizationRule(ctx, name+"-authorize-"+az, &ec2clientvpn.AuthorizationRuleArgs{
			ClientVpnEndpointId: c.EndpointID,
			TargetNetworkCidr:   pulumi.String(cidr.String()),
			AuthorizeAllGroups:  pulumi.Bool(true),
			Description:         pulumi.String("Isolated (data) subnet in " + az),
		}, parent)
		if err != nil {
			return nil, err
		}
		c.Authorizations[az] = r
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"endpointId":   c.EndpointID,
		"dnsName":      c.DNSName,
		"logGroupName": c.LogGroup.Name,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

func checkClientVPNArgs(args *ClientVPNArgs) error {
	if args == nil {
		return fmt.Errorf("args are required")
	}
	switch {
	case args.Env.Region == "":
		return fmt.Errorf("Env.Region is required")
	case !args.VPC.IsValid() || !args.VPC.Addr().Is4():
		return fmt.Errorf("VPC must be the VPC's IPv4 block")
	case args.VpcID == nil || args.SecurityGroupID == nil || args.LogKMSKeyARN == nil:
		return fmt.Errorf("VpcID, SecurityGroupID and LogKMSKeyARN are required")
	case len(args.PrivateSubnetIDs) == 0:
		return fmt.Errorf("at least one private subnet is required to associate the endpoint with")
	case len(args.IsolatedCIDRs) == 0:
		return fmt.Errorf("at least one isolated subnet is required: it is all the VPN may reach")
	}
	for az, id := range args.PrivateSubnetIDs {
		if az == "" || id == nil {
			return fmt.Errorf("PrivateSubnetIDs: every subnet needs a zone and an ID")
		}
	}
	vpc := args.VPC.Masked()
	for az, cidr := range args.IsolatedCIDRs {
		if !cidr.IsValid() || cidr != cidr.Masked() || !vpc.Contains(cidr.Addr()) || cidr.Bits() < vpc.Bits() {
			return fmt.Errorf("IsolatedCIDRs[%q] = %s is not a subnet of the VPC %s", az, cidr, vpc)
		}
	}
	cfg := args.Config
	if !cfg.Enabled {
		return fmt.Errorf("the Client VPN is not enabled in the config; do not create it")
	}
	var p problems.List
	cfg.validate("clientVpn", ValidateContext{VPC: vpc, Region: args.Env.Region}, &p)
	if !network.ValidRetention(cfg.Retention()) {
		p.Add("clientVpn.logRetentionDays", "%d is not a CloudWatch retention", cfg.Retention())
	}
	return p.Err()
}

// VPNLogGroupPrefix is the name prefix of the log group a ClientVPN named
// name logs connections to; AWS's unique suffix follows it.
func VPNLogGroupPrefix(name string) string { return "/platform/" + name + "-" }

// ExportConfigCommand renders the command that downloads the endpoint's
// client configuration. With mutual TLS the file still needs the user's own
// certificate and key (<cert> and <key> blocks) before a client can connect.
func ExportConfigCommand(endpointID pulumi.StringInput, region string) pulumi.StringOutput {
	return endpointID.ToStringOutput().ApplyT(func(id string) string {
		return "aws ec2 export-client-vpn-client-configuration --region " + shellWord(region) +
			" --client-vpn-endpoint-id " + shellWord(id) + " --output text > client-vpn.ovpn"
	}).(pulumi.StringOutput)
}

// ExportConfigCommand is ExportConfigCommand for this endpoint.
func (c *ClientVPN) ExportConfigCommand() pulumi.StringOutput {
	return ExportConfigCommand(c.EndpointID, c.region)
}
