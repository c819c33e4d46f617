package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlan_PrintsTreeSubnetsAndCountsForEveryStack(t *testing.T) {
	for _, stack := range []string{"prod", "dev"} {
		t.Run(stack, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run([]string{"--stack", stack, "--dir", "../.."}, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			for _, want := range []string{
				"Resources by component:",
				"platform:network:Vpc",
				stack + "-vpc  aws:ec2/vpc:Vpc",
				"Subnets (VPC ",
				"private   us-east-1a    ",
				"Resources by type:",
				"total cloud resources",
			} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q", want)
				}
			}
		})
	}
}

func TestPlan_BadStackFileFailsWithEveryProblem(t *testing.T) {
	dir := t.TempDir()
	bad := `config:
  aws:region: us-east-1
  aws:defaultTags:
    tags: {project: platform, stack: broken, owner: sre}
  platform:network:
    cidr: 10.0.0.0/33
    azCount: 9
    nat: sometimes
    tiers: {private: {prefixLength: 20}}
`
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.broken.yaml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run([]string{"--stack", "broken", "--dir", dir}, &out, &errb)
	if code == 0 {
		t.Fatal("a bad stack file must fail")
	}
	for _, want := range []string{
		`platform:network.cidr: "10.0.0.0/33" is not a CIDR`,
		`platform:network.azCount: 9 is out of range`,
		`platform:network.nat: "sometimes" is not a NAT mode`,
	} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
	if out.Len() != 0 {
		t.Errorf("nothing should be planned, got:\n%s", out.String())
	}
}

func TestPlan_MissingStackFile(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"--stack", "nope", "--dir", t.TempDir()}, &out, &errb); code == 0 || !strings.Contains(errb.String(), "Pulumi.nope.yaml") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}
