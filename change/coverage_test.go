package change

import (
	"testing"

	"github.com/acme/platform/internal/offline"
)

// Every resource type the program registers for the stack files has its
// replacement rules here; a type without them shows up as "unknown" in
// every change report that touches it.
func TestEveryRegisteredTypeHasReplacementRules(t *testing.T) {
	for _, path := range []string{"../Pulumi.prod.yaml", "../Pulumi.dev.yaml"} {
		res, err := offline.RunFile(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		types := res.Graph.CountByType()
		if len(types) < 40 {
			t.Fatalf("%s: only %d types registered", path, len(types))
		}
		for typ := range types {
			if _, ok := RuleFor(typ); !ok {
				t.Errorf("%s registers %s, which change/forcenew.go has no rule for", path, typ)
			}
		}
	}
}
