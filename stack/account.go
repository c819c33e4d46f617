package stack

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/acme/platform/internal/problems"
)

// An ARN, an ECR registry host or a bucket name in a stack file names an AWS
// account. Mocks accept any account; AWS does not. The rule, checked at
// preview against the caller's account (aws.getCallerIdentity):
//
//   - an error where AWS never accepts another account's resource for the use
//     the program makes of it: ACM certificates (an ALB listener and a Client
//     VPN endpoint take only certificates from their own account's ACM) and
//     IAM SAML providers (Client VPN federates through its own account's);
//   - a warning where a resource policy in the other account can make it work:
//     ECR images (the repository policy must let this account pull), S3 code
//     buckets (the bucket policy must let it read), KMS keys, secrets, roles
//     and anything else.
//
// docs/real-account.md lists the rule with the test that proves it.

// AccountRef is one place a stack file names an account.
type AccountRef struct {
	// Key is the full config path, e.g. platform:workloads.edge.certificateArn.
	Key   string
	Value string
	// Account is the 12-digit account the value names.
	Account string
	// Service is the ARN's service (acm, iam, kms, ...), "ecr" for an image
	// in a registry, "s3" for a bucket whose name carries an account.
	Service string
	// Resource is the ARN's resource part ("certificate/...", "saml-provider/...").
	Resource string
}

var (
	arnPattern = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):([a-z0-9-]+):([a-z0-9-]*):([0-9]{12}):(.+)$`)
	ecrImage   = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr(-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?/`)
	// A 12-digit run in a bucket name, not part of a longer number.
	bucketAccount = regexp.MustCompile(`(^|[^0-9])([0-9]{12})([^0-9]|$)`)
)

// Foreign reports whether AWS refuses the reference outright when it names
// another account than the caller's, and why (or what must hold if not).
func (r AccountRef) Foreign(caller string) (refused bool, why string) {
	switch {
	case r.Service == "acm":
		return true, fmt.Sprintf("ACM certificates cannot be used across accounts: a load balancer listener or a Client VPN endpoint accepts only a certificate in its own account's ACM; import or request it in account %s and use that ARN", caller)
	case r.Service == "iam" && strings.HasPrefix(r.Resource, "saml-provider/"):
		return true, fmt.Sprintf("Client VPN federates only through an IAM SAML provider of its own account; create the provider in account %s and use that ARN", caller)
	case r.Service == "ecr":
		return false, fmt.Sprintf("pulling works only if that repository's policy lets account %s pull (ecr:BatchGetImage, ecr:GetDownloadUrlForLayer, ecr:BatchCheckLayerAvailability); copy the image to this account's registry otherwise", caller)
	case r.Service == "s3":
		return false, fmt.Sprintf("if the bucket belongs to account %s, its bucket policy must let account %s read the object (s3:GetObject); otherwise check the name", r.Account, caller)
	case r.Service == "kms":
		return false, fmt.Sprintf("the key's policy in account %s must allow account %s to use it", r.Account, caller)
	}
	return false, fmt.Sprintf("only a resource policy in account %s that admits account %s makes this work; check it, or use a resource of this account", r.Account, caller)
}

// AccountRefs walks every platform value of the stack file and returns each
// account it names, by key.
func (c *Config) AccountRefs() []AccountRef {
	var out []AccountRef
	for _, k := range sortedKeys(c.raw) {
		walkStrings(k, c.raw[k], func(key, s string) {
			if ref, ok := accountRef(key, s); ok {
				out = append(out, ref)
			}
		})
	}
	return out
}

func accountRef(key, s string) (AccountRef, bool) {
	if m := arnPattern.FindStringSubmatch(s); m != nil {
		return AccountRef{Key: key, Value: s, Account: m[4], Service: m[2], Resource: m[5]}, true
	}
	if m := ecrImage.FindStringSubmatch(s); m != nil {
		return AccountRef{Key: key, Value: s, Account: m[1], Service: "ecr"}, true
	}
	last := key[strings.LastIndexAny(key, ".:")+1:]
	if strings.Contains(strings.ToLower(last), "bucket") {
		if m := bucketAccount.FindStringSubmatch(s); m != nil {
			return AccountRef{Key: key, Value: s, Account: m[2], Service: "s3"}, true
		}
	}
	return AccountRef{}, false
}

// walkStrings calls f for every string in a decoded JSON value, with its path.
func walkStrings(key string, v any, f func(key, s string)) {
	switch x := v.(type) {
	case string:
		f(key, x)
	case map[string]any:
		for _, k := range sortedKeys(x) {
			walkStrings(key+"."+k, x[k], f)
		}
	case []any:
		for i, e := range x {
			walkStrings(fmt.Sprintf("%s[%d]", key, i), e, f)
		}
	}
}

// CheckAccount compares every account the stack file names with the caller's:
// a reference AWS refuses across accounts is a problem (the run stops before
// anything is registered), any other is a warning for the plan and the preview.
func (c *Config) CheckAccount(caller string) (warnings []string, err error) {
	var p problems.List
	if len(c.AllowedAccountIDs) > 0 && !slices.Contains(c.AllowedAccountIDs, caller) {
		// The provider refuses the same way; saying it here names the key.
		p.Add("aws:allowedAccountIds", "the credentials are for account %s, which is not listed (%s); switch credentials (AWS_PROFILE) or fix the list", caller, strings.Join(c.AllowedAccountIDs, ", "))
	}
	for _, r := range c.AccountRefs() {
		if r.Account == caller {
			continue
		}
		refused, why := r.Foreign(caller)
		if refused {
			p.Add(r.Key, "%q is in account %s, but the stack deploys into account %s: %s", r.Value, r.Account, caller, why)
			continue
		}
		warnings = append(warnings, fmt.Sprintf("%s: %q names account %s, not account %s the stack deploys into: %s", r.Key, r.Value, r.Account, caller, why))
	}
	return warnings, p.Err()
}

var accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)

// loadAllowedAccounts reads aws:allowedAccountIds, the provider setting that
// refuses to run in any other account. The program checks only its form (the
// provider enforces it); the offline plan simulates the first account.
func loadAllowedAccounts(src Source, p *problems.List) []string {
	const key = "aws:allowedAccountIds"
	if _, ok := src.Get(key); !ok {
		return nil
	}
	var raw any
	if err := src.Object(key, &raw); err != nil {
		p.Add(key, `want a list of account IDs, e.g. ["111122223333"]`)
		return nil
	}
	list, ok := raw.([]any)
	if !ok || len(list) == 0 {
		p.Add(key, `want a non-empty list of account IDs, e.g. ["111122223333"]`)
		return nil
	}
	var out []string
	for i, v := range list {
		s, ok := v.(string)
		if !ok || !accountIDPattern.MatchString(s) {
			p.Add(fmt.Sprintf("%s[%d]", key, i), "%v is not an account ID; write the 12 digits as a quoted string, e.g. \"011122223333\" (a leading zero is part of the ID)", v)
			continue
		}
		out = append(out, s)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
