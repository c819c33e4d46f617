package review

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/acme/platform/internal/sim"
)

// ---- VPC ------------------------------------------------------------------

func checkDefaultSG(v *view) (o outcome) {
	defaults := v.of(tDefaultSG)
	for _, vpc := range v.of(tVpc) {
		o.eval(1)
		var mine []sim.Resource
		for _, d := range defaults {
			if v.refersTo(d, "vpcId", vpc) {
				mine = append(mine, d)
			}
		}
		if len(mine) == 0 {
			o.fail(vpc, "the VPC's default security group is not managed, so AWS's default rules (all traffic within the group, all egress) stay; manage it with an ec2.DefaultSecurityGroup that has no rules")
			continue
		}
		for _, d := range mine {
			for _, k := range []string{"ingress", "egress"} {
				if n := len(sim.Lookup(d.Inputs, k+"[]")); n > 0 {
					o.fail(d, "declares %s; the default group must allow no traffic", plural(n, k+" rule", k+" rules"))
				}
			}
		}
	}
	for _, rule := range v.of(tIngress, tEgress, tLegacyRule) {
		for _, d := range v.refs(rule, "securityGroupId", tDefaultSG) {
			o.fail(rule, "adds a rule to the default security group %s; the default group must allow no traffic", d.Name)
		}
	}
	return o
}

func checkFlowLogs(v *view) (o outcome) {
	logs := v.of(tFlowLog)
	for _, vpc := range v.of(tVpc) {
		o.eval(1)
		var traffic []string
		for _, fl := range logs {
			if v.refersTo(fl, "vpcId", vpc) {
				t := strings.ToUpper(str(fl.Inputs, "trafficType"))
				if t == "" {
					t = "ALL"
				}
				traffic = append(traffic, t)
			}
		}
		switch {
		case len(traffic) == 0:
			o.fail(vpc, "no ec2.FlowLog records this VPC's traffic")
		case !oneOf("ALL", traffic) && !oneOf("REJECT", traffic):
			o.fail(vpc, "its flow logs record only %s traffic; record REJECT or ALL", strings.Join(traffic, ", "))
		}
	}
	return o
}

// checkEndpoint checks that every VPC has an interface endpoint for the
// service whose name ends in "."+service.
func checkEndpoint(service, label string) func(*view) outcome {
	return func(v *view) (o outcome) {
		eps := v.of(tEndpoint)
		for _, vpc := range v.of(tVpc) {
			o.eval(1)
			found := false
			for _, ep := range eps {
				if strings.EqualFold(str(ep.Inputs, "vpcEndpointType"), "Interface") &&
					strings.HasSuffix(str(ep.Inputs, "serviceName"), "."+service) && v.refersTo(ep, "vpcId", vpc) {
					found = true
				}
			}
			if !found {
				o.fail(vpc, "no interface endpoint for %s (com.amazonaws.<region>.%s); add %q to platform:network.endpoints or accept the control", label, service, service)
			}
		}
		return o
	}
}

func checkSubnetPublicIP(v *view) (o outcome) {
	for _, s := range v.of(tSubnet) {
		o.eval(1)
		if isTrue(s.Inputs, "mapPublicIpOnLaunch") {
			if s.ImportID != "" {
				o.fail(s, "maps public IPs on launch (imported subnet %s, adopted as it is: turn the setting off on the subnet, or accept the control while it migrates)", s.ImportID)
				continue
			}
			o.fail(s, "maps public IPs on launch")
		}
	}
	return o
}

func checkVPNLogging(v *view) (o outcome) {
	for _, e := range v.of(tVPNEndpoint) {
		o.eval(1)
		if !isTrue(e.Inputs, "connectionLogOptions.enabled") {
			o.fail(e, "connectionLogOptions.enabled is not true: client connections are not logged")
		}
	}
	return o
}

// ---- Security group ingress ------------------------------------------------

// highRiskPorts are EC2.19's blocked ports (not customizable in Security Hub).
var highRiskPorts = []int{20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5500, 5601, 8080, 8088, 8888, 9200, 9300}

var highRiskList = func() string {
	s := make([]string, len(highRiskPorts))
	for i, p := range highRiskPorts {
		s[i] = strconv.Itoa(p)
	}
	return strings.Join(s, ", ")
}()

// adminPorts are the remote server administration ports of EC2.53/EC2.54.
var adminPorts = []int{22, 3389}

// permission is one ingress permission, wherever it is written: a
// vpc.SecurityGroupIngressRule, a legacy ec2.SecurityGroupRule of type
// ingress, or an inline ingress block of a (default) security group.
type permission struct {
	r        sim.Resource
	proto    string // tcp, udp, icmp, -1 (all) or what the input says
	from, to int
	cidrs    []string
}

func normProto(p string) string {
	switch strings.ToLower(p) {
	case "tcp", "6":
		return "tcp"
	case "udp", "17":
		return "udp"
	case "-1", "all":
		return "-1"
	case "icmp", "1", "icmpv6", "58":
		return "icmp"
	}
	return strings.ToLower(p)
}

func newPermission(r sim.Resource, m map[string]any, protoKey string, cidrKeys ...string) permission {
	p := permission{r: r, proto: normProto(str(m, protoKey)), from: 0, to: 65535}
	if p.proto == "tcp" || p.proto == "udp" {
		if f, ok := number(val(m, "fromPort")); ok && f >= 0 {
			p.from = int(f)
		}
		if t, ok := number(val(m, "toPort")); ok && t >= 0 {
			p.to = int(t)
		}
	}
	for _, k := range cidrKeys {
		p.cidrs = append(p.cidrs, strs(m, k)...)
	}
	return p
}

// portsBased reports whether the permission opens ports (tcp, udp or all).
func (p permission) portsBased() bool { return p.proto == "tcp" || p.proto == "udp" || p.proto == "-1" }

func (p permission) covers(port int) bool {
	return p.proto == "-1" || (p.portsBased() && p.from <= port && port <= p.to)
}

func (p permission) from0(world ...string) string {
	for _, c := range p.cidrs {
		if oneOf(c, world) {
			return c
		}
	}
	return ""
}

func (p permission) String() string {
	if p.proto == "-1" {
		return "all traffic"
	}
	if p.from == p.to {
		return fmt.Sprintf("%s %d", p.proto, p.from)
	}
	return fmt.Sprintf("%s %d-%d", p.proto, p.from, p.to)
}

var world = []string{"0.0.0.0/0", "::/0"}

func ingressPermissions(v *view) []permission {
	var out []permission
	for _, r := range v.of(tIngress) {
		out = append(out, newPermission(r, r.Inputs, "ipProtocol", "cidrIpv4", "cidrIpv6"))
	}
	for _, r := range v.of(tLegacyRule) {
		if strings.EqualFold(str(r.Inputs, "type"), "ingress") {
			out = append(out, newPermission(r, r.Inputs, "protocol", "cidrBlocks", "ipv6CidrBlocks"))
		}
	}
	for _, r := range v.of(tSG, tDefaultSG) {
		for _, blk := range sim.Lookup(r.Inputs, "ingress[]") {
			if m, ok := blk.(map[string]any); ok {
				out = append(out, newPermission(r, m, "protocol", "cidrBlocks", "ipv6CidrBlocks"))
			}
		}
	}
	return out
}

// groupsChecked is how many security groups the ingress controls cover.
func groupsChecked(v *view, perms []permission) int {
	if n := len(v.of(tSG, tDefaultSG)); n > 0 {
		return n
	}
	return len(perms)
}

func checkAuthorizedPorts(v *view) (o outcome) {
	perms := ingressPermissions(v)
	o.eval(groupsChecked(v, perms))
	for _, p := range perms {
		src := p.from0(world...)
		if src == "" {
			continue
		}
		switch {
		case p.proto == "-1":
			o.fail(p.r, "allows all traffic from %s; only TCP 80 and 443 may be open to the world", src)
		case p.proto == "tcp" && p.from == p.to && (p.from == 80 || p.from == 443):
		case p.proto == "tcp" || p.proto == "udp":
			o.fail(p.r, "allows %s from %s; only TCP 80 and 443 may be open to the world", p, src)
		}
	}
	return o
}

func checkHighRiskPorts(v *view) (o outcome) {
	perms := ingressPermissions(v)
	o.eval(groupsChecked(v, perms))
	for _, p := range perms {
		src := p.from0(world...)
		if src == "" {
			continue
		}
		var hit []string
		for _, port := range highRiskPorts {
			if p.covers(port) {
				hit = append(hit, strconv.Itoa(port))
			}
		}
		if len(hit) > 0 {
			o.fail(p.r, "allows %s from %s, which includes high-risk ports %s", p, src, strings.Join(hit, ", "))
		}
	}
	return o
}

func checkAdminPorts(cidr string) func(*view) outcome {
	return func(v *view) (o outcome) {
		perms := ingressPermissions(v)
		o.eval(groupsChecked(v, perms))
		for _, p := range perms {
			if p.from0(cidr) == "" {
				continue
			}
			for _, port := range adminPorts {
				if p.covers(port) {
					o.fail(p.r, "allows %s from %s, which includes port %d; operators use Session Manager or the Client VPN", p, cidr, port)
				}
			}
		}
		return o
	}
}

// ---- Instances and launch templates ----------------------------------------

func checkIMDSv2(withInstances bool) func(*view) outcome {
	return func(v *view) (o outcome) {
		types := []string{tLaunchTmpl}
		if withInstances {
			types = append(types, tInstance)
		}
		for _, r := range v.of(types...) {
			o.eval(1)
			switch t := str(r.Inputs, "metadataOptions.httpTokens"); t {
			case "required":
			case "":
				o.fail(r, "metadataOptions.httpTokens is not set, so IMDSv1 stays available")
			default:
				o.fail(r, "metadataOptions.httpTokens is %q, so IMDSv1 stays available", t)
			}
		}
		return o
	}
}

// publicInterfaces reports a launch template's network interfaces that ask
// for a public IPv4 address.
func publicInterfaces(r sim.Resource) int {
	n := 0
	for _, x := range sim.Lookup(r.Inputs, "networkInterfaces[].associatePublicIpAddress") {
		if b, ok := truth(x); ok && b {
			n++
		}
	}
	return n
}

// interfacesSayNoPublicIP reports whether a launch template explicitly
// refuses public addresses, which overrides the subnet's setting.
func interfacesSayNoPublicIP(r sim.Resource) bool {
	xs := sim.Lookup(r.Inputs, "networkInterfaces[].associatePublicIpAddress")
	if len(xs) == 0 {
		return false
	}
	for _, x := range xs {
		if b, ok := truth(x); !ok || b {
			return false
		}
	}
	return true
}

func publicSubnets(v *view, r sim.Resource, path string) []string {
	var out []string
	for _, s := range v.refs(r, path, tSubnet) {
		if isTrue(s.Inputs, "mapPublicIpOnLaunch") {
			out = append(out, s.Name)
		}
	}
	return out
}

func checkInstancePublicIP(v *view) (o outcome) {
	for _, r := range v.of(tInstance) {
		o.eval(1)
		switch {
		case isTrue(r.Inputs, "associatePublicIpAddress"):
			o.fail(r, "associatePublicIpAddress is true")
		case !isFalse(r.Inputs, "associatePublicIpAddress"):
			if pub := publicSubnets(v, r, "subnetId"); len(pub) > 0 {
				o.fail(r, "launches into %s, which maps public IPs on launch", strings.Join(pub, ", "))
			}
		}
	}
	for _, lt := range v.of(tLaunchTmpl) {
		o.eval(1)
		if n := publicInterfaces(lt); n > 0 {
			o.fail(lt, "%s associatePublicIpAddress, so every instance it launches gets a public IPv4 address", plural(n, "network interface sets", "network interfaces set"))
		}
	}
	for _, g := range v.of(tASG) {
		lts := asgLaunchTemplates(v, g)
		refuses := len(lts) > 0
		for _, lt := range lts {
			refuses = refuses && interfacesSayNoPublicIP(lt)
		}
		if refuses {
			continue
		}
		if pub := publicSubnets(v, g, "vpcZoneIdentifiers"); len(pub) > 0 {
			o.fail(g, "launches instances into %s, which maps public IPs on launch", strings.Join(pub, ", "))
		}
	}
	return o
}

func checkLaunchTemplatePublicIP(v *view) (o outcome) {
	for _, lt := range v.of(tLaunchTmpl) {
		o.eval(1)
		if n := publicInterfaces(lt); n > 0 {
			o.fail(lt, "%s associatePublicIpAddress", plural(n, "network interface sets", "network interfaces set"))
		}
	}
	return o
}

func checkLaunchTemplateEBS(v *view) (o outcome) {
	for _, lt := range v.of(tLaunchTmpl) {
		o.eval(1)
		for _, x := range sim.Lookup(lt.Inputs, "blockDeviceMappings[]") {
			m, ok := x.(map[string]any)
			if !ok || val(m, "ebs") == nil {
				continue
			}
			if !isTrue(m, "ebs.encrypted") {
				dev := str(m, "deviceName")
				if dev == "" {
					dev = "an EBS volume"
				}
				o.fail(lt, "%s: ebs.encrypted is not true", dev)
			}
		}
	}
	return o
}

// ---- Systems Manager ----------------------------------------------------------

// ssmCorePolicy is the managed policy an instance needs to be an SSM managed node.
const ssmCorePolicy = "AmazonSSMManagedInstanceCore"

func hasSSMCore(v *view, role sim.Resource) bool {
	for _, arn := range strs(role.Inputs, "managedPolicyArns") {
		if strings.HasSuffix(arn, "/"+ssmCorePolicy) {
			return true
		}
	}
	for _, a := range v.of(tRoleAttach) {
		if strings.HasSuffix(str(a.Inputs, "policyArn"), "/"+ssmCorePolicy) && v.refersTo(a, "role", role) {
			return true
		}
	}
	return false
}

func checkSSMManaged(v *view) (o outcome) {
	for _, r := range v.of(tLaunchTmpl, tInstance) {
		o.eval(1)
		profiles := v.refs(r, "iamInstanceProfile", tInstanceProf)
		if len(profiles) == 0 {
			if str(r.Inputs, "iamInstanceProfile") == "" && str(r.Inputs, "iamInstanceProfile.arn") == "" && str(r.Inputs, "iamInstanceProfile.name") == "" {
				o.fail(r, "has no instance profile, so the SSM agent cannot register")
			} else {
				o.fail(r, "its instance profile is not in the graph, so its role cannot be checked for %s", ssmCorePolicy)
			}
			continue
		}
		ok := false
		for _, p := range profiles {
			for _, role := range v.refs(p, "role", tRole) {
				ok = ok || hasSSMCore(v, role)
			}
		}
		if !ok {
			o.fail(r, "the role of instance profile %s does not have %s attached", profiles[0].Name, ssmCorePolicy)
		}
	}
	return o
}

// ---- Auto Scaling ---------------------------------------------------------

func asgLaunchTemplates(v *view, g sim.Resource) []sim.Resource {
	out := v.refs(g, "launchTemplate", tLaunchTmpl)
	return append(out, v.refs(g, "mixedInstancesPolicy.launchTemplate.launchTemplateSpecification.launchTemplateId", tLaunchTmpl)...)
}

func usesLaunchTemplate(v *view, g sim.Resource) bool {
	return val(g.Inputs, "launchTemplate") != nil || val(g.Inputs, "mixedInstancesPolicy.launchTemplate") != nil || len(asgLaunchTemplates(v, g)) > 0
}

func checkASGHealth(v *view) (o outcome) {
	for _, g := range v.of(tASG) {
		if len(strs(g.Inputs, "targetGroupArns"))+len(strs(g.Inputs, "loadBalancers"))+len(sim.Lookup(g.Inputs, "trafficSources[]")) == 0 {
			continue
		}
		o.eval(1)
		if t := str(g.Inputs, "healthCheckType"); !strings.EqualFold(t, "ELB") {
			if t == "" {
				t = "EC2 (the default)"
			}
			o.fail(g, "is behind a load balancer but healthCheckType is %s", t)
		}
	}
	return o
}

func checkASGZones(v *view) (o outcome) {
	for _, g := range v.of(tASG) {
		o.eval(1)
		if azs := strs(g.Inputs, "availabilityZones"); len(azs) >= 2 {
			continue
		}
		if ok, why := v.multiAZ(g, "vpcZoneIdentifiers"); !ok {
			o.fail(g, "launches in one zone only (%s)", why)
		}
	}
	return o
}

func checkASGTypes(v *view) (o outcome) {
	for _, g := range v.of(tASG) {
		o.eval(1)
		types := map[string]bool{}
		for _, t := range strs(g.Inputs, "mixedInstancesPolicy.launchTemplate.overrides[].instanceType") {
			types[t] = true
		}
		if len(types) < 2 {
			o.fail(g, "uses %s; a mixedInstancesPolicy with two or more instance types keeps capacity when one type runs short", plural(max(len(types), 1), "instance type", "instance types"))
			continue
		}
		if ok, why := v.multiAZ(g, "vpcZoneIdentifiers"); !ok && len(strs(g.Inputs, "availabilityZones")) < 2 {
			o.fail(g, "launches in one zone only (%s)", why)
		}
	}
	return o
}

func checkASGLaunchTemplate(v *view) (o outcome) {
	for _, g := range v.of(tASG) {
		o.eval(1)
		switch {
		case str(g.Inputs, "launchConfiguration") != "":
			o.fail(g, "launches from a launch configuration; use a launch template")
		case !usesLaunchTemplate(v, g):
			o.fail(g, "names no launch template")
		}
	}
	return o
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
