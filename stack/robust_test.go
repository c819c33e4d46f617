package stack_test

import (
	"encoding/json"
	"testing"

	"pgregory.net/rapid"

	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/stack"
)

// jsonValue draws an arbitrary JSON value, biased towards the shapes config
// values have, to throw at the loader.
func jsonValue(t *rapid.T, depth int) any {
	kinds := []string{"string", "number", "bool", "null"}
	if depth < 3 {
		kinds = append(kinds, "object", "list")
	}
	switch rapid.SampledFrom(kinds).Draw(t, "kind") {
	case "string":
		return rapid.SampledFrom([]string{"", "10.0.0.0/16", "10.0.0.0/33", "perAz", "ecs", "web", "x", "-1", "tcp/22", "us-east-1a"}).Draw(t, "s")
	case "number":
		return rapid.SampledFrom([]float64{0, -1, 1, 2.5, 3, 24, 65536, 1e9}).Draw(t, "n")
	case "bool":
		return rapid.Bool().Draw(t, "b")
	case "null":
		return nil
	case "list":
		n := rapid.IntRange(0, 3).Draw(t, "len")
		out := make([]any, n)
		for i := range out {
			out[i] = jsonValue(t, depth+1)
		}
		return out
	}
	keys := []string{"cidr", "azCount", "nat", "tiers", "endpoints", "kind", "port", "from", "allow", "web", "database", "private", "prefixLength", "clientVpn", "enabled", "accept", "existing", "subnets"}
	out := map[string]any{}
	for i, n := 0, rapid.IntRange(0, 4).Draw(t, "fields"); i < n; i++ {
		out[rapid.SampledFrom(keys).Draw(t, "key")] = jsonValue(t, depth+1)
	}
	return out
}

// Whatever a stack file holds, the program answers with problems or a graph:
// it never panics, and a rejected config registers nothing.
func TestLoad_NeverPanicsAndRegistersNothingOnBadInput(t *testing.T) {
	base, err := stack.ReadFile("../Pulumi.prod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	keys := stack.Keys(base.Values)
	rapid.Check(t, func(t *rapid.T) {
		values := map[string]string{}
		for k, v := range base.Values {
			values[k] = v
		}
		key := rapid.SampledFrom(append(keys, "platform:unknownKey")).Draw(t, "replace")
		if rapid.Bool().Draw(t, "delete") {
			delete(values, key)
		} else {
			b, _ := json.Marshal(jsonValue(t, 0))
			values[key] = string(b)
		}
		res, err := offline.Run(&stack.File{Path: "fuzzed", Stack: "prod", Values: values})
		if err != nil && res != nil && len(res.Graph.Resources) != 0 {
			t.Fatalf("rejected config (%v) registered %d resources", err, len(res.Graph.Resources))
		}
	})
}
