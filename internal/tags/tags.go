// Package tags builds the tag maps every resource carries. Provider default tags
// (project, stack, owner) come from aws:defaultTags; these add what identifies a
// resource inside the platform: Name, platform:component and, for network
// resources, platform:tier.
package tags

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// Set is an immutable tag map.
type Set map[string]string

// New returns the base tags of a component.
func New(component string, extra map[string]string) Set {
	s := Set{"platform:component": component}
	for k, v := range extra {
		s[k] = v
	}
	return s
}

// With returns a copy with more tags; kv alternates keys and values.
func (s Set) With(kv ...string) Set {
	out := make(Set, len(s)+len(kv)/2)
	for k, v := range s {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// Named returns the tags for one resource, with its Name tag.
func (s Set) Named(name string, kv ...string) pulumi.StringMap {
	m := pulumi.StringMap{"Name": pulumi.String(name)}
	for k, v := range s.With(kv...) {
		m[k] = pulumi.String(v)
	}
	return m
}
