package change

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"

	"github.com/acme/platform/internal/sim"
)

// Kind is what a deployment would do to one resource.
type Kind string

// The kinds, from the most to the least dangerous.
const (
	Replaced  Kind = "replaced"
	Removed   Kind = "removed"
	Unknown   Kind = "unknown" // changed, but the type has no replacement rules
	Added     Kind = "added"
	Updated   Kind = "updated"
	Unchanged Kind = "unchanged"
)

// Kinds lists every kind in report order.
var Kinds = []Kind{Replaced, Removed, Unknown, Added, Updated, Unchanged}

// Entry is one resource that a deployment would touch.
type Entry struct {
	URN  string `json:"urn"`
	Type string `json:"type"`
	Name string `json:"name"`
	// OldURN is the URN in the before graph when it differs (matched through an alias).
	OldURN string `json:"oldUrn,omitempty"`
	Kind   Kind   `json:"kind"`
	// Props are the inputs that change (updated, replaced, unknown), sorted.
	Props []string `json:"props,omitempty"`
	// Forcing are the inputs (or nested paths) that force the replacement,
	// "type" when the type token changed. Sorted.
	Forcing []string `json:"forcing,omitempty"`
	// Reasons say why, one line per cause, e.g. "vpcId: new ID of replaced
	// aws:ec2/vpc:Vpc prod-vpc" or "storageType (unless the engine is aurora*)".
	Reasons []string `json:"reasons,omitempty"`
	// Protected is the before state's protect option (replaced and removed only).
	Protected bool `json:"protected,omitempty"`
	// Advice is the staged, safe way to make this change, when the table has one.
	Advice string `json:"advice,omitempty"`
	// Retained is the before state's retainOnDelete (removed only): the
	// resource leaves the stack but stays in the account.
	Retained bool `json:"retained,omitempty"`
	// Refused says why AWS would refuse this change (see Refusals), one line
	// per cause.
	Refused []string `json:"refused,omitempty"`
	// Applies says when AWS applies an update of a data store that can defer
	// changes to its maintenance window (see applies).
	Applies string `json:"applies,omitempty"`
	// Protect is "lifted" or "set" when the resource's protect option
	// changes: a change of the stack's state only, which Pulumi shows as an
	// update and which decides whether a later removal may happen.
	Protect string `json:"protect,omitempty"`
	// Import is the cloud ID an added resource is imported with: the
	// resource is taken over as it is, not created.
	Import string `json:"import,omitempty"`
}

// Report is the result of Diff.
type Report struct {
	// Entries are every resource that is not unchanged, sorted by URN.
	Entries []Entry `json:"entries"`
	// Counts per kind, unchanged included.
	Counts map[Kind]int `json:"counts"`
}

// Get returns the entry of a URN (new or old), if it changes.
func (r *Report) Get(urn string) (Entry, bool) {
	for _, e := range r.Entries {
		if e.URN == urn || (e.OldURN != "" && e.OldURN == urn) {
			return e, true
		}
	}
	return Entry{}, false
}

// Of returns the entries of one kind, in URN order.
func (r *Report) Of(k Kind) []Entry {
	var out []Entry
	for _, e := range r.Entries {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// Named returns "type name" of every entry of one kind, sorted: handy for tests.
func (r *Report) Named(k Kind) []string {
	var out []string
	for _, e := range r.Of(k) {
		out = append(out, e.Type+" "+e.Name)
	}
	sort.Strings(out)
	return out
}

// Empty reports whether nothing changes.
func (r *Report) Empty() bool { return len(r.Entries) == 0 }

// ProtectedError is a protected resource that a change would replace or delete:
// Pulumi refuses such a deployment until the resource is unprotected.
type ProtectedError struct{ Entry Entry }

func (e *ProtectedError) Error() string {
	verb := "replaced"
	if e.Entry.Kind == Removed {
		verb = "deleted"
	}
	msg := fmt.Sprintf("%s %s is protected and would be %s", e.Entry.Type, e.Entry.Name, verb)
	if len(e.Entry.Forcing) > 0 {
		msg += " (" + strings.Join(e.Entry.Forcing, ", ") + ")"
	}
	if e.Entry.Advice != "" {
		msg += ": " + e.Entry.Advice
	}
	return msg
}

// Errors returns one *ProtectedError for every protected resource (protect
// in the before graph) that would be replaced or removed, in URN order.
func (r *Report) Errors() []error {
	var out []error
	for _, e := range r.Entries {
		if e.Protected && (e.Kind == Replaced || e.Kind == Removed) {
			out = append(out, &ProtectedError{Entry: e})
		}
		for _, why := range e.Refused {
			out = append(out, &RefusedError{Entry: e, Reason: why})
		}
	}
	return out
}

// LoadGraph reads a graph saved with (*sim.Graph).JSON. Outputs are not saved,
// and Diff does not need them.
func LoadGraph(path string) (*sim.Graph, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var g sim.Graph
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, fmt.Errorf("%s: not a saved resource graph: %w", path, err)
	}
	for i, r := range g.Resources {
		if r.URN == "" || r.Type == "" {
			return nil, fmt.Errorf("%s: resource %d has no urn or type", path, i)
		}
	}
	return &g, nil
}

// pair is one resource present in both graphs.
type pair struct {
	before, after sim.Resource
	entry         *Entry
	rule          Rule
	known         bool
}

// Diff compares the graphs of two runs of the program. Resources are matched
// by URN, or through an alias in after that names a before URN (or, for a
// name-only alias, a before resource of the same type and parent with that
// name). A replaced resource gets a new physical ID in AWS although the
// simulated ID does not change, so every input that depends on it (by
// PropertyDependencies) changes too: a forcing one replaces the dependent,
// to a fixed point, and a non-forcing one updates it.
func Diff(before, after *sim.Graph) *Report {
	if before == nil {
		before = &sim.Graph{}
	}
	if after == nil {
		after = &sim.Graph{}
	}
	beforeByURN := map[string]sim.Resource{}
	for _, r := range before.Resources {
		beforeByURN[r.URN] = r
	}
	matched := map[string]bool{} // before URNs that found their after resource
	var pairs []*pair
	var entries []*Entry
	counts := map[Kind]int{}

	for _, a := range after.Resources {
		b, ok := beforeByURN[a.URN]
		if ok && !matched[a.URN] {
			matched[a.URN] = true
		} else {
			b, ok = matchAlias(a, before, matched)
		}
		if !ok {
			entries = append(entries, &Entry{URN: a.URN, Type: a.Type, Name: a.Name, Kind: Added, Import: a.ImportID})
			continue
		}
		rule, known := Rules[a.Type]
		p := &pair{before: b, after: a, rule: rule, known: known,
			entry: &Entry{URN: a.URN, Type: a.Type, Name: a.Name, Kind: Unchanged}}
		if b.URN != a.URN {
			p.entry.OldURN = b.URN
		}
		p.compare()
		pairs = append(pairs, p)
		entries = append(entries, p.entry)
	}
	for _, b := range before.Resources {
		if !matched[b.URN] {
			e := &Entry{URN: b.URN, Type: b.Type, Name: b.Name, Kind: Removed, Protected: b.Protect, Retained: b.RetainOnDelete}
			if b.Protect {
				e.Advice = removalAdvice(b)
			}
			entries = append(entries, e)
		}
	}

	// Propagate replacements through property dependencies to a fixed point.
	replaced := map[string]*pair{}
	markReplaced := func(p *pair) {
		replaced[p.after.URN] = p
		replaced[p.before.URN] = p
	}
	for _, p := range pairs {
		if p.entry.Kind == Replaced {
			markReplaced(p)
		}
	}
	for changed := true; changed; {
		changed = false
		for _, p := range pairs {
			for _, prop := range sortedKeys(p.after.PropertyDependencies) {
				if p.ignored(prop) {
					continue
				}
				for _, dep := range p.after.PropertyDependencies[prop] {
					src, ok := replaced[dep]
					if !ok || src == p {
						continue
					}
					why := fmt.Sprintf("%s: new ID of replaced %s %s", prop, src.after.Type, src.after.Name)
					if p.entry.Kind == Replaced {
						p.alsoForcedBy(prop, why) // already replaced: only record the cause
						continue
					}
					if p.propagate(prop, why) {
						changed = true
						if p.entry.Kind == Replaced {
							markReplaced(p)
						}
					}
				}
			}
		}
	}

	for _, p := range pairs {
		p.entry.Refused = refusals(p.before, p.after, after)
		if p.before.Protect != p.after.Protect && p.after.Custom {
			p.entry.Protect = "set"
			if !p.after.Protect {
				p.entry.Protect = "lifted"
			}
			if p.entry.Kind == Unchanged {
				p.entry.Kind = Updated
			}
		}
		if p.entry.Kind == Updated {
			p.entry.Applies = applies(p.after, p.entry.Props)
		}
	}

	rep := &Report{Counts: counts}
	for _, k := range Kinds {
		counts[k] = 0
	}
	for _, e := range entries {
		counts[e.Kind]++
		if e.Kind == Unchanged {
			continue
		}
		e.Props = uniqSorted(e.Props)
		e.Forcing = uniqSorted(e.Forcing)
		e.Reasons = uniqSorted(e.Reasons)
		rep.Entries = append(rep.Entries, *e)
	}
	sort.Slice(rep.Entries, func(i, j int) bool { return rep.Entries[i].URN < rep.Entries[j].URN })
	return rep
}

// matchAlias finds the before resource an after resource aliases.
func matchAlias(a sim.Resource, before *sim.Graph, matched map[string]bool) (sim.Resource, bool) {
	for _, alias := range a.Aliases {
		if strings.HasPrefix(alias, "urn:") {
			if b, ok := before.Get(alias); ok && !matched[b.URN] {
				matched[b.URN] = true
				return b, true
			}
			continue
		}
		name, ok := strings.CutPrefix(alias, "name=")
		if !ok {
			continue
		}
		var found *sim.Resource
		for i := range before.Resources {
			b := before.Resources[i]
			if matched[b.URN] || b.Type != a.Type || b.Name != name {
				continue
			}
			if b.Parent == a.Parent {
				found = &before.Resources[i]
				break
			}
			if found == nil {
				found = &before.Resources[i]
			}
		}
		if found != nil {
			matched[found.URN] = true
			return *found, true
		}
	}
	return sim.Resource{}, false
}

// compare classifies a matched pair by its own inputs.
func (p *pair) compare() {
	e := p.entry
	if p.before.Type != p.after.Type {
		e.Kind = Replaced
		e.Forcing = append(e.Forcing, "type")
		e.Reasons = append(e.Reasons, fmt.Sprintf("type: %s -> %s", p.before.Type, p.after.Type))
		p.finishReplaced()
		return
	}
	bIn, aIn := normalize(p.before.Inputs), normalize(p.after.Inputs)
	for _, prop := range unionKeys(bIn, aIn) {
		if p.ignored(prop) {
			continue
		}
		bv, av := stripIgnored(prop, bIn[prop], p.after.IgnoreChanges), stripIgnored(prop, aIn[prop], p.after.IgnoreChanges)
		if p.known && contains(p.rule.Sets, prop) {
			bv, av = asSet(bv), asSet(av)
		}
		if reflect.DeepEqual(bv, av) {
			continue
		}
		e.Props = append(e.Props, prop)
		p.classify(prop, bIn, aIn)
	}
	if len(e.Props) == 0 {
		return
	}
	switch {
	case e.Kind == Replaced:
		p.finishReplaced()
	case !p.after.Custom:
		e.Kind = Updated // components have no cloud state to replace
	case !p.known:
		e.Kind = Unknown
		e.Reasons = append(e.Reasons, "unknown replacement rules for "+p.after.Type)
	default:
		e.Kind = Updated
	}
}

// classify decides whether the change of one top-level input forces replacement.
func (p *pair) classify(prop string, bIn, aIn map[string]any) {
	e := p.entry
	force := func(what, why string) {
		e.Kind = Replaced
		e.Forcing = append(e.Forcing, what)
		e.Reasons = append(e.Reasons, why)
	}
	if p.replaceOnChanges(prop) {
		force(prop, prop+" (replaceOnChanges)")
	}
	if !p.known || !p.after.Custom {
		return
	}
	r := p.rule
	if r.AllForceNew && !contains(r.Except, prop) {
		force(prop, prop)
	}
	for _, path := range r.ForceNew {
		switch {
		case path == prop:
			force(prop, prop)
		case hasPathPrefix(path, prop):
			if !reflect.DeepEqual(extract(bIn, path), extract(aIn, path)) {
				force(path, path)
			}
		}
	}
	for path, cond := range r.Conditional {
		if r.ruledOut(path, aIn) && r.ruledOut(path, bIn) {
			continue
		}
		if f := r.UnlessChange[path]; f != nil && f(bIn, aIn) {
			continue
		}
		if path == prop || (hasPathPrefix(path, prop) && !reflect.DeepEqual(extract(bIn, path), extract(aIn, path))) {
			force(path, path+" ("+cond+")")
		}
	}
	for _, group := range r.SourceSwitch {
		if !contains(group, prop) {
			continue
		}
		was, is := present(bIn, group), present(aIn, group)
		if was != is {
			force(prop, fmt.Sprintf("%s (source switches from %s to %s)", prop, orNone(was), orNone(is)))
		}
	}
}

// propagate applies the new physical ID of a replaced dependency to prop.
func (p *pair) propagate(prop, why string) bool {
	e := p.entry
	forcing := p.replaceOnChanges(prop) || (p.known && p.after.Custom && p.rule.ForcesGiven(prop, p.after.Inputs))
	switch {
	case forcing:
		e.Kind = Replaced
		e.Props = append(e.Props, prop)
		e.Forcing = append(e.Forcing, prop)
		e.Reasons = append(e.Reasons, why)
		p.finishReplaced()
		return true
	case contains(e.Props, prop) && containsPrefix(e.Reasons, prop+": new ID"):
		return false
	default:
		before := e.Kind
		e.Props = append(e.Props, prop)
		e.Reasons = append(e.Reasons, why)
		switch {
		case e.Kind == Unknown:
		case !p.after.Custom:
			e.Kind = Updated
		case !p.known:
			e.Kind = Unknown
			e.Reasons = append(e.Reasons, "unknown replacement rules for "+p.after.Type)
		default:
			e.Kind = Updated
		}
		return before != e.Kind
	}
}

// alsoForcedBy records a further cause of an existing replacement.
func (p *pair) alsoForcedBy(prop, why string) {
	e := p.entry
	e.Props = append(e.Props, prop)
	e.Reasons = append(e.Reasons, why)
	if p.replaceOnChanges(prop) || (p.known && p.after.Custom && p.rule.Forces(prop)) {
		e.Forcing = append(e.Forcing, prop)
	}
}

func (p *pair) finishReplaced() {
	e := p.entry
	e.Protected = p.before.Protect
	if !p.known {
		e.Advice = ""
		return
	}
	forcing := uniqSorted(e.Forcing)
	// A derived input (an identifier hashed from the others) speaks last.
	sort.SliceStable(forcing, func(i, j int) bool {
		return !contains(p.rule.Derived, forcing[i]) && contains(p.rule.Derived, forcing[j])
	})
	for _, f := range forcing {
		top := strings.SplitN(f, ".", 2)[0]
		if a, ok := p.rule.Advice[f]; ok {
			e.Advice = a
			return
		}
		if a, ok := p.rule.Advice[top]; ok {
			e.Advice = a
			return
		}
	}
	e.Advice = p.rule.Advice[""]
}

func removalAdvice(b sim.Resource) string {
	base := "deleting a protected resource needs a deliberate `pulumi state unprotect " + b.URN + "` first"
	if r, ok := Rules[b.Type]; ok && r.Advice["-"] != "" {
		return r.Advice["-"] + "; " + base
	}
	return base
}

// ignored reports whether ignoreChanges covers the whole top-level input.
func (p *pair) ignored(prop string) bool {
	for _, ig := range p.after.IgnoreChanges {
		if ig == "*" || normPath(ig) == prop {
			return true
		}
	}
	return false
}

func (p *pair) replaceOnChanges(prop string) bool {
	for _, rc := range p.after.ReplaceOnChanges {
		n := normPath(rc)
		if n == "*" || n == prop || hasPathPrefix(n, prop) {
			return true
		}
	}
	return false
}

// stripIgnored removes the nested ignoreChanges paths under prop from v.
func stripIgnored(prop string, v any, ignore []string) any {
	for _, ig := range ignore {
		n := normPath(ig)
		if !hasPathPrefix(n, prop) {
			continue
		}
		v = deletePath(v, strings.Split(n, ".")[1:])
	}
	return v
}

func deletePath(v any, path []string) any {
	m, ok := v.(map[string]any)
	if !ok || len(path) == 0 {
		return v
	}
	out := make(map[string]any, len(m))
	for k, x := range m {
		out[k] = x
	}
	if len(path) == 1 {
		delete(out, path[0])
	} else if x, ok := out[path[0]]; ok {
		out[path[0]] = deletePath(x, path[1:])
	}
	return out
}

// normPath turns `tags["Name"]` and `a[0].b` into dotted form (tags.Name, a.b).
func normPath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '[':
			j := strings.IndexByte(p[i:], ']')
			if j < 0 {
				return b.String()
			}
			inner := strings.Trim(p[i+1:i+j], `"`)
			if inner != "" && strings.Trim(inner, "0123456789") != "" {
				b.WriteByte('.')
				b.WriteString(inner)
			}
			i += j
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// extract follows a dotted path; lists map the rest of the path over their elements.
func extract(v any, path string) any {
	parts := strings.Split(path, ".")
	var walk func(v any, parts []string) any
	walk = func(v any, parts []string) any {
		if len(parts) == 0 {
			return v
		}
		switch x := v.(type) {
		case map[string]any:
			return walk(x[parts[0]], parts[1:])
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = walk(e, parts)
			}
			return out
		}
		return nil
	}
	return walk(v, parts)
}

// normalize turns inputs into plain JSON values (float64, []any, map[string]any)
// and drops null members, so hand-built and recorded graphs compare alike.
func normalize(in map[string]any) map[string]any {
	out := map[string]any{}
	if len(in) == 0 {
		return out
	}
	b, err := json.Marshal(in)
	if err != nil {
		for k, v := range in {
			out[k] = v
		}
		return out
	}
	_ = json.Unmarshal(b, &out)
	for k, v := range out {
		if v == nil {
			delete(out, k)
		}
	}
	return out
}

// asSet sorts a list by the JSON form of its elements.
func asSet(v any) any {
	l, ok := v.([]any)
	if !ok {
		return v
	}
	type kv struct {
		key string
		val any
	}
	items := make([]kv, len(l))
	for i, e := range l {
		b, _ := json.Marshal(e)
		items[i] = kv{string(b), e}
	}
	sort.Slice(items, func(i, j int) bool { return items[i].key < items[j].key })
	out := make([]any, len(items))
	for i, it := range items {
		out[i] = it.val
	}
	return out
}

func present(in map[string]any, group []string) string {
	var set []string
	for _, g := range group {
		if v, ok := in[g]; ok && v != nil && v != "" {
			set = append(set, g)
		}
	}
	return strings.Join(set, "+")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func unionKeys(a, b map[string]any) []string {
	seen := map[string]bool{}
	for k := range a {
		seen[k] = true
	}
	for k := range b {
		seen[k] = true
	}
	return sortedKeys(seen)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func uniqSorted(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	s := append([]string(nil), in...)
	sort.Strings(s)
	out := s[:1]
	for _, v := range s[1:] {
		if v != out[len(out)-1] {
			out = append(out, v)
		}
	}
	return out
}

func containsPrefix(list []string, prefix string) bool {
	for _, v := range list {
		if strings.HasPrefix(v, prefix) {
			return true
		}
	}
	return false
}
