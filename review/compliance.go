package review

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/acme/platform/internal/decode"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/internal/sim"
)

// Status is the outcome of one control.
type Status string

// The statuses, as rendered.
const (
	// StatusPass: every resource the control applies to complies.
	StatusPass Status = "pass"
	// StatusFail: at least one resource does not comply, and the stack has
	// not accepted it.
	StatusFail Status = "fail"
	// StatusAccepted: the control fails and the stack accepts it, with a
	// written reason (platform:compliance.accept.<ID>).
	StatusAccepted Status = "accepted"
	// StatusNotApplicable: the graph has no resource the control applies to.
	StatusNotApplicable Status = "not-applicable"
)

// Standards a control comes from. Most are AWS Foundational Security Best
// Practices v1.0.0; a few the platform is built around come from others.
const (
	StandardFSBP = "AWS FSBP v1.0.0"
	// StandardCISPCI marks EC2.53/EC2.54: CIS AWS Foundations v3.0.0 and PCI
	// DSS v4.0.1, not FSBP (which has EC2.18/EC2.19 for the same risk).
	StandardCISPCI = "CIS AWS Foundations v3.0.0, PCI DSS v4.0.1"
	// StandardPCINIST marks Lambda.3: PCI DSS v3.2.1 and NIST SP 800-53 r5.
	StandardPCINIST = "PCI DSS v3.2.1, NIST SP 800-53 r5"
)

// Finding is one resource that does not comply, and why.
type Finding struct {
	Resource string // logical name
	Type     string
	Detail   string
}

func (f Finding) String() string { return fmt.Sprintf("%s (%s): %s", f.Resource, f.Type, f.Detail) }

// Control is one Security Hub control and how it is checked over the graph.
type Control struct {
	// ID and Title are Security Hub's, e.g. "EC2.2".
	ID    string
	Title string
	// Standard is where the control comes from (StandardFSBP for most).
	Standard string
	// Checks says, in one sentence, what the check reads in the graph.
	Checks string
	check  func(v *view) outcome
}

// Result is one control evaluated over a graph.
type Result struct {
	ID       string
	Title    string
	Standard string
	Checks   string
	Status   Status
	// Checked is how many resources the control was evaluated on.
	Checked int
	// Findings are the resources that do not comply (kept when accepted).
	Findings []Finding
	// Reason is the stack's written acceptance, when it has one.
	Reason string
	// Note says something a reviewer should act on, e.g. an acceptance that
	// is no longer needed.
	Note string
}

// outcome is what a check returns: how many resources it looked at, and the
// ones that fail.
type outcome struct {
	checked  int
	findings []Finding
}

func (o *outcome) eval(n int) { o.checked += n }

func (o *outcome) fail(r sim.Resource, format string, args ...any) {
	o.findings = append(o.findings, Finding{Resource: r.Name, Type: r.Type, Detail: fmt.Sprintf(format, args...)})
}

func (o outcome) status() Status {
	switch {
	case len(o.findings) > 0:
		return StatusFail
	case o.checked == 0:
		return StatusNotApplicable
	}
	return StatusPass
}

// Controls returns the catalogue, in report order (by service, then number).
func Controls() []Control {
	return append([]Control(nil), catalogue...)
}

// LookupControl returns the control with the ID.
func LookupControl(id string) (Control, bool) {
	for _, c := range catalogue {
		if c.ID == id {
			return c, true
		}
	}
	return Control{}, false
}

// ControlIDs lists every control ID, in report order.
func ControlIDs() []string {
	out := make([]string, len(catalogue))
	for i, c := range catalogue {
		out[i] = c.ID
	}
	return out
}

// Check evaluates the control alone over the graph, without acceptances.
func (c Control) Check(g *sim.Graph) Result { return c.evaluate(newView(g)) }

func (c Control) evaluate(v *view) Result {
	o := c.check(v)
	sort.SliceStable(o.findings, func(i, j int) bool {
		a, b := o.findings[i], o.findings[j]
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		return a.Detail < b.Detail
	})
	return Result{
		ID: c.ID, Title: c.Title, Standard: c.Standard, Checks: c.Checks,
		Status: o.status(), Checked: o.checked, Findings: o.findings,
	}
}

// Evaluate checks every control over the graph and applies the stack's
// acceptances. The result follows the catalogue order; findings are sorted.
// Acceptances for unknown controls are ignored here: Validate rejects them.
func Evaluate(g *sim.Graph, cfg ComplianceConfig) []Result {
	v := newView(g)
	out := make([]Result, 0, len(catalogue))
	for _, c := range catalogue {
		r := c.evaluate(v)
		if reason, ok := cfg.Accept[c.ID]; ok && strings.TrimSpace(reason) != "" {
			switch r.Status {
			case StatusFail:
				r.Status = StatusAccepted
				r.Reason = strings.TrimSpace(reason)
			case StatusPass:
				r.Note = "accepted in platform:compliance.accept." + c.ID + " but passing: the acceptance is unnecessary; remove it"
			case StatusNotApplicable:
				r.Note = "accepted in platform:compliance.accept." + c.ID + " but nothing it applies to exists: the acceptance is unnecessary; remove it"
			}
		}
		out = append(out, r)
	}
	return out
}

// Failed returns the results that fail and are not accepted.
func Failed(results []Result) []Result {
	var out []Result
	for _, r := range results {
		if r.Status == StatusFail {
			out = append(out, r)
		}
	}
	return out
}

// Count returns how many results have each status.
func Count(results []Result) map[Status]int {
	out := map[Status]int{}
	for _, r := range results {
		out[r.Status]++
	}
	return out
}

// ComplianceConfig is the stack value `platform:compliance`.
type ComplianceConfig struct {
	// Accept maps a control ID (e.g. "ELB.6") to the written reason this
	// stack accepts the control failing. An accepted control reports
	// "accepted" with the reason instead of failing the review.
	Accept map[string]string `json:"accept,omitempty"`
}

// DecodeCompliance reads the raw `platform:compliance` value strictly (an
// unknown key is a problem at its full key path).
func DecodeCompliance(key string, raw any, p *problems.List) ComplianceConfig {
	var c ComplianceConfig
	decode.Into(key, raw, &c, p)
	return c
}

// Validate records a problem at key+".accept.<ID>" for every acceptance that
// names no control this package checks, or gives no reason.
func (c ComplianceConfig) Validate(key string, p *problems.List) {
	ids := make([]string, 0, len(c.Accept))
	for id := range c.Accept {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		k := key + ".accept." + id
		ctl, ok := LookupControl(id)
		if !ok {
			msg := fmt.Sprintf("%q is not a control this review checks", id)
			if best := decode.Closest(id, ControlIDs()); best != "" {
				msg += fmt.Sprintf("; did you mean %q?", best)
			} else {
				msg += "; see review.ControlIDs() or the compliance table of `go run ./cmd/plan`"
			}
			p.Add(k, "%s", msg)
			continue
		}
		if strings.TrimSpace(c.Accept[id]) == "" {
			p.Add(k, "the reason is empty; write why this stack accepts failing %s (%s)", id, ctl.Title)
		}
	}
}

// ParseCompliance decodes and validates a raw `platform:compliance` value,
// returning every problem at once.
func ParseCompliance(key string, raw any) (ComplianceConfig, error) {
	var p problems.List
	c := DecodeCompliance(key, raw, &p)
	c.Validate(key, &p)
	return c, p.Err()
}

func statusLabel(s Status) string {
	switch s {
	case StatusFail:
		return "FAIL"
	case StatusNotApplicable:
		return "n/a"
	}
	return string(s)
}

func summary(results []Result) string {
	n := Count(results)
	return fmt.Sprintf("%d controls: %d pass, %d fail, %d accepted, %d not applicable",
		len(results), n[StatusPass], n[StatusFail], n[StatusAccepted], n[StatusNotApplicable])
}

// RenderComplianceTable renders the results as an aligned text table for the
// offline plan, followed by the failures, the acceptances and the notes.
func RenderComplianceTable(results []Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Compliance (%s)\n", summary(results))
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CONTROL\tSTATUS\tCHECKED\tTITLE")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", r.ID, statusLabel(r.Status), r.Checked, r.Title)
	}
	_ = tw.Flush()
	section := func(title string, want Status) {
		first := true
		for _, r := range results {
			if r.Status != want {
				continue
			}
			if first {
				fmt.Fprintf(&b, "\n%s:\n", title)
				first = false
			}
			fmt.Fprintf(&b, "  %s %s\n", r.ID, r.Title)
			if r.Reason != "" {
				fmt.Fprintf(&b, "    accepted: %s\n", r.Reason)
			}
			for _, f := range r.Findings {
				fmt.Fprintf(&b, "    - %s\n", f)
			}
		}
	}
	section("Failing", StatusFail)
	section("Accepted", StatusAccepted)
	first := true
	for _, r := range results {
		if r.Note == "" {
			continue
		}
		if first {
			b.WriteString("\nNotes:\n")
			first = false
		}
		fmt.Fprintf(&b, "  %s: %s\n", r.ID, r.Note)
	}
	return b.String()
}

// RenderComplianceMarkdown renders the results for a pull-request comment.
func RenderComplianceMarkdown(results []Result) string {
	var b strings.Builder
	b.WriteString("### Compliance\n\n")
	fmt.Fprintf(&b, "%s.\n\n", capitalize(summary(results)))
	b.WriteString("| Control | Status | Checked | Title | Standard |\n|---|---|---:|---|---|\n")
	for _, r := range results {
		st := statusLabel(r.Status)
		if r.Status == StatusFail {
			st = "**FAIL**"
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %s | %s |\n", r.ID, st, r.Checked, mdEscape(r.Title), r.Standard)
	}
	for _, r := range results {
		if r.Status != StatusFail && r.Status != StatusAccepted && r.Note == "" {
			continue
		}
		fmt.Fprintf(&b, "\n**%s** %s (%s)\n\n", r.ID, mdEscape(r.Title), statusLabel(r.Status))
		if r.Reason != "" {
			fmt.Fprintf(&b, "- accepted: %s\n", mdEscape(r.Reason))
		}
		if r.Note != "" {
			fmt.Fprintf(&b, "- note: %s\n", mdEscape(r.Note))
		}
		for _, f := range r.Findings {
			fmt.Fprintf(&b, "- `%s` (`%s`): %s\n", f.Resource, f.Type, mdEscape(f.Detail))
		}
	}
	return b.String()
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// controlLess orders IDs by service, then numerically ("EC2.9" < "EC2.10").
func controlLess(a, b string) bool {
	as, an, _ := strings.Cut(a, ".")
	bs, bn, _ := strings.Cut(b, ".")
	if !strings.EqualFold(as, bs) {
		return strings.ToLower(as) < strings.ToLower(bs)
	}
	ai, errA := strconv.Atoi(an)
	bi, errB := strconv.Atoi(bn)
	if errA == nil && errB == nil {
		return ai < bi
	}
	return an < bn
}
