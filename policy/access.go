package policy

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/acme/platform/internal/sim"
)

// Rule names of the identity checks.
const (
	RuleIAMWildcard    = "iam-no-wildcards"
	RuleIAMAdmin       = "iam-no-admin"
	RuleGrantWithEdge  = "store-grants-follow-edges"
	RuleEdgeIdentified = "store-edges-carry-identity"
)

const (
	tRole       = "aws:iam/role:Role"
	tRolePolicy = "aws:iam/rolePolicy:RolePolicy"
	tPolicy     = "aws:iam/policy:Policy"
	tAttachment = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	tCluster    = "aws:rds/cluster:Cluster"
	tRG         = "aws:elasticache/replicationGroup:ReplicationGroup"
	tCacheUser  = "aws:elasticache/user:User"
	tSecret     = "aws:secretsmanager/secret:Secret"
)

// Resourceless lists the actions AWS offers no resource-level permission for,
// so their statements must name "*": ECS Exec's message channels and the
// ECR login. Any other action on "*" is a finding.
var Resourceless = map[string]bool{
	"ssmmessages:CreateControlChannel": true,
	"ssmmessages:CreateDataChannel":    true,
	"ssmmessages:OpenControlChannel":   true,
	"ssmmessages:OpenDataChannel":      true,
	"ecr:GetAuthorizationToken":        true,
	// CloudWatch Logs' log delivery (how Step Functions and other services
	// deliver vended logs) takes no resource ARN.
	"logs:CreateLogDelivery":        true,
	"logs:GetLogDelivery":           true,
	"logs:UpdateLogDelivery":        true,
	"logs:DeleteLogDelivery":        true,
	"logs:ListLogDeliveries":        true,
	"logs:PutResourcePolicy":        true,
	"logs:DescribeResourcePolicies": true,
}

// adminPolicies are AWS managed policies no platform role may carry.
var adminPolicies = []string{"/AdministratorAccess", "/PowerUserAccess", "/IAMFullAccess"}

// NotAction stands, among a statement's actions, for a NotAction element:
// the statement allows every action but those it names.
const NotAction = "NotAction"

// Statement is one statement of a policy document, normalised.
type Statement struct {
	Effect    string
	Actions   []string
	Resources []string
	Condition map[string]map[string]any
}

// Statements parses a policy document held in a string input.
func Statements(doc any) ([]Statement, error) {
	s, ok := doc.(string)
	if !ok {
		return nil, fmt.Errorf("the policy is not a JSON string")
	}
	var raw struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, err
	}
	var list []map[string]any
	if err := json.Unmarshal(raw.Statement, &list); err != nil {
		var one map[string]any
		if err := json.Unmarshal(raw.Statement, &one); err != nil {
			return nil, err
		}
		list = []map[string]any{one}
	}
	var out []Statement
	for _, m := range list {
		st := Statement{Effect: fmt.Sprint(m["Effect"]), Actions: stringOrList(m["Action"]), Resources: stringOrList(m["Resource"])}
		if _, has := m["NotAction"]; has {
			st.Actions = append(st.Actions, NotAction)
		}
		if _, has := m["NotResource"]; has {
			st.Resources = append(st.Resources, "*")
		}
		if c, ok := m["Condition"].(map[string]any); ok {
			st.Condition = map[string]map[string]any{}
			for op, v := range c {
				if inner, ok := v.(map[string]any); ok {
					st.Condition[op] = inner
				}
			}
		}
		out = append(out, st)
	}
	return out, nil
}

func stringOrList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return nil
}

// checkIAM finds wildcard grants and admin policies.
func checkIAM(g *sim.Graph, add func(rule string, r sim.Resource, format string, args ...any)) {
	for _, r := range append(g.OfType(tRolePolicy), g.OfType(tPolicy)...) {
		sts, err := Statements(r.Inputs["policy"])
		if err != nil {
			add(RuleIAMWildcard, r, "unreadable policy: %v", err)
			continue
		}
		for _, st := range sts {
			if st.Effect != "Allow" {
				continue
			}
			resourceless := true
			for _, a := range st.Actions {
				if a == "*" || strings.HasSuffix(a, ":*") || a == NotAction {
					add(RuleIAMWildcard, r, "allows %s: every action of a service", a)
				}
				resourceless = resourceless && Resourceless[a]
			}
			for _, res := range st.Resources {
				if res == "*" && !resourceless {
					add(RuleIAMWildcard, r, "allows %s on every resource", strings.Join(st.Actions, ", "))
				}
			}
		}
	}
	for _, a := range g.OfType(tAttachment) {
		arn, _ := a.Inputs["policyArn"].(string)
		for _, admin := range adminPolicies {
			if strings.HasSuffix(arn, admin) {
				add(RuleIAMAdmin, a, "attaches %s", arn)
			}
		}
	}
}

// Grants are the statements of every role, by the workload its tags name.
func Grants(g *sim.Graph) map[string][]Statement {
	roleOf := map[any]string{} // role name output -> workload
	for _, r := range g.OfType(tRole) {
		if w := tag(r, "platform:workload"); w != "" {
			roleOf[r.Outputs["name"]] = w
		}
	}
	out := map[string][]Statement{}
	for _, p := range g.OfType(tRolePolicy) {
		w, ok := roleOf[p.Inputs["role"]]
		if !ok {
			continue
		}
		sts, _ := Statements(p.Inputs["policy"])
		out[w] = append(out[w], sts...)
	}
	return out
}

// storeIdentity is what names one data store in a policy: resources whose
// appearance in a statement grants some way in.
type storeIdentity struct {
	secrets     []string          // secret ARNs
	resourceIDs []string          // Aurora cluster resource ids (rds-db:connect)
	groups      []string          // replication group ARNs
	users       map[string]string // ElastiCache user ARN -> consumer it was made for
	// asFound: an adopted cache that keeps the authentication it had (no
	// token, no users of the stack); an edge to it needs no grant.
	asFound bool
}

func (s storeIdentity) names(res string) bool {
	for _, v := range append(append([]string(nil), s.secrets...), s.groups...) {
		if res == v {
			return true
		}
	}
	for _, id := range s.resourceIDs {
		if strings.Contains(res, ":dbuser:"+id+"/") {
			return true
		}
	}
	_, user := s.users[res]
	return user
}

// storeIdentities reads every data store's identifying resources from the graph.
func storeIdentities(g *sim.Graph) map[string]*storeIdentity {
	out := map[string]*storeIdentity{}
	get := func(w string) *storeIdentity {
		if out[w] == nil {
			out[w] = &storeIdentity{users: map[string]string{}}
		}
		return out[w]
	}
	for _, c := range g.OfType(tCluster) {
		id := get(workloadOf(g, c))
		for _, v := range sim.Lookup(c.Outputs, "masterUserSecrets[].secretArn") {
			id.secrets = append(id.secrets, fmt.Sprint(v))
		}
		if rid, ok := c.Outputs["clusterResourceId"].(string); ok {
			id.resourceIDs = append(id.resourceIDs, rid)
		}
	}
	for _, rg := range g.OfType(tRG) {
		id := get(workloadOf(g, rg))
		// A group a migration adopted with no auth token and no user group
		// authenticates as it did before the stack: nothing to grant.
		if rg.ImportID != "" && rg.Inputs["authToken"] == nil && len(sim.Lookup(rg.Inputs, "userGroupIds[]")) == 0 {
			id.asFound = true
		}
		id.groups = append(id.groups, fmt.Sprint(rg.Outputs["arn"]))
	}
	for _, s := range g.OfType(tSecret) {
		if w := tag(s, "platform:workload"); w != "" {
			if _, store := out[w]; store {
				get(w).secrets = append(get(w).secrets, fmt.Sprint(s.Outputs["arn"]))
			}
		}
	}
	for _, u := range g.OfType(tCacheUser) {
		if c := tag(u, "platform:consumer"); c != "" {
			get(tag(u, "platform:workload")).users[fmt.Sprint(u.Outputs["arn"])] = c
		}
	}
	return out
}

// CheckAccess compares the grants in the graph with the allow edges from
// compute workloads to data stores (consumer -> stores): every edge must carry
// a way to authenticate to its store - the store's secret, rds-db:connect on
// its resource id, or elasticache:Connect on the group and the consumer's own
// user - and no workload may hold anything naming a store it has no edge to,
// or another consumer's cache user.
func CheckAccess(g *sim.Graph, edges map[string][]string) []Violation {
	var out []Violation
	add := func(rule, workload, format string, args ...any) {
		out = append(out, Violation{Rule: rule, Resource: workload, Type: "workload", Detail: fmt.Sprintf(format, args...)})
	}
	stores := storeIdentities(g)
	grants := Grants(g)
	for _, w := range sortedKeys(grants) {
		allowed := map[string]bool{}
		for _, s := range edges[w] {
			allowed[s] = true
		}
		for _, st := range grants[w] {
			for _, res := range st.Resources {
				for _, s := range sortedKeys(stores) {
					if !stores[s].names(res) {
						continue
					}
					if !allowed[s] {
						add(RuleGrantWithEdge, w, "holds %s on %s of %s without an allow edge to it", strings.Join(st.Actions, ", "), res, s)
					}
					if c, user := stores[s].users[res]; user && c != w {
						add(RuleGrantWithEdge, w, "may connect as %s's cache user %s", c, res)
					}
				}
			}
		}
	}
	for _, w := range sortedKeys(edges) {
		for _, s := range edges[w] {
			id, ok := stores[s]
			if !ok {
				add(RuleEdgeIdentified, w, "has an edge to %s, which is not a data store in the graph", s)
				continue
			}
			if !id.asFound && !identified(grants[w], id, w) {
				add(RuleEdgeIdentified, w, "has an allow edge to %s but no way to authenticate to it", s)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// identified reports whether the statements hold one complete way in.
func identified(sts []Statement, id *storeIdentity, consumer string) bool {
	for _, st := range sts {
		has := func(action string) bool {
			for _, a := range st.Actions {
				if a == action {
					return true
				}
			}
			return false
		}
		on := func(pred func(string) bool) bool {
			for _, r := range st.Resources {
				if pred(r) {
					return true
				}
			}
			return false
		}
		switch {
		case has("secretsmanager:GetSecretValue") && on(func(r string) bool { return contains(id.secrets, r) }):
			return true
		case has("rds-db:connect") && on(func(r string) bool {
			for _, rid := range id.resourceIDs {
				if strings.Contains(r, ":dbuser:"+rid+"/") {
					return true
				}
			}
			return false
		}):
			return true
		case has("elasticache:Connect") && on(func(r string) bool { return contains(id.groups, r) }) &&
			on(func(r string) bool { return id.users[r] == consumer }):
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// workloadOf names the workload a store resource belongs to: its own tag, or,
// for a store a migration adopted (imported with the tags it has), the tag of
// the resources its component creates beside it.
func workloadOf(g *sim.Graph, r sim.Resource) string {
	if w := tag(r, "platform:workload"); w != "" || r.Parent == "" {
		return w
	}
	for _, sib := range g.Children(r.Parent) {
		if w := tag(sib, "platform:workload"); w != "" {
			return w
		}
	}
	return ""
}

func tag(r sim.Resource, key string) string {
	if m, ok := r.Inputs["tags"].(map[string]any); ok {
		if v, ok := m[key].(string); ok {
			return v
		}
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
