package stack

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Project is the Pulumi project name; config keys are namespaced by it.
const Project = "platform"

// File is a parsed Pulumi.<stack>.yaml.
type File struct {
	Path  string
	Stack string
	// Values are the config values as the Pulumi CLI hands them to the
	// program: "namespace:key" -> string, objects and lists as JSON.
	Values map[string]string
}

// ReadFile reads a stack file the way `pulumi up` would present it to the program.
func ReadFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	base := filepath.Base(path)
	stack := strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(base, "Pulumi."), ".yaml"), ".yml")
	values, err := ParseStackYAML(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &File{Path: path, Stack: stack, Values: values}, nil
}

// ParseStackYAML converts the `config:` block of a stack file into the
// string map the Pulumi engine passes to a program.
func ParseStackYAML(b []byte) (map[string]string, error) {
	var doc struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	out := map[string]string{}
	for k, v := range doc.Config {
		key := k
		if !strings.Contains(key, ":") {
			key = Project + ":" + key
		}
		if m, ok := v.(map[string]any); ok {
			if _, secure := m["secure"]; secure && len(m) == 1 {
				// Secrets are encrypted with the stack's key, which an offline run
				// does not have; the program sees a placeholder of the right type.
				out[key] = "offline-placeholder-secret"
				continue
			}
		}
		switch x := v.(type) {
		case string:
			out[key] = x
		default:
			j, err := json.Marshal(jsonable(x))
			if err != nil {
				return nil, fmt.Errorf("config %s: %w", key, err)
			}
			out[key] = string(j)
		}
	}
	return out, nil
}

// jsonable turns yaml.v3's decoded values into what encoding/json accepts.
func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = jsonable(e)
		}
		return m
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonable(e)
		}
		return out
	}
	return v
}

// StackFiles lists the Pulumi.<stack>.yaml files in dir, sorted.
func StackFiles(dir string) ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "Pulumi.*.yaml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(matches)
	return matches, nil
}

// Keys returns the keys of a config map, sorted.
func Keys(values map[string]string) []string {
	out := make([]string, 0, len(values))
	for k := range values {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
