package review

import (
	"encoding/json"
	"fmt"
	"strings"
)

// ---- IAM ------------------------------------------------------------------
//
// Security Hub evaluates IAM.1 and IAM.21 on customer managed policies only;
// the platform's roles carry inline policies (one per grant), so the review
// holds those to the same standard: an inline "*" is no better than a
// managed one.

const (
	tRolePolicy = "aws:iam/rolePolicy:RolePolicy"
	tPolicy     = "aws:iam/policy:Policy"
)

// iamStatement is one statement of a policy document.
type iamStatement struct {
	effect    string
	actions   []string
	resources []string
	notAction bool
}

func policyStatements(doc string) ([]iamStatement, error) {
	var raw struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
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
	var out []iamStatement
	for _, m := range list {
		st := iamStatement{effect: fmt.Sprint(m["Effect"]), actions: deepStrings(m["Action"]), resources: deepStrings(m["Resource"])}
		if na, ok := m["NotAction"]; ok {
			st.notAction = true
			st.actions = deepStrings(na)
		}
		out = append(out, st)
	}
	return out, nil
}

// checkIAMPolicies runs one test on every Allow statement of every managed
// and inline policy in the graph.
func checkIAMPolicies(bad func(st iamStatement) string) func(v *view) outcome {
	return func(v *view) (o outcome) {
		for _, r := range v.of(tPolicy, tRolePolicy) {
			o.eval(1)
			doc := str(r.Inputs, "policy")
			sts, err := policyStatements(doc)
			if err != nil {
				o.fail(r, "its policy document cannot be read: %v", err)
				continue
			}
			for _, st := range sts {
				if st.effect != "Allow" {
					continue
				}
				if why := bad(st); why != "" {
					o.fail(r, "%s", why)
				}
			}
		}
		return o
	}
}

// fullAdmin is IAM.1: Action "*" on Resource "*" (or NotAction, which allows
// everything but what it names).
func fullAdmin(st iamStatement) string {
	everyResource := false
	for _, r := range st.resources {
		everyResource = everyResource || r == "*"
	}
	if !everyResource {
		return ""
	}
	if st.notAction {
		return "allows every action but " + strings.Join(st.actions, ", ") + " on every resource"
	}
	for _, a := range st.actions {
		if a == "*" {
			return `allows "*" on "*": full administrative privileges`
		}
	}
	return ""
}

// serviceWildcard is IAM.21: an action of the form "<service>:*" (or "*").
func serviceWildcard(st iamStatement) string {
	for _, a := range st.actions {
		if a == "*" || strings.HasSuffix(a, ":*") {
			return fmt.Sprintf("allows %s: every action of a service", a)
		}
	}
	if st.notAction {
		return "uses NotAction: every action but those named"
	}
	return ""
}
