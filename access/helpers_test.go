package access_test

import (
	"encoding/json"
	"net/netip"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/awsenv"
	"github.com/acme/platform/internal/sim"
)

const (
	tKey        = "aws:kms/key:Key"
	tAlias      = "aws:kms/alias:Alias"
	tLogGroup   = "aws:cloudwatch/logGroup:LogGroup"
	tLogStream  = "aws:cloudwatch/logStream:LogStream"
	tDocument   = "aws:ssm/document:Document"
	tPolicy     = "aws:iam/policy:Policy"
	tAttachment = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	tEndpoint   = "aws:ec2clientvpn/endpoint:Endpoint"
	tAssoc      = "aws:ec2clientvpn/networkAssociation:NetworkAssociation"
	tAuthRule   = "aws:ec2clientvpn/authorizationRule:AuthorizationRule"

	tSessionManager = "platform:access:SessionManager"
	tClientVPN      = "platform:access:ClientVpn"
)

var (
	mustPrefix = netip.MustParsePrefix
	env        = awsenv.Env{Region: "us-east-1", AccountID: sim.AccountID, Partition: "aws"}
)

// Realistic ARNs: ACM certificate IDs are UUIDs.
const (
	serverCertARN = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	clientCertARN = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-4333-8444-555555555555"
	samlARN       = "arn:aws:iam::123456789012:saml-provider/okta"
)

// simulate runs fn under the simulated engine and returns what it registered.
func simulate(t *testing.T, fn func(ctx *pulumi.Context) error) *sim.Graph {
	t.Helper()
	m := sim.NewMonitor("platform", "test", "us-east-1")
	if err := pulumi.RunErr(fn, pulumi.WithMocks("platform", "test", m)); err != nil {
		t.Fatalf("run: %v", err)
	}
	g, err := m.Graph()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// resolve runs a program that produces one string output and returns its value.
func resolve(t *testing.T, fn func(ctx *pulumi.Context) (pulumi.StringOutput, error)) string {
	t.Helper()
	got := make(chan string, 1)
	simulate(t, func(ctx *pulumi.Context) error {
		out, err := fn(ctx)
		if err != nil {
			return err
		}
		out.ApplyT(func(s string) string { got <- s; return s })
		return nil
	})
	select {
	case s := <-got:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("the output never resolved")
		return ""
	}
}

func mustNamed(t *testing.T, g *sim.Graph, typ, name string) sim.Resource {
	t.Helper()
	r, ok := g.Named(typ, name)
	if !ok {
		t.Fatalf("no %s named %s", typ, name)
	}
	return r
}

func str(r sim.Resource, key string) string {
	s, _ := r.Inputs[key].(string)
	return s
}

// policyDoc parses an IAM or key policy document.
type policyDoc struct {
	Version   string
	Statement []statement
}

type statement struct {
	Sid       string
	Effect    string
	Principal map[string]any
	Action    any
	Resource  any
	Condition map[string]map[string]any
}

func parsePolicy(t *testing.T, s string) policyDoc {
	t.Helper()
	var d policyDoc
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		t.Fatalf("policy is not JSON: %v\n%s", err, s)
	}
	return d
}

// strs flattens a policy field that is a string or a list of strings.
func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			s, _ := e.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}
