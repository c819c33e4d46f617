package change

import (
	"fmt"
	"strings"
)

var verbs = map[Kind]string{
	Replaced: "~ replace",
	Removed:  "- delete ",
	Unknown:  "? unknown",
	Added:    "+ create ",
	Updated:  "~ update ",
}

// Summary is the counts line, e.g. "2 to replace, 10 to create, 0 to delete,
// 3 to update, 0 unknown, 40 unchanged".
func (r *Report) Summary() string {
	return fmt.Sprintf("%d to replace, %d to create, %d to delete, %d to update, %d unknown, %d unchanged",
		r.Counts[Replaced], r.Counts[Added], r.Counts[Removed], r.Counts[Updated], r.Counts[Unknown], r.Counts[Unchanged])
}

// ordered returns the changed entries, the most dangerous kinds first.
func (r *Report) ordered() []Entry {
	var out []Entry
	for _, k := range Kinds {
		out = append(out, r.Of(k)...)
	}
	return out
}

// Text renders the report for a reviewer: the counts line, one line per
// changed resource, then the protected resources that block the change.
func (r *Report) Text() string {
	var b strings.Builder
	b.WriteString("Change: " + r.Summary() + "\n")
	entries := r.ordered()
	tw, nw := 0, 0
	for _, e := range entries {
		tw = max(tw, len(e.Type))
		nw = max(nw, len(e.Name))
	}
	for _, e := range entries {
		line := fmt.Sprintf("%s  %-*s  %-*s", verbs[e.Kind], tw, e.Type, nw, e.Name)
		if detail := e.detail(); detail != "" {
			line += "  (" + detail + ")"
		}
		if e.Protected && (e.Kind == Replaced || e.Kind == Removed) {
			line += "  PROTECTED"
			if e.Advice != "" {
				line += ": " + e.Advice
			}
		}
		if e.Retained && e.Kind == Removed {
			line += "  RETAINED: leaves the stack, stays in the account"
		}
		if e.Applies != "" {
			line += "  [" + e.Applies + "]"
		}
		if e.Protect != "" {
			line += "  [protect " + e.Protect + "]"
		}
		if e.Import != "" {
			line += "  [import " + e.Import + "]"
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
		for _, why := range e.Refused {
			b.WriteString("      REFUSED by AWS: " + why + "\n")
		}
		if e.Kind == Replaced || e.Kind == Unknown {
			for _, why := range e.Reasons {
				b.WriteString("      because " + why + "\n")
			}
		}
	}
	if n := r.protectedCount(); n > 0 {
		fmt.Fprintf(&b, "BLOCKED: %d protected resource(s) would be replaced or deleted; Pulumi refuses this deployment.\n", n)
	}
	if n := r.refusedCount(); n > 0 {
		fmt.Fprintf(&b, "REFUSED: %d change(s) AWS would refuse; the deployment would fail there.\n", n)
	}
	if n := r.Counts[Unknown]; n > 0 {
		fmt.Fprintf(&b, "CHECK: %d changed resource(s) of types without replacement rules; the table in change/forcenew.go does not cover them.\n", n)
	}
	return b.String()
}

// detail is the parenthesised part of a line: the forcing inputs of a
// replacement, the changed inputs of an update.
func (e Entry) detail() string {
	switch e.Kind {
	case Replaced:
		if len(e.Forcing) > 0 {
			return strings.Join(e.Forcing, ", ")
		}
	case Updated, Unknown:
		return strings.Join(e.Props, ", ")
	}
	return ""
}

// Markdown renders the report for a pull-request comment.
func (r *Report) Markdown() string {
	var b strings.Builder
	b.WriteString("### Offline change report\n\n")
	fmt.Fprintf(&b, "**%d to replace** · %d to create · %d to delete · %d to update · %d unknown · %d unchanged\n\n",
		r.Counts[Replaced], r.Counts[Added], r.Counts[Removed], r.Counts[Updated], r.Counts[Unknown], r.Counts[Unchanged])
	if n := r.protectedCount(); n > 0 {
		fmt.Fprintf(&b, "> **Blocked:** %d protected resource(s) would be replaced or deleted. Pulumi refuses this deployment; stage the change as described below.\n\n", n)
	}
	if n := r.refusedCount(); n > 0 {
		fmt.Fprintf(&b, "> **Refused:** %d change(s) AWS would refuse; see the notes below.\n\n", n)
	}
	if n := r.Counts[Unknown]; n > 0 {
		fmt.Fprintf(&b, "> **Check:** %d changed resource(s) have types without replacement rules.\n\n", n)
	}
	if r.Empty() {
		b.WriteString("No resource changes.\n")
		return b.String()
	}
	b.WriteString("| | Type | Name | Inputs | Notes |\n|---|---|---|---|---|\n")
	for _, e := range r.ordered() {
		var notes []string
		if e.Protected && (e.Kind == Replaced || e.Kind == Removed) {
			n := "**PROTECTED**"
			if e.Advice != "" {
				n += ": " + e.Advice
			}
			notes = append(notes, n)
		}
		if e.Retained && e.Kind == Removed {
			notes = append(notes, "retained: leaves the stack, stays in the account")
		}
		if e.Kind == Replaced || e.Kind == Unknown {
			notes = append(notes, e.Reasons...)
		}
		for _, why := range e.Refused {
			notes = append(notes, "**refused by AWS**: "+why)
		}
		if e.Applies != "" {
			notes = append(notes, e.Applies)
		}
		if e.Protect != "" {
			notes = append(notes, "protect "+e.Protect)
		}
		if e.Import != "" {
			notes = append(notes, "imported as "+e.Import+", not created")
		}
		inputs := ""
		if d := e.detail(); d != "" {
			inputs = "`" + strings.ReplaceAll(d, ", ", "`, `") + "`"
		}
		fmt.Fprintf(&b, "| %s | `%s` | `%s` | %s | %s |\n", strings.TrimSpace(verbs[e.Kind][2:]), e.Type, e.Name, inputs, mdEscape(strings.Join(notes, "; ")))
	}
	return b.String()
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

func (r *Report) protectedCount() int {
	n := 0
	for _, err := range r.Errors() {
		if _, ok := err.(*ProtectedError); ok {
			n++
		}
	}
	return n
}

func (r *Report) refusedCount() int {
	n := 0
	for _, e := range r.Entries {
		n += len(e.Refused)
	}
	return n
}
