package access_test

import (
	"strings"
	"testing"

	"github.com/acme/platform/access"
	"github.com/acme/platform/internal/awsenv"
)

// Leaving the account's one preferences document alone is the default: it
// is the only choice that cannot fail (own, where it exists) or change every
// other instance's sessions (own, adopt).
func TestPreferences_DefaultLeavesTheDocumentAlone(t *testing.T) {
	c, probs := check(t, `{"sessionManager": {}}`, prodContext)
	if len(probs) != 0 || c.SessionManager.Mode() != access.PreferencesNone {
		t.Errorf("mode %q, problems %v", c.SessionManager.Mode(), probs)
	}
	for _, m := range []string{"own", "adopt", "none"} {
		c, probs := check(t, `{"sessionManager": {"preferences": "`+m+`"}}`, prodContext)
		if len(probs) != 0 || string(c.SessionManager.Mode()) != m {
			t.Errorf("%s: mode %q, problems %v", m, c.SessionManager.Mode(), probs)
		}
	}
}

func TestPreferences_BadValuesNameKeyAndFix(t *testing.T) {
	const k = key + ".sessionManager."
	long := strings.Repeat("a", 63)
	tests := []struct{ name, js, want string }{
		{"unknown mode", `{"preferences": "share"}`, k + `preferences: "share" is not a preferences mode; use own, adopt or none`},
		{"the old import switch", `{"importPreferences": true}`, k + `importPreferences: replaced by preferences: adopt`},
		{"account preferences while owning", `{"preferences": "own", "accountPreferences": {"kmsKey": "alias/x"}}`, k + `accountPreferences: only with preferences none or adopt`},
		{"empty account preferences", `{"accountPreferences": {}}`, k + `accountPreferences: empty; name what the account's preferences use`},
		{"an AWS managed key", `{"accountPreferences": {"kmsKey": "alias/aws/ssm"}}`, k + `accountPreferences.kmsKey: "alias/aws/ssm" is an AWS managed key`},
		{"not a key", `{"accountPreferences": {"kmsKey": "prod-sessions"}}`, k + `accountPreferences.kmsKey: "prod-sessions" is neither a KMS alias (alias/prod-sessions) nor a key ARN`},
		{"a key of another region", `{"accountPreferences": {"kmsKey": "arn:aws:kms:eu-west-1:111122223333:key/0f0f0f0f-1111-2222-3333-444444444444"}}`, k + `accountPreferences.kmsKey: the key is in eu-west-1, but sessions here are encrypted with a key of aws:region us-east-1`},
		{"a log group name with a space", `{"accountPreferences": {"logGroup": "/platform/prod sessions"}}`, k + `accountPreferences.logGroup: "/platform/prod sessions" is not a CloudWatch Logs group name`},
		{"a bucket of two characters", `{"accountPreferences": {"s3Bucket": "ab"}}`, k + `accountPreferences.s3Bucket: "ab" is not an S3 bucket name`},
		{"a bucket of 64 characters", `{"accountPreferences": {"s3Bucket": "` + long + `b"}}`, k + `accountPreferences.s3Bucket: "` + long + `b" is not an S3 bucket name`},
		{"a bucket with capitals", `{"accountPreferences": {"s3Bucket": "Logs"}}`, k + `accountPreferences.s3Bucket: "Logs" is not an S3 bucket name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, probs := check(t, `{"sessionManager": `+tt.js+`}`, prodContext)
			if got := strings.Join(probs, "\n"); !strings.Contains(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestPreferences_GoodAccountPreferencesPass(t *testing.T) {
	for _, js := range []string{
		`{"accountPreferences": {"kmsKey": "alias/prod-sessions", "logGroup": "/platform/prod-sessions"}}`,
		`{"preferences": "adopt", "accountPreferences": {"kmsKey": "arn:aws:kms:us-east-1:111122223333:key/0f0f0f0f-1111-2222-3333-444444444444"}}`,
		`{"accountPreferences": {"kmsKey": "arn:aws:kms:us-east-1:111122223333:alias/prod-sessions"}}`,
		`{"accountPreferences": {"s3Bucket": "abc"}}`,
		`{"accountPreferences": {"s3Bucket": "` + strings.Repeat("a", 63) + `"}}`,
		`{"accountPreferences": {"logGroup": "/aws/ssm/sessions#1"}}`,
	} {
		if _, probs := check(t, `{"sessionManager": `+js+`}`, prodContext); len(probs) != 0 {
			t.Errorf("%s: %v", js, probs)
		}
	}
}

// What a session needs follows the settings: the three Session Manager
// services always, kms only when encrypted, logs only when logged to
// CloudWatch, s3 only when logged to a bucket.
func TestPreferences_SessionNeedsFollowTheSettings(t *testing.T) {
	needs := func(s access.SessionSettings) string {
		var out []string
		for _, n := range s.Needs() {
			out = append(out, n.Service)
		}
		return strings.Join(out, ",")
	}
	own := access.SessionManagerConfig{Preferences: access.PreferencesOwn}.Settings("alias/p-sessions", "/platform/p-sessions")
	if !own.Owned || needs(own) != "ssm,ssmmessages,ec2messages,kms,logs" {
		t.Errorf("own: %+v %s", own, needs(own))
	}
	for _, tt := range []struct {
		a    *access.AccountPreferences
		want string
	}{
		{nil, "ssm,ssmmessages,ec2messages"},
		{&access.AccountPreferences{KMSKey: "alias/x"}, "ssm,ssmmessages,ec2messages,kms"},
		{&access.AccountPreferences{LogGroup: "/x"}, "ssm,ssmmessages,ec2messages,logs"},
		{&access.AccountPreferences{S3Bucket: "x-logs"}, "ssm,ssmmessages,ec2messages,s3"},
	} {
		for _, mode := range []access.PreferencesMode{access.PreferencesNone, access.PreferencesAdopt} {
			s := access.SessionManagerConfig{Preferences: mode, AccountPreferences: tt.a}.Settings("alias/p-sessions", "/platform/p-sessions")
			if s.Owned || needs(s) != tt.want {
				t.Errorf("%s %+v: %s, want %s", mode, tt.a, needs(s), tt.want)
			}
		}
	}
}

// The plan says what each choice does to the other instances of the account.
func TestPreferences_ImpactSaysWhatHappensToOtherInstances(t *testing.T) {
	env := awsenv.Env{Region: "us-east-1", AccountID: "111122223333", Partition: "aws"}
	for mode, want := range map[access.PreferencesMode][]string{
		access.PreferencesOwn:   {"writes SSM-SessionManagerRunShell for every managed instance in account 111122223333, us-east-1, other stacks' and other teams' included", "encrypted with alias/p-sessions and streamed to /platform/p-sessions", "attach the sessionPolicyArn output", "No other stack in this account and region may own the document"},
		access.PreferencesAdopt: {"takes the existing SSM-SessionManagerRunShell of account 111122223333, us-east-1 into its state as it is", "no instance notices", "Switching to own later rewrites it for every instance there"},
		access.PreferencesNone:  {"leaves SSM-SessionManagerRunShell of account 111122223333, us-east-1 alone, so nothing changes for any other instance", "cannot open a session until accountPreferences names the key and log group"},
	} {
		got := access.PreferencesImpact(access.SessionManagerConfig{Preferences: mode}, env, "alias/p-sessions", "/platform/p-sessions")
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", mode, got, w)
			}
		}
	}
}
