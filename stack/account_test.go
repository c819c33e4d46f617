package stack_test

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/stack"
)

// everyStackFile lists every stack file in the repository: the stacks at the
// top and the examples (the migration stages).
func everyStackFile(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasPrefix(d.Name(), "Pulumi.") && strings.HasSuffix(d.Name(), ".yaml") && d.Name() != "Pulumi.yaml" {
			files = append(files, path)
		}
		return nil
	})
	if err != nil || len(files) < 4 {
		t.Fatalf("stack files %v: %v", files, err)
	}
	return files
}

var pathRuns = map[string]*offline.Result{}

// runPath runs a stack file once per test binary; the every-stack-file
// tests share the result (read it, never change it).
func runPath(t *testing.T, path string) *offline.Result {
	t.Helper()
	runsMu.Lock()
	defer runsMu.Unlock()
	if r, ok := pathRuns[path]; ok {
		return r
	}
	r, err := offline.RunFile(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	pathRuns[path] = r
	return r
}

// Every ARN, registry and bucket a stack file in the repository names is in
// the account the stack deploys into, as the offline plan simulates it.
func TestAccount_EveryStackFileNamesOnlyTheAccountItDeploysInto(t *testing.T) {
	refs := 0
	for _, path := range everyStackFile(t) {
		t.Run(path, func(t *testing.T) {
			res := runPath(t, path)
			caller := res.Platform.Design.Env.AccountID
			for _, r := range res.Platform.Design.Config.AccountRefs() {
				refs++
				if r.Account != caller {
					t.Errorf("%s names account %s, the stack deploys into %s", r.Key, r.Account, caller)
				}
			}
			for _, w := range res.Platform.Warnings() {
				if strings.Contains(w, "names account") {
					t.Errorf("warning: %s", w)
				}
			}
		})
	}
	if refs == 0 {
		t.Error("no stack file names an account: the check checked nothing")
	}
}

// prodAs runs Pulumi.prod.yaml as another account: aws:allowedAccountIds is
// dropped, so only the ARNs can tell the difference.
func prodAs(t *testing.T, account string) (*offline.Result, error) {
	t.Helper()
	f, err := stack.ReadFile("../Pulumi.prod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	delete(f.Values, "aws:allowedAccountIds")
	return offline.RunAs(f, account)
}

// An ACM certificate of another account never works for a listener or a
// Client VPN endpoint: the run stops before anything is registered, naming
// every key.
func TestAccount_ForeignCertificatesStopTheRunWithTheirKeys(t *testing.T) {
	res, err := prodAs(t, "444455556666")
	msgs := strings.Join(problems.Messages(err), "\n")
	for _, key := range []string{
		"platform:workloads.edge.certificateArn",
		"platform:access.clientVpn.serverCertificateArn",
		"platform:access.clientVpn.clientRootCertificateArn",
	} {
		if !strings.Contains(msgs, key+`: "arn:aws:acm:us-east-1:111122223333:certificate/`) ||
			!strings.Contains(msgs, "is in account 111122223333, but the stack deploys into account 444455556666: ACM certificates cannot be used across accounts") {
			t.Errorf("no error for %s:\n%s", key, msgs)
		}
	}
	if len(res.Graph.Resources) != 0 {
		t.Errorf("%d resources registered before the error", len(res.Graph.Resources))
	}
}

// Images and code buckets of another account can work (a repository or bucket
// policy there), so they are warnings, each with its key, in the plan and the
// preview.
func TestAccount_ForeignImagesAndBucketsAreWarnings(t *testing.T) {
	f, err := stack.ReadFile("../Pulumi.dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	delete(f.Values, "aws:allowedAccountIds")
	res, err := offline.RunAs(f, "444455556666")
	if err != nil {
		t.Fatal(err)
	}
	warnings := strings.Join(res.Platform.Warnings(), "\n")
	for _, want := range []string{
		`platform:workloads.api.image: "111122223333.dkr.ecr.us-east-1.amazonaws.com/api:latest-dev" names account 111122223333, not account 444455556666 the stack deploys into: pulling works only if that repository's policy lets account 444455556666 pull`,
		`platform:workloads.nightly.image: "111122223333.dkr.ecr.us-east-1.amazonaws.com/jobs:latest-dev" names account 111122223333`,
		`platform:workloads.thumbnails.code.s3Bucket: "acme-artifacts-111122223333" names account 111122223333`,
	} {
		if !strings.Contains(warnings, want) {
			t.Errorf("warnings lack %q:\n%s", want, warnings)
		}
	}
}

func TestAccount_RefsAreClassifiedByWhatAWSAccepts(t *testing.T) {
	const caller = "111122223333"
	tests := []struct {
		name, workloads   string
		wantErr, wantWarn string // substrings; "" = none
	}{
		{"certificate of the caller's account", `{"web":{"kind":"alb","certificateArn":"arn:aws:acm:us-east-1:111122223333:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789012","defaultTarget":"app"},"app":{"kind":"ec2","internetEgress":true,"ami":"ami-0abcdef1234567890"}}`, "", ""},
		{"certificate of another account", `{"web":{"kind":"alb","certificateArn":"arn:aws:acm:us-east-1:999988887777:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789012","defaultTarget":"app"},"app":{"kind":"ec2","internetEgress":true,"ami":"ami-0abcdef1234567890"}}`,
			`platform:workloads.web.certificateArn: "arn:aws:acm:us-east-1:999988887777:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789012" is in account 999988887777, but the stack deploys into account 111122223333`, ""},
		{"image of another account", `{"app":{"kind":"ecs","image":"999988887777.dkr.ecr.us-east-1.amazonaws.com/app:1","internetEgress":true}}`,
			"", `platform:workloads.app.image: "999988887777.dkr.ecr.us-east-1.amazonaws.com/app:1" names account 999988887777`},
		{"image of the caller's account", `{"app":{"kind":"ecs","image":"111122223333.dkr.ecr.us-east-1.amazonaws.com/app:1","internetEgress":true}}`, "", ""},
		{"bucket named with another account", `{"fn":{"kind":"lambda","runtime":"python3.12","handler":"a.b","code":{"s3Bucket":"code-999988887777-us-east-1","s3Key":"a.zip"}}}`,
			"", `platform:workloads.fn.code.s3Bucket: "code-999988887777-us-east-1" names account 999988887777`},
		// A bucket name's account is a run of exactly twelve digits.
		{"bucket with eleven digits", `{"fn":{"kind":"lambda","runtime":"python3.12","handler":"a.b","code":{"s3Bucket":"code-99998888777","s3Key":"a.zip"}}}`, "", ""},
		{"bucket with thirteen digits", `{"fn":{"kind":"lambda","runtime":"python3.12","handler":"a.b","code":{"s3Bucket":"code-9999888877771","s3Key":"a.zip"}}}`, "", ""},
		// Twelve digits outside a bucket key (the key of an object) are not an account.
		{"digits in an object key", `{"fn":{"kind":"lambda","runtime":"python3.12","handler":"a.b","code":{"s3Bucket":"code","s3Key":"999988887777.zip"}}}`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := validValues()
			v["platform:workloads"] = tt.workloads
			if strings.Contains(tt.workloads, `"alb"`) {
				v["platform:security"] = `{"allow":{"app":[{"from":["web"],"reason":"load balancer to app"}]}}`
			}
			c, err := stack.Parse("test", v)
			if err != nil {
				t.Fatal(err)
			}
			warnings, err := c.CheckAccount(caller)
			gotErr := strings.Join(problems.Messages(err), "\n")
			gotWarn := strings.Join(warnings, "\n")
			if (tt.wantErr == "") != (gotErr == "") || !strings.Contains(gotErr, tt.wantErr) {
				t.Errorf("error %q, want %q", gotErr, tt.wantErr)
			}
			if (tt.wantWarn == "") != (gotWarn == "") || !strings.Contains(gotWarn, tt.wantWarn) {
				t.Errorf("warnings %q, want %q", gotWarn, tt.wantWarn)
			}
		})
	}
}

func TestAccount_SAMLProviderOfAnotherAccountIsAnErrorARoleIsAWarning(t *testing.T) {
	for _, tt := range []struct {
		arn     string
		refused bool
	}{
		{"arn:aws:iam::999988887777:saml-provider/okta", true},
		{"arn:aws:iam::999988887777:role/deploy", false},
		{"arn:aws:kms:us-east-1:999988887777:key/0f0f0f0f-1111-2222-3333-444444444444", false},
		{"arn:aws:secretsmanager:us-east-1:999988887777:secret:db-AbCdEf", false},
	} {
		r := stack.AccountRef{}
		for _, ref := range refsOf(t, tt.arn) {
			r = ref
		}
		if r.Account != "999988887777" {
			t.Fatalf("%s: ref %+v", tt.arn, r)
		}
		if refused, why := r.Foreign("111122223333"); refused != tt.refused || why == "" {
			t.Errorf("%s: refused %v (%s), want %v", tt.arn, refused, why, tt.refused)
		}
	}
}

// refsOf parses a stack that carries arn in a free-text value (the walk reads
// every platform value, whatever its key) and returns the references found there.
func refsOf(t *testing.T, arn string) []stack.AccountRef {
	t.Helper()
	v := validValues()
	v["platform:compliance"] = `{"accept":{"EC2.10":"` + arn + `"}}`
	c, err := stack.Parse("test", v)
	if err != nil {
		t.Fatal(err)
	}
	var out []stack.AccountRef
	for _, r := range c.AccountRefs() {
		if r.Key == "platform:compliance.accept.EC2.10" {
			out = append(out, r)
		}
	}
	return out
}

func TestAccount_AllowedAccountIDsAreCheckedAndEnforced(t *testing.T) {
	for _, tt := range []struct{ name, value, want string }{
		{"unquoted number", `[111122223333]`, `aws:allowedAccountIds[0]: 1.11122223333e+11 is not an account ID; write the 12 digits as a quoted string`},
		{"eleven digits", `["11112222333"]`, `aws:allowedAccountIds[0]: 11112222333 is not an account ID`},
		{"thirteen digits", `["1111222233334"]`, `aws:allowedAccountIds[0]: 1111222233334 is not an account ID`},
		{"empty list", `[]`, `aws:allowedAccountIds: want a non-empty list of account IDs`},
		{"not a list", `"111122223333"`, `aws:allowedAccountIds: want a non-empty list of account IDs`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := validValues()
			v["aws:allowedAccountIds"] = tt.value
			_, err := stack.Parse("test", v)
			if got := strings.Join(problems.Messages(err), "\n"); !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	v := validValues()
	v["aws:allowedAccountIds"] = `["111122223333","011122223333"]`
	c, err := stack.Parse("test", v)
	if err != nil {
		t.Fatal(err)
	}
	for _, ok := range []string{"111122223333", "011122223333"} {
		if _, err := c.CheckAccount(ok); err != nil {
			t.Errorf("%s is listed: %v", ok, err)
		}
	}
	_, err = c.CheckAccount("444455556666")
	if got := strings.Join(problems.Messages(err), "\n"); !strings.Contains(got, "aws:allowedAccountIds: the credentials are for account 444455556666, which is not listed (111122223333, 011122223333)") {
		t.Errorf("got %q", got)
	}
}
