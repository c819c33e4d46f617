package review

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/acme/platform/internal/sim"
)

// ---- Elastic Load Balancing --------------------------------------------------

// recommendedPolicies are ELB.17's recommended security policies (the
// control's sslPolicies parameter, not customizable in Security Hub).
// ELBSecurityPolicy-TLS13-1-2-2021-06, the console default, is not among them.
var recommendedPolicies = []string{
	"ELBSecurityPolicy-TLS13-1-3-2021-06",
	"ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
	"ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
	"ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
}

var recommendedPoliciesText = strings.Join(recommendedPolicies, ", ")

func lbType(r sim.Resource) string {
	if t := str(r.Inputs, "loadBalancerType"); t != "" {
		return t
	}
	return tApplicationLB
}

func applicationLBs(v *view) []sim.Resource {
	var out []sim.Resource
	for _, r := range v.of(loadBalancerTypes...) {
		if lbType(r) == tApplicationLB {
			out = append(out, r)
		}
	}
	return out
}

// listenerLBType is the type of a listener's load balancer: from the graph
// when it holds the load balancer, else from the listener's protocol.
func listenerLBType(v *view, l sim.Resource) string {
	if lbs := v.refs(l, "loadBalancerArn", loadBalancerTypes...); len(lbs) > 0 {
		return lbType(lbs[0])
	}
	switch strings.ToUpper(str(l.Inputs, "protocol")) {
	case "TCP", "UDP", "TCP_UDP", "TLS":
		return tNetworkLB
	case "GENEVE":
		return "gateway"
	}
	return tApplicationLB
}

func redirectsToHTTPS(l sim.Resource) bool {
	for _, a := range sim.Lookup(l.Inputs, "defaultActions[]") {
		m, ok := a.(map[string]any)
		if ok && strings.EqualFold(str(m, "type"), "redirect") && strings.EqualFold(str(m, "redirect.protocol"), "HTTPS") {
			return true
		}
	}
	return false
}

func listenerPort(l sim.Resource) string { return valueText(val(l.Inputs, "port")) }

func checkHTTPRedirect(v *view) (o outcome) {
	o.eval(len(applicationLBs(v)))
	for _, l := range v.of(listenerTypes...) {
		if !strings.EqualFold(str(l.Inputs, "protocol"), "HTTP") || listenerLBType(v, l) != tApplicationLB {
			continue
		}
		if !redirectsToHTTPS(l) {
			o.fail(l, "HTTP listener on port %s serves requests instead of redirecting them to HTTPS", listenerPort(l))
		}
	}
	return o
}

func checkALBFlag(input, what string, applicationOnly bool) func(*view) outcome {
	return func(v *view) (o outcome) {
		lbs := v.of(loadBalancerTypes...)
		if applicationOnly {
			lbs = applicationLBs(v)
		}
		for _, r := range lbs {
			o.eval(1)
			if !isTrue(r.Inputs, input) {
				o.fail(r, "%s is off (%s is %s)", what, input, valueText(val(r.Inputs, input)))
			}
		}
		return o
	}
}

func checkALBLogs(v *view) (o outcome) {
	for _, r := range applicationLBs(v) {
		o.eval(1)
		switch {
		case !isTrue(r.Inputs, "accessLogs.enabled"):
			o.fail(r, "access logs are off (accessLogs.enabled is %s)", valueText(val(r.Inputs, "accessLogs.enabled")))
		case str(r.Inputs, "accessLogs.bucket") == "":
			o.fail(r, "access logs name no bucket")
		}
	}
	return o
}

func checkALBDesync(v *view) (o outcome) {
	for _, r := range applicationLBs(v) {
		o.eval(1)
		switch m := str(r.Inputs, "desyncMitigationMode"); m {
		case "", "defensive", "strictest":
		default:
			o.fail(r, "desyncMitigationMode is %q", m)
		}
	}
	return o
}

func checkLBZones(v *view) (o outcome) {
	for _, r := range v.of(loadBalancerTypes...) {
		o.eval(1)
		path := "subnets"
		if len(strs(r.Inputs, "subnets")) == 0 {
			path = "subnetMappings[].subnetId"
		}
		if ok, why := v.multiAZ(r, path); !ok {
			o.fail(r, "spans one zone only (%s)", why)
		}
	}
	return o
}

func checkListenerPolicy(v *view) (o outcome) {
	for _, l := range v.of(listenerTypes...) {
		p := strings.ToUpper(str(l.Inputs, "protocol"))
		if p != "HTTPS" && p != "TLS" {
			continue
		}
		o.eval(1)
		switch pol := str(l.Inputs, "sslPolicy"); {
		case pol == "":
			o.fail(l, "%s listener on port %s sets no sslPolicy", p, listenerPort(l))
		case !oneOf(pol, recommendedPolicies):
			o.fail(l, "%s listener on port %s uses %s, which is not a recommended policy (e.g. ELBSecurityPolicy-TLS13-1-2-Res-2021-06 keeps TLS 1.2 clients with restricted ciphers)", p, listenerPort(l), pol)
		}
	}
	return o
}

func checkListenerProtocol(v *view) (o outcome) {
	for _, l := range v.of(listenerTypes...) {
		t := listenerLBType(v, l)
		want := map[string]string{tApplicationLB: "HTTPS", tNetworkLB: "TLS"}[t]
		if want == "" {
			continue
		}
		o.eval(1)
		p := strings.ToUpper(str(l.Inputs, "protocol"))
		if p == want {
			continue
		}
		if p == "HTTP" && redirectsToHTTPS(l) {
			o.fail(l, "HTTP listener on port %s (it only redirects to HTTPS, as ELB.1 asks; Security Hub still counts it)", listenerPort(l))
			continue
		}
		if p == "" {
			p = "an unset protocol"
		}
		o.fail(l, "%s listener on port %s; use %s", p, listenerPort(l), want)
	}
	return o
}

// ---- ECS ------------------------------------------------------------------

func checkECSPublicIP(token string) func(*view) outcome {
	return func(v *view) (o outcome) {
		for _, r := range v.of(token) {
			o.eval(1)
			if isTrue(r.Inputs, "networkConfiguration.assignPublicIp") {
				o.fail(r, "networkConfiguration.assignPublicIp is true")
			}
		}
		return o
	}
}

func checkECSPidMode(v *view) (o outcome) {
	for _, r := range v.of(tECSTaskDef) {
		o.eval(1)
		if strings.EqualFold(str(r.Inputs, "pidMode"), "host") {
			o.fail(r, `pidMode is "host"`)
		}
	}
	return o
}

// secretEnvNames are the variable names ECS.8 looks for.
var secretEnvNames = []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "ECS_ENGINE_AUTH_DATA"}

// containers parses a task definition's containerDefinitions (a JSON string).
func containers(r sim.Resource) ([]map[string]any, bool) {
	s, ok := val(r.Inputs, "containerDefinitions").(string)
	if !ok {
		return nil, false
	}
	var out []map[string]any
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, false
	}
	return out, true
}

func checkECSContainers(what string) func(*view) outcome {
	return func(v *view) (o outcome) {
		for _, r := range v.of(tECSTaskDef) {
			o.eval(1)
			cs, ok := containers(r)
			if !ok {
				o.fail(r, "containerDefinitions is not a plain JSON list, so the containers cannot be checked")
				continue
			}
			for _, c := range cs {
				name := str(c, "name")
				switch what {
				case "privileged":
					if isTrue(c, "privileged") {
						o.fail(r, "container %q runs privileged", name)
					}
				case "readonly":
					if !isTrue(c, "readonlyRootFilesystem") {
						o.fail(r, "container %q has a writable root filesystem (readonlyRootFilesystem is %s)", name, valueText(val(c, "readonlyRootFilesystem")))
					}
				case "secrets":
					for _, e := range sim.Lookup(c, "environment[]") {
						if m, ok := e.(map[string]any); ok && oneOf(str(m, "name"), secretEnvNames) {
							o.fail(r, "container %q passes %s as an environment variable; use secrets from Secrets Manager or the task role", name, str(m, "name"))
						}
					}
				case "logging":
					if str(c, "logConfiguration.logDriver") == "" {
						o.fail(r, "container %q has no logConfiguration", name)
					}
				}
			}
		}
		return o
	}
}

func isFargate(r sim.Resource) bool {
	if strings.EqualFold(str(r.Inputs, "launchType"), "FARGATE") {
		return true
	}
	for _, p := range strs(r.Inputs, "capacityProviderStrategies[].capacityProvider") {
		if strings.HasPrefix(strings.ToUpper(p), "FARGATE") {
			return true
		}
	}
	return false
}

func checkECSPlatform(v *view) (o outcome) {
	for _, r := range v.of(tECSService) {
		if !isFargate(r) {
			continue
		}
		o.eval(1)
		switch pv := str(r.Inputs, "platformVersion"); pv {
		case "", "LATEST", "1.4.0":
		default:
			o.fail(r, "pins Fargate platform version %s", pv)
		}
	}
	return o
}

func checkECSInsights(v *view) (o outcome) {
	for _, r := range v.of(tECSCluster) {
		o.eval(1)
		on := false
		for _, s := range sim.Lookup(r.Inputs, "settings[]") {
			m, ok := s.(map[string]any)
			if ok && str(m, "name") == "containerInsights" && (str(m, "value") == "enabled" || str(m, "value") == "enhanced") {
				on = true
			}
		}
		if !on {
			o.fail(r, `the setting containerInsights is not "enabled" or "enhanced"`)
		}
	}
	return o
}

// ---- Lambda -----------------------------------------------------------------

// deprecatedRuntimes are Lambda runtimes past their deprecation date (AWS
// Lambda runtime deprecation policy, as of mid-2025). Checking "not
// deprecated" rather than "in a supported list" lets a new runtime pass
// without a change here; add runtimes as they are deprecated.
var deprecatedRuntimes = []string{
	"dotnet5.0", "dotnet6", "dotnet7", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1",
	"go1.x", "java8",
	"nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x", "nodejs16.x",
	"provided", "python2.7", "python3.6", "python3.7", "python3.8", "ruby2.5", "ruby2.7",
}

var deprecatedRuntimesText = func() string {
	s := append([]string(nil), deprecatedRuntimes...)
	sort.Strings(s)
	return strings.Join(s, ", ")
}()

const tLambdaURL = "aws:lambda/functionUrl:FunctionUrl"

func checkLambdaPublic(v *view) (o outcome) {
	o.eval(len(v.of(tLambda)))
	for _, p := range v.of(tLambdaPerm) {
		if strings.EqualFold(str(p.Inputs, "functionUrlAuthType"), "NONE") {
			o.fail(p, "grants invocation of a function URL with authType NONE")
			continue
		}
		if str(p.Inputs, "principal") == "*" && str(p.Inputs, "sourceArn") == "" && str(p.Inputs, "sourceAccount") == "" && str(p.Inputs, "principalOrgId") == "" {
			o.fail(p, `grants principal "*" with no sourceArn, sourceAccount or principalOrgId`)
		}
	}
	for _, u := range v.of(tLambdaURL) {
		if strings.EqualFold(str(u.Inputs, "authorizationType"), "NONE") {
			o.fail(u, "function URL with authorizationType NONE")
		}
	}
	return o
}

func checkLambdaRuntime(v *view) (o outcome) {
	for _, f := range v.of(tLambda) {
		rt := str(f.Inputs, "runtime")
		if rt == "" {
			continue // container images carry their own runtime
		}
		o.eval(1)
		if oneOf(rt, deprecatedRuntimes) {
			o.fail(f, "runtime %s is deprecated", rt)
		}
	}
	return o
}

func checkLambdaVPC(v *view) (o outcome) {
	for _, f := range v.of(tLambda) {
		o.eval(1)
		if len(strs(f.Inputs, "vpcConfig.subnetIds")) == 0 {
			o.fail(f, "is not attached to a VPC (vpcConfig.subnetIds is empty)")
		}
	}
	return o
}

func checkLambdaZones(v *view) (o outcome) {
	for _, f := range v.of(tLambda) {
		if len(strs(f.Inputs, "vpcConfig.subnetIds")) == 0 {
			continue
		}
		o.eval(1)
		if ok, why := v.multiAZ(f, "vpcConfig.subnetIds"); !ok {
			o.fail(f, "runs in one zone only (%s)", why)
		}
	}
	return o
}
