package access

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
)

// OperatorPaths is what the "Operator access" section describes. Every value
// is plain, so the section is known before any resource exists.
type OperatorPaths struct {
	Region string
	// Sessions is the Session Manager config (timeouts, Run As).
	Sessions SessionManagerConfig
	// SessionLogGroup and SessionKeyAlias name where sessions are logged and
	// which key encrypts them, e.g. /platform/prod/sessions and alias/prod-sessions.
	SessionLogGroup string
	SessionKeyAlias string
	// Fleets are the EC2 workloads (Auto Scaling groups) operators open shells on.
	Fleets []string
	// Tasks are the ECS workloads reached with ECS Exec.
	Tasks []string
	// Database, if set, is the port-forwarding path to the database writer.
	Database *DatabaseRoute
	// VPN, if set, is the Client VPN path.
	VPN *VPNRoute
}

// DatabaseRoute is port forwarding to a data store through a fleet instance.
type DatabaseRoute struct {
	// Workload is the database workload, e.g. "db"; Port its service port.
	Workload string
	Port     int
	// Via is the fleet whose instances forward the port; the database's
	// group already admits that fleet's group on Port.
	Via string
}

// VPNRoute is the Client VPN path.
type VPNRoute struct {
	Config ClientVPNConfig
	// VPC places the resolver; IsolatedCIDRs are the authorized subnets, by zone.
	VPC           netip.Prefix
	IsolatedCIDRs map[string]netip.Prefix
	// Targets are the data stores whose groups admit the VPN's group, and on
	// which port (the security model's grants from "vpn").
	Targets []Target
	// ConnectionLogGroup is where connections are logged: the group's name,
	// or its prefix and "*" when AWS appends a suffix at creation.
	ConnectionLogGroup string
}

// Target is a workload reached on a port.
type Target struct {
	Workload string
	Port     int
}

// OperatorPathsMarkdown renders the "Operator access" section appended to
// docs/network-rules.md. The output depends only on its input, with every
// list sorted, so regenerating an unchanged stack gives the same bytes.
func OperatorPathsMarkdown(in OperatorPaths) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	fleets := sortedCopy(in.Fleets)
	tasks := sortedCopy(in.Tasks)

	p("## Operator access\n\n")
	p("Nobody uses SSH. No instance has a key pair, no security group has a rule for port 22 or 3389, and none of the paths below needs an inbound rule: ")
	p("the SSM agent on an instance (and in an ECS task) dials out to Systems Manager on 443 and carries sessions over that channel")
	if in.VPN != nil {
		p(", and the Client VPN endpoint's own security group has no inbound rule at all; clients' traffic leaves it toward the data stores that admit it")
	}
	p(".\n\n")

	p("| Path | Who | Reaches | Through |\n")
	p("| --- | --- | --- | --- |\n")
	var shells []string
	for _, f := range fleets {
		shells = append(shells, "an instance of `"+f+"`")
	}
	for _, t := range tasks {
		shells = append(shells, "a task of `"+t+"` (ECS Exec)")
	}
	if len(shells) > 0 {
		p("| Session Manager shell | operators | %s | the SSM agent's outbound channel |\n", strings.Join(shells, ", "))
	}
	if d := in.Database; d != nil {
		p("| Port forwarding | operators | `%s` on %d | a Session Manager session to an instance of `%s` |\n", d.Workload, d.Port, d.Via)
	}
	if v := in.VPN; v != nil {
		p("| Client VPN | developers | %s | the `vpn` security group |\n", targetList(v.Targets))
	}
	p("\n")

	p("### Session Manager shell\n\n")
	if in.Sessions.Mode() == PreferencesOwn {
		p("Every session is encrypted with the KMS key `%s` and streamed, as typed, to the encrypted log group `%s`. ", in.SessionKeyAlias, in.SessionLogGroup)
	} else {
		p("This stack does not write the account's Session Manager preferences (`preferences: %s`): sessions follow the account's `%s` document", in.Sessions.Mode(), PreferencesDocumentName)
		if a := in.Sessions.AccountPreferences; a != nil && *a != (AccountPreferences{}) {
			var parts []string
			if a.KMSKey != "" {
				parts = append(parts, "encrypted with `"+a.KMSKey+"`")
			}
			if a.LogGroup != "" {
				parts = append(parts, "logged to `"+a.LogGroup+"`")
			}
			if a.S3Bucket != "" {
				parts = append(parts, "copied to `s3://"+a.S3Bucket+"`")
			}
			p(", which keeps them %s", strings.Join(parts, " and "))
		}
		p(". ")
	}
	p("A session ends after %d idle minutes", in.Sessions.IdleTimeout())
	if m := in.Sessions.MaxSession(); m > 0 {
		p(" and after %d minutes in any case", m)
	}
	p(". ")
	if u := in.Sessions.RunAsUser; u != "" {
		p("On Linux, sessions run as `%s` (or the user an operator's `SSMSessionRunAs` tag names), not `ssm-user`. ", u)
	}
	p("These preferences live in the account's `%s` document, one per account and region; a session that names no document uses them.\n\n", PreferencesDocumentName)
	if len(fleets) > 0 {
		p("Open a shell on an instance of a fleet (each fleet's command is a stack output):\n\n")
		p("```sh\n%s\n```\n\n", startSession(in.Region, "<auto scaling group of the fleet>"))
	}
	if len(tasks) > 0 {
		p("Open a shell in a running task of %s with ECS Exec, encrypted with `%s` and logged to `%s` (the cluster's exec settings, whoever owns the preferences):\n\n", codeList(tasks), in.SessionKeyAlias, in.SessionLogGroup)
		p("```sh\naws ecs execute-command --region %s --cluster <cluster> --task <task id> --container <container> --interactive --command /bin/sh\n```\n\n", in.Region)
	}
	p("An operator needs `ssm:StartSession` (or `ecs:ExecuteCommand`) in IAM; the key policy already lets anyone in the account use the session key through Systems Manager, and only through it.\n\n")

	if d := in.Database; d != nil {
		p("### Port forwarding to the database\n\n")
		p("A session to one running instance of `%s` forwards local port %d to the `%s` writer on port %d. ", d.Via, d.Port, d.Workload, d.Port)
		p("The database admits `%s`'s security group on %d already, for the application; nothing new is opened, and nothing listens on the instance. ", d.Via, d.Port)
		p("Session Manager does not transcribe forwarded bytes: CloudTrail records who started the session, to which instance and host, and the database's own log records what they did.\n\n")
		p("```sh\n%s\n```\n\n", startSession(in.Region, "<auto scaling group of "+d.Via+">")+
			" --document-name "+PortForwardingDocument+" --parameters "+
			shellWord(fmt.Sprintf(`{"host":["<%s writer endpoint>"],"portNumber":["%d"],"localPortNumber":["%d"]}`, d.Workload, d.Port, d.Port)))
		p("Then connect to `localhost:%d`. The stack outputs the command with the names filled in.\n\n", d.Port)
	}

	if v := in.VPN; v != nil {
		c := v.Config
		p("### Client VPN to the isolated tier\n\n")
		auth := "mutual TLS: a client certificate signed by the configured CA"
		if c.SAMLProviderARN != "" {
			auth += ", and a SAML login on top of it"
		}
		p("Developers connect with %s. Clients get addresses from `%s`; only traffic for the VPC goes through the tunnel (split tunnel), ", auth, c.ClientCIDR)
		p("a connection lasts at most %d hours, and every connection is logged to `%s`.\n\n", c.SessionTimeout(), v.ConnectionLogGroup)
		p("Clients are authorized for these networks and no others (not the VPC block, not the private tier, not `0.0.0.0/0`):\n\n")
		p("| Network | Why |\n| --- | --- |\n")
		for _, az := range sortedKeys(v.IsolatedCIDRs) {
			p("| `%s` | isolated subnet in %s |\n", v.IsolatedCIDRs[az], az)
		}
		p("\n")
		targets := sortedTargets(v.Targets)
		if len(targets) == 0 {
			p("No data store admits the `vpn` group yet, so a connected client reaches nothing.\n\n")
		} else {
			p("Inside those networks, a client reaches only what admits the `vpn` security group:\n\n")
			p("| Workload | Port | Rule |\n| --- | --- | --- |\n")
			for _, t := range targets {
				p("| `%s` | %d | inbound from the `vpn` group on %d |\n", t.Workload, t.Port, t.Port)
			}
			p("\n")
		}
		p("To connect, download the configuration, add your certificate and key to it (`<cert>` and `<key>` blocks), and open it in an OpenVPN-compatible client:\n\n")
		p("```sh\naws ec2 export-client-vpn-client-configuration --region %s --client-vpn-endpoint-id <endpoint id> --output text > client-vpn.ovpn\n```\n\n", in.Region)
		p("The client range cannot change once the endpoint exists: a new range replaces the endpoint and every configuration file.\n")
	}
	return b.String()
}

func targetList(ts []Target) string {
	ts = sortedTargets(ts)
	if len(ts) == 0 {
		return "the resolver only"
	}
	var out []string
	for _, t := range ts {
		out = append(out, fmt.Sprintf("`%s` on %d", t.Workload, t.Port))
	}
	return strings.Join(out, ", ")
}

func sortedTargets(ts []Target) []Target {
	out := slices.Clone(ts)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Workload != out[j].Workload {
			return out[i].Workload < out[j].Workload
		}
		return out[i].Port < out[j].Port
	})
	return slices.Compact(out)
}

func codeList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "`" + n + "`"
	}
	return strings.Join(q, ", ")
}

func sortedCopy(in []string) []string {
	out := slices.Clone(in)
	sort.Strings(out)
	return slices.Compact(out)
}
