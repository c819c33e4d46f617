package stack_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/stack"
)

// A workload that reads a store's secret - a function or an instance with
// its own role, ECS and Batch through the task's interface before the
// container starts - must reach Secrets Manager, in every stack file.
func TestConnections_EveryWorkloadThatReadsASecretCanReachSecretsManager(t *testing.T) {
	checked := 0
	for path, res := range everyStack(t) {
		cfg := res.Platform.Design.Config
		for _, conn := range cfg.Connections() {
			if conn.Auth != "secret" {
				continue
			}
			sg := mustNamed(t, res.Graph, "aws:ec2/securityGroup:SecurityGroup", cfg.Name+"-sg-"+conn.Consumer)
			if !reach(res.Graph, sg.ID, "secretsmanager") {
				t.Errorf("%s: %s reads the %s secret and cannot reach Secrets Manager", path, conn.Consumer, conn.Store)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no stack file has a workload reading a store's secret: nothing was checked")
	}
}

// Without a way to Secrets Manager the config is refused, naming the service
// and why; with nat: none and no endpoint list, the endpoint is added.
func TestConnections_ASecretWithoutAWayToSecretsManagerIsRefused(t *testing.T) {
	f, err := stack.ReadFile("../Pulumi.prod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var network map[string]any
	if err := json.Unmarshal([]byte(f.Values["platform:network"]), &network); err != nil {
		t.Fatal(err)
	}
	var kept []any
	for _, e := range network["endpoints"].([]any) {
		if e != "secretsmanager" {
			kept = append(kept, e)
		}
	}
	network["endpoints"] = kept
	b, _ := json.Marshal(network)
	values := map[string]string{}
	for k, v := range f.Values {
		values[k] = v
	}
	values["platform:network"] = string(b)
	_, err = stack.Parse("prod", values)
	msgs := problems.Messages(err)
	for _, w := range []string{"api", "nightly", "web"} {
		want := "platform:workloads." + w + ".internetEgress: "
		found := false
		for _, m := range msgs {
			found = found || (strings.HasPrefix(m, want) && strings.Contains(m, "secretsmanager (reading the database secret)"))
		}
		if !found {
			t.Errorf("no problem for %s naming secretsmanager; got %q", w, msgs)
		}
	}
}
