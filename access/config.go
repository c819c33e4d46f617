package access

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/acme/platform/internal/decode"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/network"
)

// Config is the stack value `platform:access`.
type Config struct {
	// SessionManager sets the account's Session Manager preferences. Every field
	// has a default, so the whole object may be left out.
	SessionManager SessionManagerConfig `json:"sessionManager"`
	// ClientVPN is the developers' VPN to the isolated tier. Absent, or with
	// enabled: false, there is no VPN.
	ClientVPN *ClientVPNConfig `json:"clientVpn,omitempty"`
}

// SessionManagerConfig sets how Session Manager sessions behave.
type SessionManagerConfig struct {
	// IdleTimeoutMinutes ends a session after this long without input: 1 to 60, default 20.
	IdleTimeoutMinutes int `json:"idleTimeoutMinutes,omitempty"`
	// MaxSessionMinutes ends any session after this long: 1 to 1440, default
	// 480. An explicit 0 leaves it to AWS (no limit), which a protected stack
	// rejects. A pointer, so that "not set" (480) and 0 (no limit) differ.
	MaxSessionMinutes *int `json:"maxSessionMinutes,omitempty"`
	// LogRetentionDays keeps session logs this long; a CloudWatch retention value, default 365.
	LogRetentionDays int `json:"logRetentionDays,omitempty"`
	// RunAsUser turns on Run As for Linux instances: sessions start as this OS
	// user (which must exist on the instance) instead of ssm-user. An IAM
	// principal tagged SSMSessionRunAs still gets the user its tag names.
	RunAsUser string `json:"runAsUser,omitempty"`
	// Preferences is what this stack does with the account's one
	// SSM-SessionManagerRunShell document: own (write it: every instance in
	// the account and region gets this stack's encrypted, logged sessions),
	// adopt (import an existing one unchanged; then own) or none (leave it
	// alone; the default, which cannot break a shared account). See preferences.go.
	Preferences PreferencesMode `json:"preferences,omitempty"`
	// AccountPreferences, with none or adopt, says what the account's document
	// uses (kmsKey, logGroup, s3Bucket), so that this stack's roles are
	// granted it and its workloads can reach those services.
	AccountPreferences *AccountPreferences `json:"accountPreferences,omitempty"`
	// ImportPreferences was the switch that became preferences: adopt; it is
	// read only to say so.
	ImportPreferences *bool `json:"importPreferences,omitempty"`
}

// ClientVPNConfig configures the Client VPN endpoint.
type ClientVPNConfig struct {
	// Enabled must be said explicitly, true or false, whenever the block is present.
	Enabled bool `json:"enabled"`
	// ClientCIDR is where client addresses come from: /12 to /22, RFC 1918,
	// outside the VPC and every connected network. AWS cannot change it later:
	// a new range replaces the endpoint.
	ClientCIDR netip.Prefix `json:"clientCidr"`
	// ServerCertificateARN is the ACM certificate the endpoint presents.
	ServerCertificateARN string `json:"serverCertificateArn"`
	// ClientRootCertificateARN is the ACM certificate of the CA that signs
	// client certificates (mutual TLS). It may be the server certificate when
	// one CA issued both.
	ClientRootCertificateARN string `json:"clientRootCertificateArn"`
	// SAMLProviderARN, optional, adds federated (SAML) authentication on top of
	// mutual TLS: a client needs both a certificate and a login.
	SAMLProviderARN string `json:"samlProviderArn,omitempty"`
	// ConnectionLogging defaults to true; false is rejected: every connection is logged.
	ConnectionLogging *bool `json:"connectionLogging,omitempty"`
	// LogRetentionDays keeps connection logs this long; default 365.
	LogRetentionDays int `json:"logRetentionDays,omitempty"`
	// SplitTunnel defaults to true; false is rejected. Only traffic for the VPC
	// goes through the VPN; everything else keeps the client's own route. A full
	// tunnel would need a 0.0.0.0/0 route and authorization, which this package
	// never creates, so clients would simply lose the internet while connected.
	SplitTunnel *bool `json:"splitTunnel,omitempty"`
	// SessionTimeoutHours is how long a connection lasts before the client must
	// authenticate again: 8 (default), 10, 12 or 24.
	SessionTimeoutHours int `json:"sessionTimeoutHours,omitempty"`
	// TransportProtocol is udp (default) or tcp.
	TransportProtocol string `json:"transportProtocol,omitempty"`
}

// Defaults.
const (
	DefaultIdleTimeoutMinutes  = 20
	DefaultMaxSessionMinutes   = 480
	DefaultLogRetentionDays    = 365
	DefaultSessionTimeoutHours = 8
	DefaultTransportProtocol   = "udp"

	MinIdleTimeoutMinutes = 1
	MaxIdleTimeoutMinutes = 60
	MinMaxSessionMinutes  = 1
	MaxMaxSessionMinutes  = 1440

	// MinClientCIDRBits and MaxClientCIDRBits bound the client range: AWS
	// wants at least a /22 and at most a /12.
	MinClientCIDRBits = 12
	MaxClientCIDRBits = 22
)

// SessionTimeoutHours lists the values Client VPN accepts.
var SessionTimeoutHours = []int{8, 10, 12, 24}

// TransportProtocols lists the accepted transport protocols.
var TransportProtocols = []string{"udp", "tcp"}

// IdleTimeout returns the idle timeout in minutes.
func (s SessionManagerConfig) IdleTimeout() int {
	if s.IdleTimeoutMinutes == 0 {
		return DefaultIdleTimeoutMinutes
	}
	return s.IdleTimeoutMinutes
}

// MaxSession returns the maximum session length in minutes; 0 means no limit.
func (s SessionManagerConfig) MaxSession() int {
	if s.MaxSessionMinutes == nil {
		return DefaultMaxSessionMinutes
	}
	return *s.MaxSessionMinutes
}

// Retention returns the session log retention in days.
func (s SessionManagerConfig) Retention() int {
	if s.LogRetentionDays == 0 {
		return DefaultLogRetentionDays
	}
	return s.LogRetentionDays
}

// VPN returns the Client VPN config when the VPN is enabled, else nil.
func (c Config) VPN() *ClientVPNConfig {
	if c.ClientVPN == nil || !c.ClientVPN.Enabled {
		return nil
	}
	return c.ClientVPN
}

// Retention returns the connection log retention in days.
func (c ClientVPNConfig) Retention() int {
	if c.LogRetentionDays == 0 {
		return DefaultLogRetentionDays
	}
	return c.LogRetentionDays
}

// SessionTimeout returns the session timeout in hours.
func (c ClientVPNConfig) SessionTimeout() int {
	if c.SessionTimeoutHours == 0 {
		return DefaultSessionTimeoutHours
	}
	return c.SessionTimeoutHours
}

// Transport returns the transport protocol.
func (c ClientVPNConfig) Transport() string {
	if c.TransportProtocol == "" {
		return DefaultTransportProtocol
	}
	return c.TransportProtocol
}

// SessionEndpoints returns the interface VPC endpoints Session Manager needs
// when instances have no route to the internet (natNone), sorted by name:
//
//   - ssm: the agent registers and reads its preferences;
//   - ssmmessages: the session channel itself (also ECS Exec);
//   - ec2messages: the agent's command channel (agents before 3.3.40 need it
//     for sessions; newer ones still use it for Run Command);
//   - kms: the agent decrypts the session key (when sessions are encrypted,
//     which they always are on this platform: pass encrypted=true);
//   - logs: the agent streams the session transcript to CloudWatch Logs
//     (always, here: sessions are always logged).
//
// With a NAT gateway the agent reaches the regional public endpoints, so none
// is required and the result is nil; the stack may still add them to keep
// session traffic off the NAT. Every name is a network.InterfaceServices key.
func SessionEndpoints(natNone bool, encrypted bool) []string {
	if !natNone {
		return nil
	}
	out := []string{"ec2messages"}
	if encrypted {
		out = append(out, "kms")
	}
	return append(out, "logs", "ssm", "ssmmessages")
}

// Decode reads the raw `platform:access` value strictly into a Config.
func Decode(key string, raw any, p *problems.List) Config {
	var c Config
	decode.Into(key, raw, &c, p)
	// A clientVpn block without enabled would otherwise silently mean "no VPN".
	if obj, ok := raw.(map[string]any); ok {
		if vpn, ok := obj["clientVpn"].(map[string]any); ok {
			if _, set := vpn["enabled"]; !set {
				p.Add(key+".clientVpn.enabled", "required; set true to create the Client VPN endpoint, or false to keep these settings without one")
			}
		}
	}
	return c
}

// ValidateContext is what the access config is checked against.
type ValidateContext struct {
	// VPC is the VPC block (zero if the network config is itself invalid).
	VPC netip.Prefix
	// OtherNetworks are the connected ranges (platform:network.otherNetworks).
	OtherNetworks []netip.Prefix
	// Protect is platform:protect.
	Protect bool
	// Region is aws:region, or "" if unknown: ACM certificates for Client VPN
	// must live in the endpoint's region.
	Region string
}

var (
	acmARN  = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):acm:([a-z]{2}(-gov)?-[a-z]+-\d):(\d{12}):certificate/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	samlARN = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):saml-provider/[A-Za-z0-9._-]{1,128}$`)
	// A Linux user name as useradd accepts it by default.
	linuxUser = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)
)

// Validate checks the access config, recording every problem under key
// (normally "platform:access").
func (c Config) Validate(key string, v ValidateContext, p *problems.List) {
	c.SessionManager.validate(key+".sessionManager", v, p)
	if vpn := c.VPN(); vpn != nil {
		vpn.validate(key+".clientVpn", v, p)
	}
}

func (s SessionManagerConfig) validate(key string, v ValidateContext, p *problems.List) {
	if n := s.IdleTimeoutMinutes; n != 0 && (n < MinIdleTimeoutMinutes || n > MaxIdleTimeoutMinutes) {
		p.Add(key+".idleTimeoutMinutes", "%d is out of range; use %d to %d minutes (default %d)", n, MinIdleTimeoutMinutes, MaxIdleTimeoutMinutes, DefaultIdleTimeoutMinutes)
	}
	if s.MaxSessionMinutes != nil {
		switch n := *s.MaxSessionMinutes; {
		case n == 0 && v.Protect:
			p.Add(key+".maxSessionMinutes", "0 (no limit) is not allowed on a protected stack; set %d to %d minutes (default %d)", MinMaxSessionMinutes, MaxMaxSessionMinutes, DefaultMaxSessionMinutes)
		case n != 0 && (n < MinMaxSessionMinutes || n > MaxMaxSessionMinutes):
			p.Add(key+".maxSessionMinutes", "%d is out of range; use %d to %d minutes, or 0 for no limit (default %d)", n, MinMaxSessionMinutes, MaxMaxSessionMinutes, DefaultMaxSessionMinutes)
		}
	}
	validateRetention(key+".logRetentionDays", s.LogRetentionDays, p)
	s.validatePreferences(key, v, p)
	switch u := s.RunAsUser; {
	case u == "":
	case u == "root":
		p.Add(key+".runAsUser", `"root" is not allowed; name an unprivileged user, so that anything done as root goes through sudo`)
	case !linuxUser.MatchString(u):
		p.Add(key+".runAsUser", `%q is not a Linux user name; use lowercase letters, digits, "_" and "-", starting with a letter or "_", at most 32 characters`, u)
	}
}

func (c ClientVPNConfig) validate(key string, v ValidateContext, p *problems.List) {
	c.validateClientCIDR(key+".clientCidr", v, p)

	validateACM(key+".serverCertificateArn", c.ServerCertificateARN, v.Region,
		"required; import or issue the server certificate in ACM and give its ARN", p)
	validateACM(key+".clientRootCertificateArn", c.ClientRootCertificateARN, v.Region,
		"required for mutual TLS; import the certificate of the CA that signs client certificates into ACM and give its ARN", p)
	if s := c.SAMLProviderARN; s != "" && !samlARN.MatchString(s) {
		p.Add(key+".samlProviderArn", "%q is not an IAM SAML provider ARN; expected arn:aws:iam::<account>:saml-provider/<name>", s)
	}

	if c.ConnectionLogging != nil && !*c.ConnectionLogging {
		p.Add(key+".connectionLogging", "false is not allowed; every VPN connection must be logged")
	}
	validateRetention(key+".logRetentionDays", c.LogRetentionDays, p)
	if c.SplitTunnel != nil && !*c.SplitTunnel {
		p.Add(key+".splitTunnel", "false is not allowed; only traffic for the VPC goes through the VPN, and a full tunnel would cut clients off the internet (nothing routes or authorizes 0.0.0.0/0)")
	}
	if n := c.SessionTimeoutHours; n != 0 && !contains(SessionTimeoutHours, n) {
		p.Add(key+".sessionTimeoutHours", "%d is not a Client VPN session timeout; use 8, 10, 12 or 24 hours", n)
	}
	if t := c.TransportProtocol; t != "" && !contains(TransportProtocols, t) {
		p.Add(key+".transportProtocol", "%q is not a transport protocol; use udp or tcp", t)
	}
}

func (c ClientVPNConfig) validateClientCIDR(key string, v ValidateContext, p *problems.List) {
	cidr := c.ClientCIDR
	const fix = "choose a client range outside the VPC and every connected network"
	switch {
	case !cidr.IsValid():
		p.Add(key, "required; choose a private client range between /%d and /%d outside the VPC and every connected network", MinClientCIDRBits, MaxClientCIDRBits)
		return
	case !cidr.Addr().Is4():
		p.Add(key, "%s is not an IPv4 block; Client VPN gives clients IPv4 addresses", cidr)
		return
	case cidr != cidr.Masked():
		p.Add(key, "%s has host bits set; did you mean %s?", cidr, cidr.Masked())
		return
	case cidr.Bits() > MaxClientCIDRBits:
		p.Add(key, "/%d is too small; Client VPN needs between /%d and /%d", cidr.Bits(), MinClientCIDRBits, MaxClientCIDRBits)
		return
	case cidr.Bits() < MinClientCIDRBits:
		p.Add(key, "/%d is too large; Client VPN needs between /%d and /%d", cidr.Bits(), MinClientCIDRBits, MaxClientCIDRBits)
		return
	case !network.IsPrivateRange(cidr):
		p.Add(key, "%s is not in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10); the client range becomes a security group rule source and must never be public", cidr)
		return
	}
	if v.VPC.IsValid() && cidr.Overlaps(v.VPC) {
		p.Add(key, "%s overlaps the VPC block %s; %s", cidr, v.VPC, fix)
		return
	}
	for _, o := range v.OtherNetworks {
		if o.IsValid() && cidr.Overlaps(o) {
			p.Add(key, "%s overlaps the connected network %s; %s", cidr, o, fix)
			return
		}
	}
}

func validateACM(key, arn, region, missing string, p *problems.List) {
	if arn == "" {
		p.Add(key, "%s", missing)
		return
	}
	m := acmARN.FindStringSubmatch(arn)
	if m == nil {
		p.Add(key, "%q is not an ACM certificate ARN; expected arn:aws:acm:<region>:<account>:certificate/<id>", arn)
		return
	}
	if region != "" && m[2] != region {
		p.Add(key, "the certificate is in %s but the endpoint is in %s; Client VPN needs its certificates in ACM in the endpoint's region", m[2], region)
	}
}

func validateRetention(key string, days int, p *problems.List) {
	if days != 0 && !network.ValidRetention(days) {
		p.Add(key, "%d is not a retention CloudWatch accepts; use one of %s", days, joinInts(network.RetentionDays))
	}
}

func within(p netip.Prefix, ranges []netip.Prefix) bool {
	for _, r := range ranges {
		if r.Bits() <= p.Bits() && r.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}
