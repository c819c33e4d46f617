package stack

import (
	"fmt"
	"sort"
	"strings"

	"github.com/acme/platform/access"
	"github.com/acme/platform/compute"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/network"
)

// A workload's security group allows egress only to the interface endpoints,
// the gateway endpoints' prefix lists and, with internetEgress, the internet
// on 443 (through NAT). So a container whose registry has no endpoint, or an
// SSM agent that cannot reach KMS to decrypt an encrypted session, starts and
// then fails where nobody looks: the session handshake times out, the task
// never pulls its image. Every need is checked before anything is registered.

// sessionSettings are the session settings of this stack's instances: its own
// key and log group when it owns the preferences, the account's otherwise.
func (c *Config) sessionSettings() access.SessionSettings {
	name := c.Name + "-sessions"
	return c.Access.SessionManager.Settings(access.SessionKeyAlias(name), access.SessionLogGroupName(name))
}

// needs lists the AWS services workload n cannot work without, with why, and
// internetOnly when one of them is reachable only over the internet (an
// image outside ECR).
func (c *Config) needs(n string) (needs []access.Need, internetOnly string) {
	needs, internetOnly = c.ownNeeds(n)
	if internetOnly != "" {
		return nil, internetOnly
	}
	return dedupe(append(needs, c.secretNeeds(n)...)), ""
}

// secretNeeds are the Secrets Manager calls a workload's connections make:
// a Lambda function or an instance reads a store's secret itself; ECS and
// Batch fetch injected secrets through the task's own network interface
// before the container starts.
func (c *Config) secretNeeds(n string) []access.Need {
	var out []access.Need
	for _, conn := range compute.ConnectionsOf(c.Connections(), n) {
		if conn.Auth == compute.AuthSecret {
			out = append(out, access.Need{Service: "secretsmanager", Why: "reading the " + conn.Store + " secret"})
		}
	}
	return out
}

func (c *Config) ownNeeds(n string) (needs []access.Need, internetOnly string) {
	w := c.Workloads[n]
	var image string
	switch {
	case w.EC2 != nil:
		needs = c.sessionSettings().Needs()
		// A container's image is pulled at boot (Docker itself comes from the
		// Amazon Linux repository in S3, through the gateway endpoint).
		if ct := w.EC2.Container; ct != nil {
			if !compute.IsECRImage(ct.Image) {
				return nil, fmt.Sprintf("%q is not in ECR, so pulling it needs the internet; set internetEgress: true (through NAT) or copy the image to ECR", ct.Image)
			}
			needs = append(needs,
				access.Need{Service: "ecr.api", Why: "pulling the container image"},
				access.Need{Service: "ecr.dkr", Why: "pulling the container image"})
		}
		return needs, ""
	case w.ECS != nil:
		image = w.ECS.Image
		name := c.Name + "-sessions"
		needs = access.ECSExecNeeds(access.SessionKeyAlias(name), access.SessionLogGroupName(name))
	case w.Batch != nil:
		image = w.Batch.Image
	default:
		return nil, ""
	}
	if image != "" && !strings.Contains(image, ".dkr.ecr.") {
		return nil, fmt.Sprintf("%q is not in ECR, so pulling it needs the internet; set internetEgress: true (through NAT) or copy the image to ECR", image)
	}
	// Fargate pulls images from ECR (API and registry; the layers come from S3
	// through the gateway endpoint) and ships awslogs to CloudWatch.
	pull := []access.Need{
		{Service: "ecr.api", Why: "pulling the image"},
		{Service: "ecr.dkr", Why: "pulling the image"},
		{Service: "logs", Why: "the container's logs (awslogs)"},
	}
	return dedupe(append(pull, needs...)), ""
}

func dedupe(needs []access.Need) []access.Need {
	seen := map[string]bool{}
	var out []access.Need
	for _, n := range needs {
		if !seen[n.Service] {
			seen[n.Service] = true
			out = append(out, n)
		}
	}
	return out
}

// gateway reports whether a service is always reachable through a gateway
// endpoint (created whenever the private tier exists: they are free).
func gateway(service string) bool {
	for _, g := range network.GatewayServices {
		if g == service {
			return true
		}
	}
	return false
}

// missing returns the needs the interface endpoints in have do not cover.
func missing(needs []access.Need, have map[string]bool) []access.Need {
	var out []access.Need
	for _, n := range needs {
		if !have[n.Service] && !gateway(n.Service) {
			out = append(out, n)
		}
	}
	return out
}

func services(needs []access.Need) []string {
	var out []string
	for _, n := range needs {
		out = append(out, n.Service)
	}
	return out
}

// validateWayOut checks that every workload without internetEgress can reach,
// through an interface or gateway endpoint, every service it needs: one
// problem per workload, naming each missing service and why it is needed.
func (c *Config) validateWayOut(p *problems.List) {
	have := map[string]bool{}
	for _, e := range c.Network.Endpoints {
		have[e] = true
	}
	for _, n := range c.Workloads.Names() {
		if c.Workloads.InternetEgress(n) {
			continue
		}
		key := Project + ":workloads." + n + ".internetEgress"
		needs, internetOnly := c.needs(n)
		if internetOnly != "" {
			p.Add(key, "%s", internetOnly)
			continue
		}
		miss := missing(needs, have)
		if len(miss) == 0 {
			continue
		}
		var why []string
		for _, m := range miss {
			why = append(why, m.Service+" ("+m.Why+")")
		}
		fix := "or set internetEgress: true to reach them through the NAT gateway"
		if c.Network.NAT == network.NATNone {
			fix = "the only way with nat: none"
		}
		p.Add(key, "%s cannot reach %s: add %s to platform:network.endpoints, %s",
			what(c, n), strings.Join(why, ", "), strings.Join(services(miss), ", "), fix)
	}
}

// what names a workload's running parts for a message.
func what(c *Config, n string) string {
	w := c.Workloads[n]
	switch {
	case w.EC2 != nil:
		return "the instances of " + n
	case w.Batch != nil:
		return "the jobs of " + n
	}
	return "the tasks of " + n
}

// requiredEndpoints lists the interface endpoints the private tier cannot do
// without, and why. With nat: none there is no other way out, so every need
// of every workload, and Session Manager's for the stack's session settings
// (every NAT mode keeps Session Manager reachable), is an endpoint.
func (c *Config) requiredEndpoints() map[string]string {
	out := map[string]string{}
	if c.Network.NAT != network.NATNone {
		return out
	}
	add := func(needs []access.Need, who string) {
		for _, n := range needs {
			if _, ok := out[n.Service]; !ok && !gateway(n.Service) {
				out[n.Service] = who + " (" + n.Why + ") with nat: none"
			}
		}
	}
	add(c.sessionSettings().Needs(), "Session Manager")
	names := c.Workloads.Names()
	sort.Strings(names)
	for _, n := range names {
		needs, _ := c.needs(n)
		add(needs, n)
	}
	return out
}
