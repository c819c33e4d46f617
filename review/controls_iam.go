package review

import (
	"fmt"
	"strings"

	"github.com/acme/platform/policy"
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

// checkIAMPolicies runs one test on every Allow statement of every managed
// and inline policy in the graph.
func checkIAMPolicies(bad func(st policy.Statement) string) func(v *view) outcome {
	return func(v *view) (o outcome) {
		for _, r := range v.of(tPolicy, tRolePolicy) {
			o.eval(1)
			doc := str(r.Inputs, "policy")
			sts, err := policy.Statements(doc)
			if err != nil {
				o.fail(r, "its policy document cannot be read: %v", err)
				continue
			}
			for _, st := range sts {
				if st.Effect != "Allow" {
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
func fullAdmin(st policy.Statement) string {
	everyResource := false
	for _, r := range st.Resources {
		everyResource = everyResource || r == "*"
	}
	if !everyResource {
		return ""
	}
	for _, a := range st.Actions {
		switch a {
		case "*":
			return `allows "*" on "*": full administrative privileges`
		case policy.NotAction:
			return "allows every action but those its NotAction names, on every resource"
		}
	}
	return ""
}

// serviceWildcard is IAM.21: an action of the form "<service>:*" (or "*").
func serviceWildcard(st policy.Statement) string {
	for _, a := range st.Actions {
		switch {
		case a == policy.NotAction:
			return "uses NotAction: every action but those named"
		case a == "*" || strings.HasSuffix(a, ":*"):
			return fmt.Sprintf("allows %s: every action of a service", a)
		}
	}
	return ""
}
