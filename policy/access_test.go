package policy_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"pgregory.net/rapid"

	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/sim"
	"github.com/acme/platform/policy"
	"github.com/acme/platform/stack"
)

// edgesOf reads, straight from a stack file's values, which compute workloads
// the allow graph lets reach which data stores. It shares nothing with the
// program's own reading of the config.
func edgesOf(t interface {
	Helper()
	Fatal(...any)
}, values map[string]string) map[string][]string {
	t.Helper()
	var workloads map[string]struct {
		Kind string `json:"kind"`
	}
	var security struct {
		Allow map[string][]struct {
			From []string `json:"from"`
		} `json:"allow"`
	}
	if s := values["platform:workloads"]; s != "" {
		if err := json.Unmarshal([]byte(s), &workloads); err != nil {
			t.Fatal(err)
		}
	}
	if s := values["platform:security"]; s != "" {
		if err := json.Unmarshal([]byte(s), &security); err != nil {
			t.Fatal(err)
		}
	}
	compute := map[string]bool{"ec2": true, "ecs": true, "lambda": true, "batch": true}
	store := map[string]bool{"aurora": true, "cache": true}
	out := map[string][]string{}
	for target, grants := range security.Allow {
		if !store[workloads[target].Kind] {
			continue
		}
		for _, g := range grants {
			for _, from := range g.From {
				if compute[workloads[from].Kind] && !containsStr(out[from], target) {
					out[from] = append(out[from], target)
				}
			}
		}
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out
}

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func countEdges(e map[string][]string) int {
	n := 0
	for _, v := range e {
		n += len(v)
	}
	return n
}

func TestEveryStackFile_EdgesToStoresGrantExactlyThoseStores(t *testing.T) {
	checked := 0
	for _, path := range stackFiles(t) {
		t.Run(path, func(t *testing.T) {
			f, err := stack.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			res, err := offline.Run(f)
			if err != nil {
				t.Fatal(err)
			}
			edges := edgesOf(t, f.Values)
			for _, v := range policy.CheckAccess(res.Graph, edges) {
				t.Error(v)
			}
			checked += countEdges(edges)
		})
	}
	if checked == 0 {
		t.Fatal("no stack file has an edge to a data store: nothing was checked")
	}
}

// The checker itself: a grant without its edge, and an edge without its
// grant, are each reported.
func TestCheckAccess_NamesAGrantWithoutAnEdgeAndAnEdgeWithoutAGrant(t *testing.T) {
	f, err := stack.ReadFile("../Pulumi.prod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := offline.Run(f)
	if err != nil {
		t.Fatal(err)
	}
	edges := edgesOf(t, f.Values)
	if !containsStr(edges["api"], "database") || containsStr(edges["thumbnails"], "database") {
		t.Fatalf("prod's edges changed; this test expects api -> database and no thumbnails -> database: %v", edges)
	}
	without := map[string][]string{}
	for w, s := range edges {
		without[w] = s
	}
	without["api"] = []string{"cache"}
	got := policy.CheckAccess(res.Graph, without)
	if len(got) == 0 || got[0].Rule != policy.RuleGrantWithEdge || got[0].Resource != "api" || !strings.Contains(got[0].Detail, "of database without an allow edge") {
		t.Errorf("api's database grant without the edge: %v", got)
	}
	extra := map[string][]string{"thumbnails": {"database"}}
	for w, s := range edges {
		extra[w] = s
	}
	got = policy.CheckAccess(res.Graph, extra)
	if len(got) != 1 || got[0].Rule != policy.RuleEdgeIdentified || got[0].Resource != "thumbnails" {
		t.Errorf("an edge nobody granted: %v", got)
	}
}

// Whatever edges from compute workloads to stores a stack declares, the
// grants follow them exactly: add or remove any of them and the identities
// come and go with the edge.
func TestAccess_GrantsFollowRandomEdges(t *testing.T) {
	base, err := stack.ReadFile("../Pulumi.prod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	consumers := []string{"api", "nightly", "thumbnails", "web"}
	stores := []string{"cache", "database"}
	rapid.Check(t, func(rt *rapid.T) {
		values := map[string]string{}
		for k, v := range base.Values {
			values[k] = v
		}
		var security map[string]any
		if err := json.Unmarshal([]byte(values["platform:security"]), &security); err != nil {
			rt.Fatal(err)
		}
		allow := security["allow"].(map[string]any)
		for _, s := range stores {
			var from []any
			for _, c := range consumers {
				if rapid.Bool().Draw(rt, c+"->"+s) {
					from = append(from, c)
				}
			}
			grants := []any{}
			if len(from) > 0 {
				grants = append(grants, map[string]any{"from": from, "reason": "drawn"})
			}
			if s == "database" {
				grants = append(grants, map[string]any{"from": []any{"vpn"}, "reason": "developers"})
			}
			if len(grants) == 0 {
				delete(allow, s)
			} else {
				allow[s] = grants
			}
		}
		b, _ := json.Marshal(security)
		values["platform:security"] = string(b)
		// Drawn edges may leave a function that fetches a secret without a
		// way to Secrets Manager; prod has the endpoint, so none does.
		res, err := offline.Run(&stack.File{Path: "drawn", Stack: "prod", Values: values})
		if err != nil {
			rt.Fatalf("program refused drawn edges: %v", err)
		}
		edges := edgesOf(rt, values)
		for _, v := range policy.CheckAccess(res.Graph, edges) {
			rt.Error(v)
		}
		// The grants are exactly one inline policy per edge, named after the store.
		var reach []string
		for _, p := range res.Graph.OfType("aws:iam/rolePolicy:RolePolicy") {
			if i := strings.Index(p.Name, "-reach-"); i > 0 {
				reach = append(reach, p.Name)
			}
		}
		if len(reach) != countEdges(edges) {
			rt.Errorf("%d reach policies for %d edges: %v", len(reach), countEdges(edges), reach)
		}
	})
}

// Every edge to a store tells the consumer where the store is, by the means
// its kind has: container or job environment, function environment, or SSM
// parameters an instance loads.
func TestEveryStackFile_EdgesToStoresAreWiredIntoTheConsumersEnvironment(t *testing.T) {
	checked := 0
	for _, path := range stackFiles(t) {
		f, err := stack.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		res, err := offline.Run(f)
		if err != nil {
			t.Fatal(err)
		}
		g := res.Graph
		env := environments(t, g)
		endpoints := storeEndpoints(g)
		for consumer, stores := range edgesOf(t, f.Values) {
			for _, s := range stores {
				prefix := strings.ToUpper(strings.ReplaceAll(s, "-", "_"))
				if p := envPrefixOf(t, f.Values, s); p != "" {
					prefix = p
				}
				got, ok := env[consumer][prefix+"_HOST"]
				if !ok {
					t.Errorf("%s: %s has no %s_HOST for its edge to %s (has %v)", path, consumer, prefix, s, sortedNames(env[consumer]))
					continue
				}
				if got != endpoints[s] {
					t.Errorf("%s: %s's %s_HOST is %q, the store's endpoint is %q", path, consumer, prefix, got, endpoints[s])
				}
				checked++
			}
		}
	}
	if checked == 0 {
		t.Fatal("no edge to a store in any stack file: nothing was checked")
	}
}

func envPrefixOf(t *testing.T, values map[string]string, store string) string {
	var w map[string]map[string]any
	if s := values["platform:workloads"]; s != "" {
		if err := json.Unmarshal([]byte(s), &w); err != nil {
			t.Fatal(err)
		}
	}
	p, _ := w[store]["envPrefix"].(string)
	return p
}

func sortedNames(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// environments reads each workload's plain environment from the graph.
func environments(t *testing.T, g *sim.Graph) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	set := func(w, k, v string) {
		if out[w] == nil {
			out[w] = map[string]string{}
		}
		out[w][k] = v
	}
	pairs := func(w string, list any) {
		l, _ := list.([]any)
		for _, e := range l {
			m := e.(map[string]any)
			if v, ok := m["value"].(string); ok {
				set(w, m["name"].(string), v)
			}
		}
	}
	for _, r := range g.Resources {
		w := tagOf(r, "platform:workload")
		switch r.Type {
		case "aws:ecs/taskDefinition:TaskDefinition":
			var defs []map[string]any
			if err := json.Unmarshal([]byte(r.Inputs["containerDefinitions"].(string)), &defs); err != nil {
				t.Fatal(err)
			}
			for _, d := range defs {
				pairs(w, d["environment"])
			}
		case "aws:batch/jobDefinition:JobDefinition":
			var props map[string]any
			if err := json.Unmarshal([]byte(r.Inputs["containerProperties"].(string)), &props); err != nil {
				t.Fatal(err)
			}
			pairs(w, props["environment"])
		case "aws:lambda/function:Function":
			for _, v := range sim.Lookup(r.Inputs, "environment.variables") {
				for k, val := range v.(map[string]any) {
					set(w, k, fmt.Sprint(val))
				}
			}
		case "aws:ssm/parameter:Parameter":
			name := r.Inputs["name"].(string)
			set(w, name[strings.LastIndex(name, "/")+1:], plain(r.Inputs["value"]))
		}
	}
	return out
}

func plain(v any) string {
	if s, ok := v.(*resource.Secret); ok {
		return s.Element.StringValue()
	}
	return fmt.Sprint(v)
}

func storeEndpoints(g *sim.Graph) map[string]string {
	out := map[string]string{}
	for _, c := range g.OfType("aws:rds/cluster:Cluster") {
		out[workloadTag(g, c)] = fmt.Sprint(c.Outputs["endpoint"])
	}
	for _, rg := range g.OfType("aws:elasticache/replicationGroup:ReplicationGroup") {
		out[workloadTag(g, rg)] = fmt.Sprint(rg.Outputs["primaryEndpointAddress"])
	}
	return out
}

// workloadTag is a store's workload: its tag, or for an adopted store
// (imported with the tags it has) the tag its component's other resources
// carry.
func workloadTag(g *sim.Graph, r sim.Resource) string {
	if w := tagOf(r, "platform:workload"); w != "" {
		return w
	}
	for _, sib := range g.Children(r.Parent) {
		if w := tagOf(sib, "platform:workload"); w != "" {
			return w
		}
	}
	return ""
}

func tagOf(r sim.Resource, key string) string {
	if m, ok := r.Inputs["tags"].(map[string]any); ok {
		s, _ := m[key].(string)
		return s
	}
	return ""
}

// No secret value may appear anywhere in the graph but where AWS takes it:
// the secret version that stores it and the cache that is set up with it,
// both marked secret. The mocks hand out the values (a drawn password); the
// test searches every string of every input and every output for them.
func TestEverySecretValueStaysInTheTwoInputsThatMustHoldIt(t *testing.T) {
	hunted := 0
	defer func() {
		if hunted == 0 {
			t.Error("no stack file had a secret value to hunt for: nothing was checked")
		}
	}()
	for _, path := range stackFiles(t) {
		t.Run(path, func(t *testing.T) {
			f, err := stack.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			// Make every cache keep a token, so there is a secret value to hunt.
			var w map[string]map[string]any
			if s := f.Values["platform:workloads"]; s != "" {
				if err := json.Unmarshal([]byte(s), &w); err != nil {
					t.Fatal(err)
				}
			}
			caches := 0
			for _, spec := range w {
				if spec["kind"] == "cache" && spec["adopt"] == nil {
					// (An adopted cache never holds a token the stack made.)
					spec["auth"] = "secret"
					caches++
				}
			}
			if caches == 0 {
				t.Skip("no cache in this stack file: no token to look for")
			}
			b, _ := json.Marshal(w)
			f.Values["platform:workloads"] = string(b)
			res, err := offline.Run(f)
			if err != nil {
				t.Fatal(err)
			}
			var secrets []string
			for _, v := range res.Graph.OfType("aws:secretsmanager/secretVersion:SecretVersion") {
				if s, ok := v.Inputs["secretString"].(*resource.Secret); ok {
					secrets = append(secrets, s.Element.StringValue())
				} else {
					t.Errorf("%s holds its value in the clear", v.Name)
				}
			}
			if len(secrets) == 0 {
				t.Fatal("no secret value found to look for")
			}
			hunted += len(secrets)
			for _, r := range res.Graph.Resources {
				for k, v := range r.Inputs {
					b, _ := json.Marshal(unwrap(v))
					for _, s := range secrets {
						if !strings.Contains(string(b), s) {
							continue
						}
						sink := (r.Type == "aws:secretsmanager/secretVersion:SecretVersion" && k == "secretString") ||
							(r.Type == "aws:elasticache/replicationGroup:ReplicationGroup" && k == "authToken")
						switch {
						case !sink:
							t.Errorf("a secret value is in %s %s input %s", r.Type, r.Name, k)
						case !containsStr(r.SecretInputs, k):
							t.Errorf("%s %s sends %s in the clear", r.Type, r.Name, k)
						}
					}
				}
			}
			b, _ = json.Marshal(res.Graph.Exports)
			for _, s := range secrets {
				if strings.Contains(string(b), s) {
					t.Error("a secret value is in the stack outputs")
				}
			}
		})
	}
}

// unwrap turns secret markers into their values so the search sees them.
func unwrap(v any) any {
	switch x := v.(type) {
	case *resource.Secret:
		return x.Element.Mappable()
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = unwrap(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = unwrap(e)
		}
		return out
	}
	return v
}

func TestCheck_IAMWildcardsAndAdminPolicies(t *testing.T) {
	pol := func(name, doc string) sim.Resource {
		return res("aws:iam/rolePolicy:RolePolicy", name, name, map[string]any{"role": "r", "policy": doc})
	}
	for _, tt := range []struct {
		name string
		r    sim.Resource
		want string // "" for no violation
	}{
		{"every action", pol("a", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b"}]}`), policy.RuleIAMWildcard},
		{"every action of a service", pol("b", `{"Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":"arn:aws:s3:::b"}]}`), policy.RuleIAMWildcard},
		{"NotAction", pol("c", `{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"arn:aws:s3:::b"}]}`), policy.RuleIAMWildcard},
		{"a scoped action on every resource", pol("d", `{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`), policy.RuleIAMWildcard},
		{"a resourceless action beside a scoped one on *", pol("e", `{"Statement":[{"Effect":"Allow","Action":["ssmmessages:OpenDataChannel","s3:GetObject"],"Resource":"*"}]}`), policy.RuleIAMWildcard},
		{"ECS Exec's channels on *", pol("f", `{"Statement":[{"Effect":"Allow","Action":["ssmmessages:OpenDataChannel","ssmmessages:CreateDataChannel"],"Resource":"*"}]}`), ""},
		{"a Deny on everything", pol("g", `{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`), ""},
		{"administrator access", res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "h", "h", map[string]any{"role": "r", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}), policy.RuleIAMAdmin},
		{"a narrow managed policy", res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "i", "i", map[string]any{"role": "r", "policyArn": "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := policy.Check(&sim.Graph{Resources: []sim.Resource{tt.r}})
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("unexpected %v", got)
			case tt.want != "" && (len(got) == 0 || got[0].Rule != tt.want):
				t.Errorf("got %v, want %s", got, tt.want)
			}
		})
	}
}
