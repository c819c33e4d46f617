package access_test

import (
	"net/netip"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/access"
	"github.com/acme/platform/internal/sim"
)

const (
	vpnName    = "prod-vpn"
	logKeyARN  = "arn:aws:kms:us-east-1:123456789012:key/0f0f0f0f-1111-2222-3333-444444444444"
	vpnGroupID = "sg-0vpn"
)

var (
	prodVPC = mustPrefix("10.0.0.0/16")
	// The prod plan: private is the first half, isolated the last quarter.
	privateCIDRs = []netip.Prefix{mustPrefix("10.0.0.0/20"), mustPrefix("10.0.16.0/20"), mustPrefix("10.0.32.0/20")}
	isolated     = map[string]netip.Prefix{
		"us-east-1a": mustPrefix("10.0.192.0/24"),
		"us-east-1b": mustPrefix("10.0.193.0/24"),
		"us-east-1c": mustPrefix("10.0.194.0/24"),
	}
)

func vpnConfig() access.ClientVPNConfig {
	return access.ClientVPNConfig{
		Enabled:                  true,
		ClientCIDR:               mustPrefix("10.100.0.0/22"),
		ServerCertificateARN:     serverCertARN,
		ClientRootCertificateARN: clientCertARN,
	}
}

func vpnArgs(cfg access.ClientVPNConfig) *access.ClientVPNArgs {
	return &access.ClientVPNArgs{
		Config:          cfg,
		Env:             env,
		VPC:             prodVPC,
		VpcID:           pulumi.String("vpc-0prod"),
		SecurityGroupID: pulumi.String(vpnGroupID),
		PrivateSubnetIDs: map[string]pulumi.StringInput{
			"us-east-1a": pulumi.String("subnet-private-a"),
			"us-east-1b": pulumi.String("subnet-private-b"),
			"us-east-1c": pulumi.String("subnet-private-c"),
		},
		IsolatedCIDRs: isolated,
		LogKMSKeyARN:  pulumi.String(logKeyARN),
		Tags:          map[string]string{"owner": "platform"},
	}
}

func vpnGraph(t *testing.T, args *access.ClientVPNArgs) *sim.Graph {
	t.Helper()
	return simulate(t, func(ctx *pulumi.Context) error {
		_, err := access.NewClientVPN(ctx, vpnName, args)
		return err
	})
}

func endpoint(t *testing.T, g *sim.Graph) sim.Resource {
	t.Helper()
	eps := g.OfType(tEndpoint)
	if len(eps) != 1 {
		t.Fatalf("%d Client VPN endpoints, want 1", len(eps))
	}
	return eps[0]
}

func TestClientVPN_UsesMutualTLSWithBothCertificates(t *testing.T) {
	tests := []struct {
		name string
		saml string
		want []map[string]any
	}{
		{"certificates only", "", []map[string]any{
			{"type": "certificate-authentication", "rootCertificateChainArn": clientCertARN},
		}},
		{"SAML on top of certificates", samlARN, []map[string]any{
			{"type": "certificate-authentication", "rootCertificateChainArn": clientCertARN},
			{"type": "federated-authentication", "samlProviderArn": samlARN},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := vpnConfig()
			cfg.SAMLProviderARN = tt.saml
			ep := endpoint(t, vpnGraph(t, vpnArgs(cfg)))
			if str(ep, "serverCertificateArn") != serverCertARN {
				t.Errorf("server certificate %q", str(ep, "serverCertificateArn"))
			}
			if got := ep.Inputs["authenticationOptions"]; !equalJSON(got, tt.want) {
				t.Errorf("authentication options\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestClientVPN_SplitTunnelOwnGroupAndSettings(t *testing.T) {
	cfg := vpnConfig()
	cfg.SessionTimeoutHours = 12
	cfg.TransportProtocol = "tcp"
	ep := endpoint(t, vpnGraph(t, vpnArgs(cfg)))
	checks := []struct {
		field string
		got   any
		want  any
	}{
		{"clientCidrBlock", ep.Inputs["clientCidrBlock"], "10.100.0.0/22"},
		{"splitTunnel", ep.Inputs["splitTunnel"], true},
		{"vpcId", ep.Inputs["vpcId"], "vpc-0prod"},
		{"securityGroupIds", ep.Inputs["securityGroupIds"], []any{vpnGroupID}},
		{"dnsServers", ep.Inputs["dnsServers"], nil},
		{"selfServicePortal", ep.Inputs["selfServicePortal"], "disabled"},
		{"transportProtocol", ep.Inputs["transportProtocol"], "tcp"},
		{"sessionTimeoutHours", ep.Inputs["sessionTimeoutHours"], float64(12)},
	}
	for _, c := range checks {
		if !equalJSON(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.field, c.got, c.want)
		}
	}
	if str(ep, "description") == "" {
		t.Error("the endpoint has no description")
	}
}

func TestClientVPN_DefaultsAreUDPAndEightHours(t *testing.T) {
	ep := endpoint(t, vpnGraph(t, vpnArgs(vpnConfig())))
	if str(ep, "transportProtocol") != "udp" || ep.Inputs["sessionTimeoutHours"] != float64(8) {
		t.Errorf("transport %v, timeout %v; want udp, 8", ep.Inputs["transportProtocol"], ep.Inputs["sessionTimeoutHours"])
	}
}

func TestClientVPN_LogsEveryConnectionToAnEncryptedGroup(t *testing.T) {
	g := vpnGraph(t, vpnArgs(vpnConfig()))
	lg := mustNamed(t, g, tLogGroup, vpnName+"-logs")
	// A prefix, not a fixed name: the group is retained when the VPN goes,
	// so the next VPN's group must not ask for the same name.
	if str(lg, "namePrefix") != "/platform/prod-vpn-" || lg.Inputs["name"] != nil || str(lg, "kmsKeyId") != logKeyARN || lg.Inputs["retentionInDays"] != float64(365) {
		t.Errorf("log group name=%q prefix=%q key=%q retention=%v", str(lg, "name"), str(lg, "namePrefix"), str(lg, "kmsKeyId"), lg.Inputs["retentionInDays"])
	}
	name, _ := lg.Outputs["name"].(string)
	ls := mustNamed(t, g, tLogStream, vpnName+"-connections")
	if !strings.HasPrefix(name, "/platform/prod-vpn-") || str(ls, "logGroupName") != name {
		t.Errorf("log stream in %q, group %q", str(ls, "logGroupName"), name)
	}
	want := map[string]any{"enabled": true, "cloudwatchLogGroup": name, "cloudwatchLogStream": str(ls, "name")}
	if got := endpoint(t, g).Inputs["connectionLogOptions"]; !equalJSON(got, want) {
		t.Errorf("connection logging %v, want %v", got, want)
	}
}

func TestClientVPN_IsAssociatedWithEachPrivateSubnetOnly(t *testing.T) {
	g := vpnGraph(t, vpnArgs(vpnConfig()))
	ep := endpoint(t, g)
	got := map[string]string{}
	for _, a := range g.OfType(tAssoc) {
		got[a.Name] = str(a, "subnetId")
		if str(a, "clientVpnEndpointId") != ep.ID {
			t.Errorf("%s associates endpoint %q, want %q", a.Name, str(a, "clientVpnEndpointId"), ep.ID)
		}
	}
	want := map[string]string{
		vpnName + "-assoc-us-east-1a": "subnet-private-a",
		vpnName + "-assoc-us-east-1b": "subnet-private-b",
		vpnName + "-assoc-us-east-1c": "subnet-private-c",
	}
	if !equalJSON(got, want) {
		t.Errorf("associations %v, want %v", got, want)
	}
}

func TestClientVPN_AuthorizesOnlyTheIsolatedSubnets(t *testing.T) {
	g := vpnGraph(t, vpnArgs(vpnConfig()))
	ep := endpoint(t, g)
	var targets []string
	for _, r := range g.OfType(tAuthRule) {
		targets = append(targets, str(r, "targetNetworkCidr"))
		if str(r, "clientVpnEndpointId") != ep.ID || r.Inputs["authorizeAllGroups"] != true || str(r, "description") == "" {
			t.Errorf("%s: endpoint %q, all groups %v, description %q", r.Name, str(r, "clientVpnEndpointId"), r.Inputs["authorizeAllGroups"], str(r, "description"))
		}
	}
	sort.Strings(targets)
	// The isolated subnets and nothing else: database and cache endpoint
	// names resolve publicly to private addresses, so clients need no VPC DNS.
	want := []string{"10.0.192.0/24", "10.0.193.0/24", "10.0.194.0/24"}
	if !slices.Equal(targets, want) {
		t.Fatalf("authorized networks %v, want %v", targets, want)
	}
	for _, az := range []string{"us-east-1a", "us-east-1b", "us-east-1c"} {
		if r := mustNamed(t, g, tAuthRule, vpnName+"-authorize-"+az); str(r, "targetNetworkCidr") != isolated[az].String() {
			t.Errorf("%s authorizes %s, want %s", r.Name, str(r, "targetNetworkCidr"), isolated[az])
		}
	}
	// Nothing reaches into the private tier, the VPC block or the internet.
	for _, s := range targets {
		p := mustPrefix(s)
		if p.Bits() < 24 && (p.Overlaps(prodVPC) || p.Bits() == 0) {
			t.Errorf("%s is broader than a subnet", p)
		}
		for _, priv := range privateCIDRs {
			if p.Overlaps(priv) {
				t.Errorf("%s reaches the private subnet %s", p, priv)
			}
		}
	}
}

func TestClientVPN_AuthorizationRulesDoNotWaitForAssociations(t *testing.T) {
	g := vpnGraph(t, vpnArgs(vpnConfig()))
	assocs := map[string]bool{}
	for _, a := range g.OfType(tAssoc) {
		assocs[a.URN] = true
	}
	for _, r := range g.OfType(tAuthRule) {
		for _, d := range r.Dependencies {
			if assocs[d] {
				t.Errorf("%s depends on association %s; the API does not need it", r.Name, d)
			}
		}
	}
}

// Turning the VPN off is an ordinary change; in a protected stack its
// connection log outlives it.
func TestClientVPN_ProtectKeepsTheConnectionLogNotTheEndpoint(t *testing.T) {
	args := vpnArgs(vpnConfig())
	args.Protect = true
	g := vpnGraph(t, args)
	if endpoint(t, g).Protect {
		t.Error("the endpoint must stay removable")
	}
	if lg := mustNamed(t, g, "aws:cloudwatch/logGroup:LogGroup", vpnName+"-logs"); !lg.RetainOnDelete {
		t.Error("the connection log must be retained when the VPN goes")
	}
}

func TestClientVPN_EveryChildBelongsToTheComponent(t *testing.T) {
	g := vpnGraph(t, vpnArgs(vpnConfig()))
	comp := mustNamed(t, g, tClientVPN, vpnName)
	// log group, stream, endpoint, 3 associations, 3 authorization rules
	if n := len(g.Children(comp.URN)); n != 9 {
		t.Errorf("%d children, want 9", n)
	}
	for _, r := range g.Children(comp.URN) {
		if r.Name != vpnName && !strings.HasPrefix(r.Name, vpnName+"-") {
			t.Errorf("child %s is not named after the component", r.Name)
		}
	}
}

func TestClientVPN_RejectsArgsItCannotBuildSafely(t *testing.T) {
	tests := []struct {
		name string
		edit func(a *access.ClientVPNArgs)
		want string
	}{
		{"disabled", func(a *access.ClientVPNArgs) { a.Config.Enabled = false },
			`access.NewClientVPN("prod-vpn"): the Client VPN is not enabled in the config; do not create it`},
		{"client range inside the VPC", func(a *access.ClientVPNArgs) { a.Config.ClientCIDR = mustPrefix("10.0.4.0/22") },
			`access.NewClientVPN("prod-vpn"): invalid stack configuration: clientVpn.clientCidr: 10.0.4.0/22 overlaps the VPC block 10.0.0.0/16; choose a client range outside the VPC and every connected network`},
		{"logging off", func(a *access.ClientVPNArgs) { off := false; a.Config.ConnectionLogging = &off },
			`access.NewClientVPN("prod-vpn"): invalid stack configuration: clientVpn.connectionLogging: false is not allowed; every VPN connection must be logged`},
		{"isolated range outside the VPC", func(a *access.ClientVPNArgs) {
			a.IsolatedCIDRs = map[string]netip.Prefix{"us-east-1a": mustPrefix("0.0.0.0/0")}
		}, `access.NewClientVPN("prod-vpn"): IsolatedCIDRs["us-east-1a"] = 0.0.0.0/0 is not a subnet of the VPC 10.0.0.0/16`},
		{"no isolated tier", func(a *access.ClientVPNArgs) { a.IsolatedCIDRs = nil },
			`access.NewClientVPN("prod-vpn"): at least one isolated subnet is required: it is all the VPN may reach`},
		{"no private subnet", func(a *access.ClientVPNArgs) { a.PrivateSubnetIDs = nil },
			`access.NewClientVPN("prod-vpn"): at least one private subnet is required to associate the endpoint with`},
		{"no log key", func(a *access.ClientVPNArgs) { a.LogKMSKeyARN = nil },
			`access.NewClientVPN("prod-vpn"): VpcID, SecurityGroupID and LogKMSKeyARN are required`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := vpnArgs(vpnConfig())
			tt.edit(args)
			m := sim.NewMonitor("platform", "test", "us-east-1")
			err := pulumi.RunErr(func(ctx *pulumi.Context) error {
				_, err := access.NewClientVPN(ctx, vpnName, args)
				return err
			}, pulumi.WithMocks("platform", "test", m))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got  %v\nwant %s", err, tt.want)
			}
			g, _ := m.Graph()
			if g != nil && len(g.OfType(tEndpoint)) != 0 {
				t.Error("an endpoint was registered despite the error")
			}
		})
	}
}

func TestClientVPN_LogGroupUsesTheSessionKey(t *testing.T) {
	// How the stack wires it: the session key encrypts the VPN's log too, and
	// the key policy lets CloudWatch Logs use it for any group of the account.
	g := simulate(t, func(ctx *pulumi.Context) error {
		sm, err := access.NewSessionManager(ctx, "prod", &access.SessionManagerArgs{Env: env})
		if err != nil {
			return err
		}
		args := vpnArgs(vpnConfig())
		args.LogKMSKeyARN = sm.KeyARN
		_, err = access.NewClientVPN(ctx, vpnName, args)
		return err
	})
	key := mustNamed(t, g, tKey, "prod-key")
	lg := mustNamed(t, g, tLogGroup, vpnName+"-logs")
	if str(lg, "kmsKeyId") != keyARN+key.ID {
		t.Errorf("VPN log group key %q, want the session key %s", str(lg, "kmsKeyId"), keyARN+key.ID)
	}
}
