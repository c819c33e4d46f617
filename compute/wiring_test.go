package compute

import (
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/sim"
)

const dbSecret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-1-AbCdEf"

// wiring is what a connection to a secret-authenticated database gives.
func testWiring(inject bool) Wiring {
	w := Wiring{Env: map[string]pulumi.StringInput{
		"DB_HOST": pulumi.String("db.cluster-x.us-east-1.rds.amazonaws.com"),
		"DB_PORT": pulumi.String("5432"),
	}}
	if inject {
		w.Secrets = []SecretRef{
			{Name: "DB_USER", SecretARN: pulumi.String(dbSecret), JSONKey: "username"},
			{Name: "DB_PASSWORD", SecretARN: pulumi.String(dbSecret), JSONKey: "password"},
		}
	} else {
		w.Env["DB_SECRET_ARN"] = pulumi.String(dbSecret)
	}
	return w
}

func TestWiring_ECSContainerGetsValuesAndInjectedSecretReferences(t *testing.T) {
	c := mustConfig(t, `{"api": {"kind": "ecs", "image": "i", "environment": {"MODE": "prod"}}}`, devCtx)
	g := run(t, func(ctx *pulumi.Context) error {
		_, err := NewService(ctx, "p-api", &ServiceArgs{Workload: "api", Spec: *c["api"].ECS, ClusterARN: pulumi.String("arn:c"),
			PrivateSubnetIDs: ids(privateSubnets), SecurityGroupID: pulumi.String("sg-1"), Wiring: testWiring(true), Env: testEnv})
		return err
	})
	def := at(jsonIn(t, named(t, g, tTaskDef, "p-api").Inputs["containerDefinitions"]), 0)
	equal(t, "environment", at(def, "environment"), []any{
		map[string]any{"name": "DB_HOST", "value": "db.cluster-x.us-east-1.rds.amazonaws.com"},
		map[string]any{"name": "DB_PORT", "value": "5432"},
		map[string]any{"name": "MODE", "value": "prod"},
	})
	equal(t, "secrets", at(def, "secrets"), []any{
		map[string]any{"name": "DB_PASSWORD", "valueFrom": dbSecret + ":password::"},
		map[string]any{"name": "DB_USER", "valueFrom": dbSecret + ":username::"},
	})
}

func TestWiring_BatchJobGetsValuesAndInjectedSecretReferences(t *testing.T) {
	c := mustConfig(t, `{"job": {"kind": "batch", "image": "i"}}`, devCtx)
	g := run(t, func(ctx *pulumi.Context) error {
		_, err := NewBatchJob(ctx, "p-job", &BatchJobArgs{Workload: "job", Spec: *c["job"].Batch,
			PrivateSubnetIDs: ids(privateSubnets), SecurityGroupID: pulumi.String("sg-1"), Wiring: testWiring(true), Env: testEnv})
		return err
	})
	props := jsonIn(t, named(t, g, tJobDef, "p-job").Inputs["containerProperties"])
	equal(t, "environment", at(props, "environment"), []any{
		map[string]any{"name": "DB_HOST", "value": "db.cluster-x.us-east-1.rds.amazonaws.com"},
		map[string]any{"name": "DB_PORT", "value": "5432"},
	})
	equal(t, "secrets", at(props, "secrets", 1), map[string]any{"name": "DB_USER", "valueFrom": dbSecret + ":username::"})
	if at(props, "executionRoleArn") == nil {
		t.Error("Batch injects secrets with the execution role; the job definition must name it")
	}
}

func TestWiring_LambdaGetsTheSecretsARNAndCannotHaveSecretsInjected(t *testing.T) {
	c := mustConfig(t, `{"fn": {"kind": "lambda", "runtime": "python3.13", "handler": "a.h", "code": {"s3Bucket": "b", "s3Key": "k.zip"}, "environment": {"MODE": "x"}}}`, devCtx)
	build := func(w Wiring) func(ctx *pulumi.Context) error {
		return func(ctx *pulumi.Context) error {
			_, err := NewFunction(ctx, "p-fn", &FunctionArgs{Workload: "fn", Spec: *c["fn"].Lambda,
				PrivateSubnetIDs: ids(privateSubnets), SecurityGroupID: pulumi.String("sg-1"), Wiring: w, Env: testEnv})
			return err
		}
	}
	g := run(t, build(testWiring(false)))
	equal(t, "variables", at(named(t, g, tFunction, "p-fn").Inputs, "environment", "variables"), map[string]any{
		"DB_HOST": "db.cluster-x.us-east-1.rds.amazonaws.com", "DB_PORT": "5432", "DB_SECRET_ARN": dbSecret, "MODE": "x",
	})
	m := sim.NewMonitor("platform", "test", "us-east-1")
	err := pulumi.RunErr(build(testWiring(true)), pulumi.WithMocks("platform", "test", m))
	if err == nil || !strings.Contains(err.Error(), "lambda cannot have secrets injected; give it the secret's ARN instead") {
		t.Errorf("got %v", err)
	}
}

func TestWiring_CollisionWithTheWorkloadsOwnEnvironmentIsRefused(t *testing.T) {
	c := mustConfig(t, `{"api": {"kind": "ecs", "image": "i", "environment": {"DB_HOST": "x"}}}`, devCtx)
	m := sim.NewMonitor("platform", "test", "us-east-1")
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := NewService(ctx, "p-api", &ServiceArgs{Workload: "api", Spec: *c["api"].ECS, ClusterARN: pulumi.String("arn:c"),
			PrivateSubnetIDs: ids(privateSubnets), SecurityGroupID: pulumi.String("sg-1"), Wiring: testWiring(true), Env: testEnv})
		return err
	}, pulumi.WithMocks("platform", "test", m))
	if err == nil || !strings.Contains(err.Error(), "DB_HOST is set by both the workload's config and its connections") {
		t.Errorf("got %v", err)
	}
}

func buildWiredFleet(t *testing.T, doc string, w Wiring) (*sim.Graph, *Fleet) {
	t.Helper()
	c := mustConfig(t, doc, devCtx)
	var f *Fleet
	g := run(t, func(ctx *pulumi.Context) error {
		var err error
		f, err = NewFleet(ctx, "p-web", &FleetArgs{Workload: "web", Spec: *c["web"].EC2, PrivateSubnetIDs: ids(privateSubnets),
			SecurityGroupID: pulumi.String("sg-1"), Wiring: w, ConfigPath: ConfigPath("p", "web"), Env: testEnv})
		return err
	})
	return g, f
}

func TestWiring_FleetSettingsAreSSMParametersItAloneMayReadAndLoadsAtBoot(t *testing.T) {
	g, f := buildWiredFleet(t, `{"web": {"kind": "ec2", "environment": {"MODE": "prod"}}}`, testWiring(false))
	equal(t, "config path", f.ConfigPath, "/platform/p/web/")
	params := map[string]string{}
	for _, p := range g.OfType(tParameter) {
		// The SDK marks every parameter value secret in state; ours are not secrets.
		params[p.Inputs["name"].(string)] = secretString(t, p.Inputs["value"])
		equal(t, p.Name+" type", p.Inputs["type"], "String")
	}
	equal(t, "parameters", params, map[string]string{
		"/platform/p/web/DB_HOST": "db.cluster-x.us-east-1.rds.amazonaws.com", "/platform/p/web/DB_PORT": "5432",
		"/platform/p/web/DB_SECRET_ARN": dbSecret, "/platform/p/web/MODE": "prod",
	})
	role := named(t, g, tRole, "p-web-role")
	config := named(t, g, tRolePolicy, "p-web-role-config")
	equal(t, "config grant on the instance role", config.Inputs["role"], role.Outputs["name"])
	equal(t, "config grant", jsonIn(t, config.Inputs["policy"]), map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Sid": "ReadSettings", "Effect": "Allow",
		"Action":   []any{"ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"},
		"Resource": []any{"arn:aws:ssm:us-east-1:123456789012:parameter/platform/p/web", "arn:aws:ssm:us-east-1:123456789012:parameter/platform/p/web/*"},
	}}})
	asg := g.OfType(tASG)[0]
	for _, p := range g.OfType(tParameter) {
		if !dependsOn(g, asg, tParameter, p.Name) {
			t.Errorf("instances may boot before parameter %s exists", p.Name)
		}
	}
	ud, _ := base64.StdEncoding.DecodeString(named(t, g, tLT, "p-web").Inputs["userData"].(string))
	if !strings.HasPrefix(string(ud), "#!/bin/bash") || !strings.Contains(string(ud), "--path /platform/p/web/") {
		t.Errorf("user data does not load the settings:\n%s", ud)
	}
}

func TestWiring_AFleetWithoutSettingsGetsNoParametersNoGrantNoLoader(t *testing.T) {
	g, f := buildWiredFleet(t, `{"web": {"kind": "ec2"}}`, Wiring{})
	if len(g.OfType(tParameter)) != 0 || len(g.OfType(tRolePolicy)) != 0 || f.ConfigPath != "" {
		t.Error("a fleet with no settings must not get parameters or a read grant")
	}
	if _, has := named(t, g, tLT, "p-web").Inputs["userData"]; has {
		t.Error("no settings, no user data of its own: the launch template has none")
	}
}

func TestWiring_TheFleetsOwnUserDataRunsAfterTheLoaderInItsOwnInterpreter(t *testing.T) {
	for _, tt := range []struct{ name, own, partType string }{
		{"shell", "#!/bin/sh\necho hi\n", "text/x-shellscript"},
		{"cloud-config", "#cloud-config\npackages: [nginx]\n", "text/cloud-config"},
		{"python", "#!/usr/bin/env python3\nprint(1)\n", "text/x-shellscript"},
	} {
		got := withEnvLoader(envLoader("us-east-1", "/platform/p/web/"), tt.own)
		loaderAt := strings.Index(got, "get-parameters-by-path")
		ownAt := strings.Index(got, tt.own)
		if !strings.HasPrefix(got, "Content-Type: multipart/mixed") || loaderAt < 0 || ownAt < loaderAt {
			t.Errorf("%s: want a multipart document with the loader first:\n%s", tt.name, got)
		}
		if !strings.Contains(got, "Content-Type: "+tt.partType+"; charset=\"us-ascii\"\n\n"+tt.own) {
			t.Errorf("%s: its part is not %s", tt.name, tt.partType)
		}
	}
}

// The loader is a real shell script: run it with bash against a stand-in for
// the AWS CLI and read what it writes.
func TestEnvLoader_WritesOneLinePerParameterByItsLastPathElement(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("bash is needed to run the instances' loader script: install bash")
	}
	dir := t.TempDir()
	fake := filepath.Join(dir, "aws")
	// What `aws ssm get-parameters-by-path --query ... --output text` prints:
	// one parameter per line, name and value separated by a tab.
	if err := os.WriteFile(fake, []byte("#!/bin/sh\n"+
		"case \"$*\" in *'--path /platform/p/web/'*) ;; *) echo \"unexpected: $*\" >&2; exit 1;; esac\n"+
		"printf '/platform/p/web/DB_HOST\\tdb.example.com\\n/platform/p/web/MODE\\tblue green\\n'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "etc")
	script := strings.ReplaceAll(envLoader("us-east-1", "/platform/p/web/"), "/etc/platform", out)
	cmd := exec.Command(bash, "-c", script)
	cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
	if b, err := cmd.CombinedOutput(); err != nil || len(b) > 0 {
		t.Fatalf("loader: %v\n%s", err, b)
	}
	got, err := os.ReadFile(filepath.Join(out, "env"))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "env file", string(got), "DB_HOST=db.example.com\nMODE=blue green\n")
	if info, _ := os.Stat(filepath.Join(out, "env")); info.Mode().Perm()&0o077 != 0 {
		t.Errorf("the env file is readable by others: %v", info.Mode())
	}
}

func TestComponents_RefuseWhatConfigValidationWouldHaveCaught(t *testing.T) {
	c := mustConfig(t, `{"web": {"kind": "ec2", "environment": {"MODE": "x"}},
	  "kv": {"kind": "cache", "engine": "redis", "engineVersion": "7.1"}}`, devCtx)
	for _, tt := range []struct {
		name  string
		build func(ctx *pulumi.Context) error
		want  string
	}{
		{"settings without a config path", func(ctx *pulumi.Context) error {
			_, err := NewFleet(ctx, "p-web", &FleetArgs{Workload: "web", Spec: *c["web"].EC2, PrivateSubnetIDs: ids(privateSubnets),
				SecurityGroupID: pulumi.String("sg-1"), Env: testEnv})
			return err
		}, "ConfigPath is required with settings"},
		{"a cache without an auth mode", func(ctx *pulumi.Context) error {
			s := *c["kv"].Cache
			s.Auth = ""
			_, err := NewCache(ctx, "p-kv", &CacheArgs{Workload: "kv", Spec: s, IsolatedSubnetIDs: ids(isolatedSubnets), SecurityGroupID: pulumi.String("sg-1"), Env: testEnv})
			return err
		}, "the spec is not valid"},
		{"IAM on an engine without it", func(ctx *pulumi.Context) error {
			s := *c["kv"].Cache
			s.EngineVersion = "6.2"
			_, err := NewCache(ctx, "p-kv", &CacheArgs{Workload: "kv", Spec: s, IsolatedSubnetIDs: ids(isolatedSubnets), SecurityGroupID: pulumi.String("sg-1"), Env: testEnv})
			return err
		}, "redis 6.2 has no IAM authentication"},
	} {
		m := sim.NewMonitor("platform", "test", "us-east-1")
		err := pulumi.RunErr(tt.build, pulumi.WithMocks("platform", "test", m))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want %q", tt.name, err, tt.want)
		}
		g, _ := m.Graph()
		if g != nil && g.Custom() > 0 {
			t.Errorf("%s: registered %d resources before refusing", tt.name, g.Custom())
		}
	}
}
