package stack

import (
	"fmt"
	"sort"
	"strings"

	"github.com/acme/platform/internal/decode"
	"github.com/acme/platform/internal/problems"
)

// Lambda's concurrent executions are a quota per account and region (Service
// Quotas L-B99A9384). AWS keeps at least 100 of it unreserved for functions
// without reserved concurrency, so reservedConcurrency - and provisioned
// concurrency of a function with none reserved, which is taken from the same
// pool - must fit in quota - 100 across all functions; PutFunctionConcurrency
// fails with "decreases account's UnreservedConcurrentExecution below its
// minimum value" otherwise. The documented default quota is 1000, but new
// accounts start much lower (10) until AWS raises it with use, and there the
// same config deploys nowhere. Mocks accept any number.

// Quotas is platform:quotas: account quotas that differ from the defaults.
type Quotas struct {
	// LambdaConcurrentExecutions is the account's Lambda concurrency quota in
	// this region (aws service-quotas get-service-quota --service-code lambda
	// --quota-code L-B99A9384). Set, reservations that do not fit are errors;
	// unset, the plan compares them with KnownLambdaConcurrency.
	LambdaConcurrentExecutions *int `json:"lambdaConcurrentExecutions,omitempty"`
}

const quotasDescription = "Account quotas the program checks the stack against, where the account's differ from AWS's defaults: lambdaConcurrentExecutions (Service Quotas L-B99A9384, this region; AWS keeps 100 unreserved, so reserved and provisioned concurrency must fit in the rest). Unset, the plan compares with the known defaults: 1000, and 10 for a new account."

// LambdaUnreservedMinimum is what AWS keeps unreserved of the quota.
const LambdaUnreservedMinimum = 100

// KnownLambdaConcurrency are the quotas an account has before anyone asks
// for more, smallest first.
var KnownLambdaConcurrency = []struct {
	Quota int
	Who   string
}{
	{10, "a new account"},
	{1000, "the documented default"},
}

func decodeQuotas(key string, raw any, p *problems.List) Quotas {
	var q Quotas
	decode.Into(key, raw, &q, p)
	if n := q.LambdaConcurrentExecutions; n != nil && *n < 1 {
		p.Add(key+".lambdaConcurrentExecutions", "must be the account's quota, at least 1, got %d; read it with `aws service-quotas get-service-quota --service-code lambda --quota-code L-B99A9384`", *n)
	}
	return q
}

// lambdaClaim is what one function takes from the account's concurrency.
type lambdaClaim struct {
	name  string
	count int
	why   string // "reserved" or "provisioned"
}

// lambdaClaims lists the functions that take concurrency from the account:
// reserved concurrency, or provisioned concurrency where none is reserved.
func (c *Config) lambdaClaims() (claims []lambdaClaim, total int) {
	for _, n := range c.Workloads.Names() {
		l := c.Workloads[n].Lambda
		if l == nil {
			continue
		}
		switch sc := l.LambdaScaling(); {
		case l.ReservedConcurrency != nil && *l.ReservedConcurrency > 0:
			claims = append(claims, lambdaClaim{n, *l.ReservedConcurrency, "reserved"})
		case sc.On && sc.ProvisionedConcurrency > 0:
			claims = append(claims, lambdaClaim{n, sc.ProvisionedConcurrency, "provisioned"})
		}
	}
	for _, cl := range claims {
		total += cl.count
	}
	return claims, total
}

// key is the config key of the claim.
func (cl lambdaClaim) key() string {
	if cl.why == "reserved" {
		return Project + ":workloads." + cl.name + ".reservedConcurrency"
	}
	return Project + ":workloads." + cl.name + ".scaling.provisionedConcurrency"
}

func claimList(claims []lambdaClaim) string {
	var parts []string
	for _, cl := range claims {
		parts = append(parts, fmt.Sprintf("%s %d %s", cl.name, cl.count, cl.why))
	}
	return strings.Join(parts, ", ")
}

// validateQuotas checks the Lambda reservations against a configured quota.
// (A function's provisioned concurrency above its own reservation is
// compute's check: AWS allocates provisioned from reserved.)
func (c *Config) validateQuotas(p *problems.List) {
	q := c.Quotas.LambdaConcurrentExecutions
	if q == nil || *q < 1 {
		return
	}
	claims, total := c.lambdaClaims()
	if room := *q - LambdaUnreservedMinimum; total > 0 && total > room {
		p.Add(Project+":quotas.lambdaConcurrentExecutions", "the account's quota of %d leaves %d to reserve (AWS keeps %d unreserved), but the functions take %d (%s); request a higher quota (Service Quotas L-B99A9384) and set it here, or lower reservedConcurrency / provisionedConcurrency",
			*q, max(room, 0), LambdaUnreservedMinimum, total, claimList(claims))
	}
}

// lambdaConcurrencyWarning says, when the quota is not configured, which
// known default quotas the stack's reservations do not fit.
func (c *Config) lambdaConcurrencyWarning() string {
	if c.Quotas.LambdaConcurrentExecutions != nil {
		return ""
	}
	claims, total := c.lambdaClaims()
	if total == 0 {
		return ""
	}
	need := total + LambdaUnreservedMinimum
	var fits, fails []string
	known := append(KnownLambdaConcurrency[:0:0], KnownLambdaConcurrency...)
	sort.Slice(known, func(i, j int) bool { return known[i].Quota < known[j].Quota })
	for _, k := range known {
		s := fmt.Sprintf("%s's %d", k.Who, k.Quota)
		if k.Quota >= need {
			fits = append(fits, s)
		} else {
			fails = append(fails, s)
		}
	}
	if len(fails) == 0 {
		return ""
	}
	msg := fmt.Sprintf("%s: the Lambda functions take %d concurrent executions (%s), so the account's concurrency quota must be at least %d (AWS keeps %d unreserved); it cannot be granted with %s, and the deploy fails there",
		claims[0].key(), total, claimList(claims), need, LambdaUnreservedMinimum, strings.Join(fails, " or "))
	if len(fits) > 0 {
		msg += " (" + strings.Join(fits, ", ") + " is enough)"
	}
	return msg + "; read the quota with `aws service-quotas get-service-quota --service-code lambda --quota-code L-B99A9384` and set platform:quotas.lambdaConcurrentExecutions to check it"
}
