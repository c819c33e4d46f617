package decode_test

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/acme/platform/internal/decode"
	"github.com/acme/platform/internal/problems"
)

type inner struct {
	Port int `json:"port"`
}

type sample struct {
	Name   string           `json:"name"`
	On     *bool            `json:"on,omitempty"`
	CIDR   netip.Prefix     `json:"cidr"`
	Items  []inner          `json:"items"`
	ByName map[string]inner `json:"byName"`
}

func decodeJSON(t *testing.T, src string) (sample, []string) {
	t.Helper()
	var raw any
	if err := json.Unmarshal([]byte(src), &raw); err != nil {
		t.Fatal(err)
	}
	var s sample
	var p problems.List
	decode.Into("x", raw, &s, &p)
	return s, problems.Messages(p.Err())
}

func TestInto_ReadsAValidObject(t *testing.T) {
	s, probs := decodeJSON(t, `{"name":"a","on":false,"cidr":"10.0.0.0/16","items":[{"port":1}],"byName":{"b":{"port":2}}}`)
	if len(probs) != 0 || s.Name != "a" || s.On == nil || *s.On || s.CIDR.String() != "10.0.0.0/16" || s.Items[0].Port != 1 || s.ByName["b"].Port != 2 {
		t.Errorf("%+v %v", s, probs)
	}
}

func TestInto_ReportsEveryProblemWithItsPath(t *testing.T) {
	_, probs := decodeJSON(t, `{"nmae":"a","cidr":"10.0.0.0/33","items":[{"port":1.5},{"prot":2}],"byName":{"b":{"port":"x"}},"zzz":1}`)
	want := []string{
		`x.byName.b.port: want a whole number, got "x"`,
		`x.cidr: "10.0.0.0/33" is not a CIDR (prefix length out of range); write a block such as 10.0.0.0/16`,
		`x.items[0].port: want a whole number, got the number 1.5`,
		`x.items[1].prot: unknown key; did you mean "port"?`,
		`x.nmae: unknown key; did you mean "name"?`,
		`x.zzz: unknown key; known keys: byName, cidr, items, name, on`,
	}
	if strings.Join(probs, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n  %s\nwant\n  %s", strings.Join(probs, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestClosest(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"azCnt", "azCount"}, {"natt", "nat"}, {"completely-different", ""},
	} {
		if got := decode.Closest(tt.in, []string{"azCount", "nat", "cidr"}); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

type shared struct {
	Egress bool   `json:"egress"`
	Name   string `json:"name"` // shadowed by the outer struct's own name
}

type withShared struct {
	shared
	Name string `json:"name"`
	Size int    `json:"size"`
}

func TestInto_EmbeddedStructKeysSitBesideTheOuterOnes(t *testing.T) {
	var raw any
	if err := json.Unmarshal([]byte(`{"egress":true,"name":"outer","size":2,"egres":1}`), &raw); err != nil {
		t.Fatal(err)
	}
	var s withShared
	var p problems.List
	decode.Into("x", raw, &s, &p)
	if !s.Egress || s.Name != "outer" || s.shared.Name != "" || s.Size != 2 {
		t.Errorf("decoded %+v", s)
	}
	got := problems.Messages(p.Err())
	want := []string{`x.egres: unknown key; did you mean "egress"?`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q, want %q", got, want)
	}
}

type portText string

func (portText) NumberText() {}

type withPorts struct {
	Port          portText `json:"port"`
	Name          string   `json:"name"`
	EngineVersion string   `json:"engineVersion"`
}

// YAML reads port: 5432 as a number: a NumberText field takes a whole number
// as its text, while a plain string field and a fraction are still refused.
func TestInto_ANumberTextFieldTakesAWholeNumberAsItsText(t *testing.T) {
	tests := []struct {
		src   string
		port  portText
		probs []string
	}{
		{`{"port": 5432}`, "5432", nil},
		{`{"port": "8000-8010"}`, "8000-8010", nil},
		{`{"port": 54.5}`, "", []string{"x.port: want a string, got the number 54.5"}},
		{`{"port": 443, "name": 5}`, "443", []string{`x.name: want a string, got the number 5; quote it in the stack file ("5")`}},
		{`{"engineVersion": 8}`, "", []string{`x.engineVersion: want a string, got the number 8; write the version in quotes, e.g. "8.0": YAML reads an unquoted 8.0 as the number 8`}},
		{`{"name": true}`, "", []string{`x.name: want a string, got true; quote it in the stack file ("true"): YAML reads unquoted true, false, yes and no as booleans`}},
	}
	for _, tt := range tests {
		var raw any
		if err := json.Unmarshal([]byte(tt.src), &raw); err != nil {
			t.Fatal(err)
		}
		var w withPorts
		var p problems.List
		decode.Into("x", raw, &w, &p)
		if got := problems.Messages(p.Err()); w.Port != tt.port || strings.Join(got, "\n") != strings.Join(tt.probs, "\n") {
			t.Errorf("%s: port %q, problems %v; want %q, %v", tt.src, w.Port, got, tt.port, tt.probs)
		}
	}
}
