package access_test

import (
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/acme/platform/access"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/network"
)

const key = "platform:access"

var prodContext = access.ValidateContext{
	VPC:           mustPrefix("10.0.0.0/16"),
	OtherNetworks: []netip.Prefix{mustPrefix("10.1.0.0/16"), mustPrefix("192.168.0.0/20")},
	Region:        "us-east-1",
}

// check decodes a stack value written as JSON and validates it, the way the
// stack does, returning every problem as "key: message".
func check(t *testing.T, js string, v access.ValidateContext) (access.Config, []string) {
	t.Helper()
	var raw any
	if err := json.Unmarshal([]byte(js), &raw); err != nil {
		t.Fatalf("bad test JSON: %v", err)
	}
	var p problems.List
	c := access.Decode(key, raw, &p)
	c.Validate(key, v, &p)
	return c, problems.Messages(p.Err())
}

// goodVPN is a complete, valid clientVpn block; cases edit one field.
func goodVPN() map[string]any {
	return map[string]any{
		"enabled":                  true,
		"clientCidr":               "10.100.0.0/22",
		"serverCertificateArn":     serverCertARN,
		"clientRootCertificateArn": clientCertARN,
	}
}

func vpnJSON(t *testing.T, edit func(m map[string]any)) string {
	t.Helper()
	m := goodVPN()
	edit(m)
	b, err := json.Marshal(map[string]any{"clientVpn": m})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestConfig_UnsetValuesTakeTheDefaults(t *testing.T) {
	for _, js := range []string{`null`, `{}`, `{"sessionManager": {}}`} {
		c, probs := check(t, js, prodContext)
		if len(probs) != 0 {
			t.Fatalf("%s: %v", js, probs)
		}
		s := c.SessionManager
		if s.IdleTimeout() != 20 || s.MaxSession() != 480 || s.Retention() != 365 || s.RunAsUser != "" {
			t.Errorf("%s: defaults idle=%d max=%d retention=%d runAs=%q; want 20, 480, 365, none",
				js, s.IdleTimeout(), s.MaxSession(), s.Retention(), s.RunAsUser)
		}
		if c.VPN() != nil {
			t.Errorf("%s: no clientVpn block must mean no VPN", js)
		}
	}
}

func TestConfig_ClientVPNDefaults(t *testing.T) {
	c, probs := check(t, vpnJSON(t, func(map[string]any) {}), prodContext)
	if len(probs) != 0 {
		t.Fatal(probs)
	}
	v := c.VPN()
	if v == nil {
		t.Fatal("enabled VPN not returned")
	}
	if v.Retention() != 365 || v.SessionTimeout() != 8 || v.Transport() != "udp" {
		t.Errorf("defaults retention=%d timeout=%d transport=%s; want 365, 8, udp", v.Retention(), v.SessionTimeout(), v.Transport())
	}
}

func TestConfig_ExplicitValuesAreKept(t *testing.T) {
	c, probs := check(t, `{"sessionManager": {"idleTimeoutMinutes": 15, "maxSessionMinutes": 0, "logRetentionDays": 731, "runAsUser": "ops"}}`,
		access.ValidateContext{VPC: mustPrefix("10.0.0.0/16")})
	if len(probs) != 0 {
		t.Fatal(probs)
	}
	s := c.SessionManager
	if s.IdleTimeout() != 15 || s.MaxSession() != 0 || s.Retention() != 731 || s.RunAsUser != "ops" {
		t.Errorf("got idle=%d max=%d retention=%d runAs=%q", s.IdleTimeout(), s.MaxSession(), s.Retention(), s.RunAsUser)
	}
}

func TestConfig_DisabledVPNIsNotChecked(t *testing.T) {
	c, probs := check(t, `{"clientVpn": {"enabled": false, "clientCidr": "10.0.0.0/24"}}`, prodContext)
	if len(probs) != 0 {
		t.Errorf("a disabled VPN's settings are kept, not checked: %v", probs)
	}
	if c.VPN() != nil {
		t.Error("enabled: false must mean no VPN")
	}
}

func TestConfig_ValidVPNIsAccepted(t *testing.T) {
	js := vpnJSON(t, func(m map[string]any) {
		m["samlProviderArn"] = samlARN
		m["connectionLogging"] = true
		m["splitTunnel"] = true
		m["logRetentionDays"] = 90
		m["sessionTimeoutHours"] = 12
		m["transportProtocol"] = "tcp"
		m["clientCidr"] = "172.20.0.0/16"
	})
	if _, probs := check(t, js, prodContext); len(probs) != 0 {
		t.Errorf("valid config rejected: %v", probs)
	}
}

func TestConfig_RejectsEachBadVPNSettingWithItsExactMessage(t *testing.T) {
	k := key + ".clientVpn."
	tests := []struct {
		name string
		edit func(m map[string]any)
		want string
	}{
		{"client range overlaps the VPC", func(m map[string]any) { m["clientCidr"] = "10.0.0.0/20" },
			k + "clientCidr: 10.0.0.0/20 overlaps the VPC block 10.0.0.0/16; choose a client range outside the VPC and every connected network"},
		{"client range contains the VPC", func(m map[string]any) { m["clientCidr"] = "10.0.0.0/12" },
			k + "clientCidr: 10.0.0.0/12 overlaps the VPC block 10.0.0.0/16; choose a client range outside the VPC and every connected network"},
		{"client range overlaps a connected network", func(m map[string]any) { m["clientCidr"] = "10.1.4.0/22" },
			k + "clientCidr: 10.1.4.0/22 overlaps the connected network 10.1.0.0/16; choose a client range outside the VPC and every connected network"},
		{"client range overlaps the second connected network", func(m map[string]any) { m["clientCidr"] = "192.168.0.0/22" },
			k + "clientCidr: 192.168.0.0/22 overlaps the connected network 192.168.0.0/20; choose a client range outside the VPC and every connected network"},
		{"client range too small", func(m map[string]any) { m["clientCidr"] = "10.100.0.0/24" },
			k + "clientCidr: /24 is too small; Client VPN needs between /12 and /22"},
		{"client range too large", func(m map[string]any) { m["clientCidr"] = "10.96.0.0/11" },
			k + "clientCidr: /11 is too large; Client VPN needs between /12 and /22"},
		{"client range missing", func(m map[string]any) { delete(m, "clientCidr") },
			k + "clientCidr: required; choose a private client range between /12 and /22 outside the VPC and every connected network"},
		{"client range with host bits", func(m map[string]any) { m["clientCidr"] = "10.100.0.1/22" },
			k + "clientCidr: 10.100.0.1/22 has host bits set; did you mean 10.100.0.0/22?"},
		{"client range public", func(m map[string]any) { m["clientCidr"] = "8.8.0.0/16" },
			k + "clientCidr: 8.8.0.0/16 is not in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10); the client range becomes a security group rule source and must never be public"},
		{"client range IPv6", func(m map[string]any) { m["clientCidr"] = "fd00::/48" },
			k + "clientCidr: fd00::/48 is not an IPv4 block; Client VPN gives clients IPv4 addresses"},
		{"client range not a CIDR", func(m map[string]any) { m["clientCidr"] = "10.100.0.0" },
			k + `clientCidr: "10.100.0.0" is not a CIDR (no '/'); write a block such as 10.0.0.0/16`},
		{"server certificate missing", func(m map[string]any) { delete(m, "serverCertificateArn") },
			k + "serverCertificateArn: required; import or issue the server certificate in ACM and give its ARN"},
		{"client root certificate missing", func(m map[string]any) { delete(m, "clientRootCertificateArn") },
			k + "clientRootCertificateArn: required for mutual TLS; import the certificate of the CA that signs client certificates into ACM and give its ARN"},
		{"server certificate ARN malformed", func(m map[string]any) { m["serverCertificateArn"] = "arn:aws:acm:us-east-1:123456789012:cert/abc" },
			k + `serverCertificateArn: "arn:aws:acm:us-east-1:123456789012:cert/abc" is not an ACM certificate ARN; expected arn:aws:acm:<region>:<account>:certificate/<id>`},
		{"client certificate ARN is an IAM ARN", func(m map[string]any) {
			m["clientRootCertificateArn"] = "arn:aws:iam::123456789012:server-certificate/vpn"
		},
			k + `clientRootCertificateArn: "arn:aws:iam::123456789012:server-certificate/vpn" is not an ACM certificate ARN; expected arn:aws:acm:<region>:<account>:certificate/<id>`},
		{"certificate in another region", func(m map[string]any) {
			m["serverCertificateArn"] = strings.Replace(serverCertARN, "us-east-1", "eu-west-1", 1)
		},
			k + "serverCertificateArn: the certificate is in eu-west-1 but the endpoint is in us-east-1; Client VPN needs its certificates in ACM in the endpoint's region"},
		{"SAML provider ARN malformed", func(m map[string]any) { m["samlProviderArn"] = "okta" },
			k + `samlProviderArn: "okta" is not an IAM SAML provider ARN; expected arn:aws:iam::<account>:saml-provider/<name>`},
		{"connection logging off", func(m map[string]any) { m["connectionLogging"] = false },
			k + "connectionLogging: false is not allowed; every VPN connection must be logged"},
		{"full tunnel", func(m map[string]any) { m["splitTunnel"] = false },
			k + "splitTunnel: false is not allowed; only traffic for the VPC goes through the VPN, and a full tunnel would cut clients off the internet (nothing routes or authorizes 0.0.0.0/0)"},
		{"session timeout not offered by AWS", func(m map[string]any) { m["sessionTimeoutHours"] = 9 },
			k + "sessionTimeoutHours: 9 is not a Client VPN session timeout; use 8, 10, 12 or 24 hours"},
		{"transport protocol unknown", func(m map[string]any) { m["transportProtocol"] = "quic" },
			k + `transportProtocol: "quic" is not a transport protocol; use udp or tcp`},
		{"log retention CloudWatch refuses", func(m map[string]any) { m["logRetentionDays"] = 100 },
			k + "logRetentionDays: 100 is not a retention CloudWatch accepts; use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653"},
		{"unknown key", func(m map[string]any) { m["clientCIDR"] = "10.100.0.0/22" },
			k + `clientCIDR: unknown key; did you mean "clientCidr"?`},
		{"enabled left out", func(m map[string]any) { delete(m, "enabled") },
			k + "enabled: required; set true to create the Client VPN endpoint, or false to keep these settings without one"},
		{"wrong type", func(m map[string]any) { m["splitTunnel"] = "yes" },
			k + `splitTunnel: want true or false, got "yes"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, probs := check(t, vpnJSON(t, tt.edit), prodContext)
			if len(probs) != 1 || probs[0] != tt.want {
				t.Errorf("got  %q\nwant [%q]", probs, tt.want)
			}
		})
	}
}

func TestConfig_RejectsEachBadSessionSettingWithItsExactMessage(t *testing.T) {
	k := key + ".sessionManager."
	tests := []struct {
		name    string
		js      string
		protect bool
		want    string
	}{
		{"idle timeout above an hour", `{"idleTimeoutMinutes": 61}`, false,
			k + "idleTimeoutMinutes: 61 is out of range; use 1 to 60 minutes (default 20)"},
		{"idle timeout negative", `{"idleTimeoutMinutes": -5}`, false,
			k + "idleTimeoutMinutes: -5 is out of range; use 1 to 60 minutes (default 20)"},
		{"session longer than a day", `{"maxSessionMinutes": 1441}`, false,
			k + "maxSessionMinutes: 1441 is out of range; use 1 to 1440 minutes, or 0 for no limit (default 480)"},
		{"unlimited sessions on a protected stack", `{"maxSessionMinutes": 0}`, true,
			k + "maxSessionMinutes: 0 (no limit) is not allowed on a protected stack; set 1 to 1440 minutes (default 480)"},
		{"log retention CloudWatch refuses", `{"logRetentionDays": 366}`, false,
			k + "logRetentionDays: 366 is not a retention CloudWatch accepts; use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653"},
		{"run as root", `{"runAsUser": "root"}`, false,
			k + `runAsUser: "root" is not allowed; name an unprivileged user, so that anything done as root goes through sudo`},
		{"run as a name Linux refuses", `{"runAsUser": "Ops Team"}`, false,
			k + `runAsUser: "Ops Team" is not a Linux user name; use lowercase letters, digits, "_" and "-", starting with a letter or "_", at most 32 characters`},
		{"misspelt key", `{"idleTimoutMinutes": 5}`, false,
			k + `idleTimoutMinutes: unknown key; did you mean "idleTimeoutMinutes"?`},
		{"fraction", `{"idleTimeoutMinutes": 2.5}`, false,
			k + "idleTimeoutMinutes: want a whole number, got the number 2.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := prodContext
			v.Protect = tt.protect
			_, probs := check(t, `{"sessionManager": `+tt.js+`}`, v)
			if len(probs) != 1 || probs[0] != tt.want {
				t.Errorf("got  %q\nwant [%q]", probs, tt.want)
			}
		})
	}
}

func TestConfig_UnknownTopLevelKeyIsNamed(t *testing.T) {
	_, probs := check(t, `{"sessionManger": {}}`, prodContext)
	want := []string{key + `.sessionManger: unknown key; did you mean "sessionManager"?`}
	if !slices.Equal(probs, want) {
		t.Errorf("got %q, want %q", probs, want)
	}
}

func TestConfig_ReportsEveryProblemAtOnce(t *testing.T) {
	js := `{
		"sessionManager": {"idleTimeoutMinutes": 90, "logRetentionDays": 2},
		"clientVpn": {
			"enabled": true,
			"clientCidr": "10.0.8.0/24",
			"clientRootCertificateArn": "not-an-arn",
			"connectionLogging": false,
			"sessionTimeoutHours": 48,
			"dnsServers": ["8.8.8.8"]
		}
	}`
	_, probs := check(t, js, prodContext)
	want := []string{
		key + `.clientVpn.clientCidr: /24 is too small; Client VPN needs between /12 and /22`,
		key + `.clientVpn.clientRootCertificateArn: "not-an-arn" is not an ACM certificate ARN; expected arn:aws:acm:<region>:<account>:certificate/<id>`,
		key + `.clientVpn.connectionLogging: false is not allowed; every VPN connection must be logged`,
		key + `.clientVpn.dnsServers: unknown key; known keys: clientCidr, clientRootCertificateArn, connectionLogging, enabled, logRetentionDays, samlProviderArn, serverCertificateArn, sessionTimeoutHours, splitTunnel, transportProtocol`,
		key + `.clientVpn.serverCertificateArn: required; import or issue the server certificate in ACM and give its ARN`,
		key + `.clientVpn.sessionTimeoutHours: 48 is not a Client VPN session timeout; use 8, 10, 12 or 24 hours`,
		key + `.sessionManager.idleTimeoutMinutes: 90 is out of range; use 1 to 60 minutes (default 20)`,
		key + `.sessionManager.logRetentionDays: 2 is not a retention CloudWatch accepts; use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653`,
	}
	if !slices.Equal(probs, want) {
		t.Errorf("got:\n  %s\nwant:\n  %s", strings.Join(probs, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestConfig_OverlapIsSkippedWhileTheVPCBlockIsInvalid(t *testing.T) {
	// A broken network block is reported by platform:network; the VPN must not
	// add a second, confusing problem about it.
	_, probs := check(t, vpnJSON(t, func(m map[string]any) { m["clientCidr"] = "10.0.0.0/22" }), access.ValidateContext{})
	if len(probs) != 0 {
		t.Errorf("got %q", probs)
	}
}

func TestSessionEndpoints_ListWhatSessionsNeedWithoutNAT(t *testing.T) {
	tests := []struct {
		natNone, encrypted bool
		want               []string
	}{
		{true, true, []string{"ec2messages", "kms", "logs", "ssm", "ssmmessages"}},
		{true, false, []string{"ec2messages", "logs", "ssm", "ssmmessages"}},
		{false, true, nil},
		{false, false, nil},
	}
	for _, tt := range tests {
		got := access.SessionEndpoints(tt.natNone, tt.encrypted)
		if !slices.Equal(got, tt.want) {
			t.Errorf("SessionEndpoints(%v, %v) = %v, want %v", tt.natNone, tt.encrypted, got, tt.want)
		}
		for _, s := range got {
			if _, ok := network.InterfaceServices[s]; !ok {
				t.Errorf("%q is not an interface endpoint the network package knows", s)
			}
		}
	}
}
