package ops

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/acme/platform/internal/decode"
	"github.com/acme/platform/internal/problems"
)

// Config is the stack value `platform:alarms`.
type Config struct {
	// Enabled defaults to true. A stack that turns alarms off must say why in
	// Reason; a protected (production) stack cannot turn them off.
	Enabled *bool `json:"enabled,omitempty"`
	// Reason is why this stack runs without alarms (required when enabled is false).
	Reason string `json:"reason,omitempty"`
	// Subscriptions are who the alarm topic pages. Without one the alarms
	// still fire into the topic, and the plan warns that nobody is paged.
	Subscriptions []Subscription `json:"subscriptions,omitempty"`
	// Thresholds overrides default thresholds: <workload>.<alarm>, in the unit
	// the plan shows for that alarm (percent, seconds, MiB, ...).
	Thresholds map[string]map[string]float64 `json:"thresholds,omitempty"`
	// NAT overrides the NAT gateways' thresholds: <alarm>.
	NAT map[string]float64 `json:"nat,omitempty"`
}

// Subscription is one receiver of the alarm topic; exactly one field is set.
type Subscription struct {
	// Email subscribes an address (it must confirm the subscription once).
	Email string `json:"email,omitempty"`
	// HTTPS subscribes a webhook (PagerDuty, Opsgenie, a chat bridge); the
	// endpoint must confirm the subscription.
	HTTPS string `json:"https,omitempty"`
	// TopicARN is an existing SNS topic of the stack's region (CloudWatch
	// refuses one of another region; another team's, a central one) that
	// every alarm also notifies. SNS cannot subscribe a topic to a topic, so it
	// becomes a second alarm action; its policy must let CloudWatch publish.
	TopicARN string `json:"topicArn,omitempty"`
}

// Protocol is the subscription's kind: email, https or topic.
func (s Subscription) Protocol() string {
	switch {
	case s.Email != "":
		return "email"
	case s.HTTPS != "":
		return "https"
	case s.TopicARN != "":
		return "topic"
	}
	return ""
}

// Endpoint is the subscription's address, whatever its kind.
func (s Subscription) Endpoint() string { return s.Email + s.HTTPS + s.TopicARN }

// On reports whether alarms are on.
func (c Config) On() bool { return c.Enabled == nil || *c.Enabled }

// PagesNobody reports whether alarms are on but reach no one.
func (c Config) PagesNobody() bool { return c.On() && len(c.Subscriptions) == 0 }

// TopicARNs are the existing topics every alarm also notifies, sorted.
func (c Config) TopicARNs() []string {
	var out []string
	for _, s := range c.Subscriptions {
		if s.TopicARN != "" {
			out = append(out, s.TopicARN)
		}
	}
	sort.Strings(out)
	return out
}

// Decode reads the raw `platform:alarms` value strictly.
func Decode(key string, raw any, p *problems.List) Config {
	var c Config
	decode.Into(key, raw, &c, p)
	return c
}

// ValidateContext is what Validate needs to know about the rest of the stack.
type ValidateContext struct {
	// Protect is platform:protect.
	Protect bool
	// Region is the stack's region: CloudWatch refuses an alarm action on a
	// topic of another region. Empty skips the check.
	Region string
	// Subjects are what the alarms watch (see SubjectsOf); thresholds may only
	// name these and their alarms.
	Subjects []Subject
}

var (
	topicARN = regexp.MustCompile(`^arn:aws[a-z-]*:sns:([a-z0-9-]+):[0-9]{12}:[A-Za-z0-9_-]{1,256}$`)
)

// Validate records every problem of the config under key.
func (c Config) Validate(key string, v ValidateContext, p *problems.List) {
	switch {
	case !c.On() && v.Protect:
		p.Add(key+".enabled", "a protected (production) stack cannot turn alarms off; set enabled: true (or leave it out) and list who is paged in subscriptions")
	case !c.On() && strings.TrimSpace(c.Reason) == "":
		p.Add(key+".reason", "required with enabled: false; write why this stack runs without alarms (e.g. \"dev: nobody is on call\")")
	case c.On() && c.Reason != "":
		p.Add(key+".reason", "only for enabled: false; remove it")
	}
	seen := map[string]int{}
	for i, s := range c.Subscriptions {
		k := fmt.Sprintf("%s.subscriptions[%d]", key, i)
		n := 0
		for _, f := range []string{s.Email, s.HTTPS, s.TopicARN} {
			if f != "" {
				n++
			}
		}
		if n != 1 {
			p.Add(k, "set exactly one of email, https or topicArn")
			continue
		}
		switch {
		case s.Email != "":
			if a, err := mail.ParseAddress(s.Email); err != nil || a.Address != s.Email || a.Name != "" {
				p.Add(k+".email", "%q is not an email address; write it as oncall@example.com", s.Email)
			}
		case s.HTTPS != "":
			u, err := url.Parse(s.HTTPS)
			if err != nil || u.Scheme != "https" || u.Host == "" {
				p.Add(k+".https", "%q is not an https URL; write the full endpoint, e.g. https://events.pagerduty.com/integration/<key>/enqueue", s.HTTPS)
			}
		default:
			m := topicARN.FindStringSubmatch(s.TopicARN)
			switch {
			case m == nil:
				p.Add(k+".topicArn", "%q is not an SNS topic ARN; write arn:aws:sns:<region>:<account>:<topic>", s.TopicARN)
			case v.Region != "" && m[1] != v.Region:
				p.Add(k+".topicArn", "the topic is in %s and the alarms in %s; CloudWatch refuses an alarm action on a topic of another region; name a topic in %s", m[1], v.Region, v.Region)
			}
		}
		id := s.Protocol() + ":" + strings.ToLower(s.Endpoint())
		if j, dup := seen[id]; dup {
			p.Add(k, "the same %s as subscriptions[%d]; list each receiver once", s.Protocol(), j)
		}
		seen[id] = i
	}
	// Alarm names join workload, item and alarm with hyphens, so a cache "c"
	// (node 001) and a workload "c-001" could both want c-001-memory-high.
	// Checked whether alarms are on or not: turning them on must not fail.
	planned := map[string]string{}
	for _, a := range Plan(Config{}, v.Subjects) {
		if other, dup := planned[a.Name]; dup && other != a.Subject {
			p.Add(key, "workloads %q and %q would both own the alarm %q; rename one of them", other, a.Subject, a.Name)
		}
		planned[a.Name] = a.Subject
	}
	var nat *Subject
	bySubject := map[string]Subject{}
	var names []string
	for _, s := range v.Subjects {
		if s.Kind == KindNAT {
			s := s
			nat = &s
			continue
		}
		bySubject[s.Name] = s
		names = append(names, s.Name)
	}
	for _, n := range sortedKeys(c.Thresholds) {
		s, ok := bySubject[n]
		if !ok {
			msg := fmt.Sprintf("%q is not a workload with alarms", n)
			if best := decode.Closest(n, names); best != "" {
				msg += fmt.Sprintf("; did you mean %q?", best)
			} else {
				msg += "; name a workload of platform:workloads (NAT gateways are under platform:alarms.nat)"
			}
			p.Add(key+".thresholds."+n, "%s", msg)
			continue
		}
		checkThresholds(key+".thresholds."+n, s, c.Thresholds[n], p)
	}
	if len(c.NAT) > 0 {
		if nat == nil {
			p.Add(key+".nat", "the network has no NAT gateway (nat: none), so there is no NAT alarm; remove it")
		} else {
			checkThresholds(key+".nat", *nat, c.NAT, p)
		}
	}
}

// checkThresholds reports overrides that name no alarm of the subject or fall
// outside the alarm's range.
func checkThresholds(key string, s Subject, values map[string]float64, p *problems.List) {
	var keys []string
	for _, d := range catalogue[s.Kind] {
		keys = append(keys, d.Key)
	}
	for _, a := range sortedKeys(values) {
		k := key + "." + a
		d, ok := defOf(s.Kind, a)
		if !ok {
			msg := fmt.Sprintf("%q is not an alarm of %s %s", a, article(string(s.Kind)), s.Kind)
			if best := decode.Closest(a, keys); best != "" {
				msg += fmt.Sprintf("; did you mean %q?", best)
			}
			p.Add(k, "%s; its alarms are %s", msg, strings.Join(keys, ", "))
			continue
		}
		if d.Applies != nil && !d.Applies(s) {
			p.Add(k, "%s has no %s alarm: %s", s.Name, a, d.NotApplicable)
			continue
		}
		if val := values[a]; val < d.Min || val > d.Max {
			p.Add(k, "must be between %s and %s %s, got %s", fmtNum(d.Min), fmtNum(d.Max), d.Unit, fmtNum(val))
		}
	}
}

func article(s string) string {
	if s != "" && strings.ContainsRune("aeiou", rune(s[0])) {
		return "an"
	}
	return "a"
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
