package stack_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/stack"
)

// Every stack file whose functions take concurrency from the account says,
// in the plan, which known default quota cannot grant it.
func TestQuotas_EveryStackFileSaysWhenItsLambdaConcurrencyCannotBeGranted(t *testing.T) {
	reserving := 0
	for _, path := range everyStackFile(t) {
		t.Run(path, func(t *testing.T) {
			res := runPath(t, path)
			cfg := res.Platform.Design.Config
			total := 0
			for _, n := range cfg.Workloads.Names() {
				if l := cfg.Workloads[n].Lambda; l != nil && l.ReservedConcurrency != nil {
					total += *l.ReservedConcurrency
				}
			}
			warnings := strings.Join(res.Platform.Warnings(), "\n")
			says := strings.Contains(warnings, "it cannot be granted with a new account's 10")
			if total > 0 && cfg.Quotas.LambdaConcurrentExecutions == nil {
				reserving++
				if !says || !strings.Contains(warnings, fmt.Sprintf("quota must be at least %d", total+100)) {
					t.Errorf("reserves %d, but the plan does not say a new account cannot grant it:\n%s", total, warnings)
				}
			} else if says {
				t.Errorf("reserves %d (quota %v), yet: %s", total, cfg.Quotas.LambdaConcurrentExecutions, warnings)
			}
		})
	}
	if reserving == 0 {
		t.Error("no stack file reserves Lambda concurrency: the advice was never checked")
	}
}

// lambdaStack is validValues with functions reserving the given amounts and
// platform:quotas set to quota (0: unset).
func lambdaStack(quota int, reserved ...int) map[string]string {
	v := validValues()
	var fns []string
	for i, r := range reserved {
		fns = append(fns, fmt.Sprintf(`"fn%d":{"kind":"lambda","runtime":"python3.12","handler":"a.b","code":{"s3Bucket":"code","s3Key":"a.zip"},"reservedConcurrency":%d}`, i, r))
	}
	v["platform:workloads"] = "{" + strings.Join(fns, ",") + "}"
	if quota != 0 {
		v["platform:quotas"] = fmt.Sprintf(`{"lambdaConcurrentExecutions":%d}`, quota)
	}
	return v
}

func TestQuotas_AConfiguredQuotaMustLeaveAHundredUnreserved(t *testing.T) {
	const key = "platform:quotas.lambdaConcurrentExecutions: "
	tests := []struct {
		name     string
		quota    int
		reserved []int
		want     string
	}{
		{"exactly quota - 100", 1000, []int{450, 450}, ""},
		{"one over", 1000, []int{450, 451}, key + "the account's quota of 1000 leaves 900 to reserve (AWS keeps 100 unreserved), but the functions take 901 (fn0 450 reserved, fn1 451 reserved)"},
		{"a new account's quota: nothing can be reserved", 10, []int{1}, key + "the account's quota of 10 leaves 0 to reserve"},
		{"reserving 0 takes nothing", 100, []int{0}, ""},
		{"a quota of 0", -1, nil, key + "must be the account's quota, at least 1, got 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.quota
			if q == -1 {
				q = 0
			}
			v := lambdaStack(q, tt.reserved...)
			if tt.quota == -1 {
				v["platform:quotas"] = `{"lambdaConcurrentExecutions":0}`
			}
			_, err := stack.Parse("test", v)
			got := strings.Join(problems.Messages(err), "\n")
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
	// A quota of 1 is a quota (the lower boundary of the key itself).
	if _, err := stack.Parse("test", lambdaStack(1)); err != nil {
		t.Errorf("quota 1: %v", err)
	}
}

// Unset, the quota is compared with the known defaults: a reservation that
// fits 1000 but not 10 is a warning, not an error; none is no warning.
func TestQuotas_UnsetQuotaWarnsAgainstTheKnownDefaults(t *testing.T) {
	for _, tt := range []struct {
		reserved []int
		want     string
	}{
		{nil, ""},
		{[]int{0}, ""},
		{[]int{20}, "platform:workloads.fn0.reservedConcurrency: the Lambda functions take 20 concurrent executions (fn0 20 reserved), so the account's concurrency quota must be at least 120 (AWS keeps 100 unreserved); it cannot be granted with a new account's 10, and the deploy fails there (the documented default's 1000 is enough)"},
		{[]int{900}, "quota must be at least 1000 (AWS keeps 100 unreserved); it cannot be granted with a new account's 10, and the deploy fails there (the documented default's 1000 is enough)"},
		{[]int{901}, "quota must be at least 1001 (AWS keeps 100 unreserved); it cannot be granted with a new account's 10 or the documented default's 1000, and the deploy fails there;"},
	} {
		res, err := offline.Run(&stack.File{Path: "q", Stack: "test", Values: lambdaStack(0, tt.reserved...)})
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, w := range res.Platform.Warnings() {
			if strings.Contains(w, "Lambda functions take") {
				got = w
			}
		}
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%v: got %q\nwant %q", tt.reserved, got, tt.want)
		}
	}
	// A configured quota replaces the warning with the check.
	res, err := offline.Run(&stack.File{Path: "q", Stack: "test", Values: lambdaStack(1000, 20)})
	if err != nil {
		t.Fatal(err)
	}
	if w := strings.Join(res.Platform.Warnings(), "\n"); strings.Contains(w, "Lambda functions take") {
		t.Errorf("quota set, still warns: %s", w)
	}
}

// Provisioned concurrency of a function with none reserved comes from the
// account's pool too; with reserved concurrency it must fit inside it.
func TestQuotas_ProvisionedConcurrencyCounts(t *testing.T) {
	fn := func(extra string) map[string]string {
		v := validValues()
		v["platform:workloads"] = `{"fn":{"kind":"lambda","runtime":"python3.12","handler":"a.b","code":{"s3Bucket":"code","s3Key":"a.zip"}` + extra + `}}`
		v["platform:quotas"] = `{"lambdaConcurrentExecutions":150}`
		return v
	}
	for _, tt := range []struct{ extra, want string }{
		{`,"scaling":{"provisionedConcurrency":50}`, ""},
		{`,"scaling":{"provisionedConcurrency":51}`, "platform:quotas.lambdaConcurrentExecutions: the account's quota of 150 leaves 50 to reserve (AWS keeps 100 unreserved), but the functions take 51 (fn 51 provisioned)"},
		{`,"reservedConcurrency":10,"scaling":{"provisionedConcurrency":10}`, ""},
		// Inside its own reservation (compute's check), and the reservation counts once.
		{`,"reservedConcurrency":10,"scaling":{"provisionedConcurrency":11}`, "platform:workloads.fn.scaling.provisionedConcurrency: 11 is more than reservedConcurrency 10"},
		{`,"reservedConcurrency":50,"scaling":{"provisionedConcurrency":50}`, ""},
		{`,"reservedConcurrency":51,"scaling":{"provisionedConcurrency":1}`, "the functions take 51 (fn 51 reserved)"},
	} {
		_, err := stack.Parse("test", fn(tt.extra))
		got := strings.Join(problems.Messages(err), "\n")
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s: got %q\nwant %q", tt.extra, got, tt.want)
		}
	}
}
