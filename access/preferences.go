package access

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/acme/platform/internal/awsenv"
	"github.com/acme/platform/internal/problems"
)

// Session Manager reads its preferences from one document per account and
// region, SSM-SessionManagerRunShell, whatever created it. Two stacks in one
// account cannot both create it (the second fails with
// DocumentAlreadyExists), nor can a stack in an account where someone once
// saved preferences in the console. And whoever writes it decides for every
// managed instance in the region: a document that asks for KMS-encrypted,
// logged sessions makes every other team's instances need that key and that
// log group too. So a stack says what it does with the document.

// PreferencesMode is who owns the account's preferences document.
type PreferencesMode string

const (
	// PreferencesNone leaves the document alone (the default: it cannot
	// break a shared account). The stack's instances follow whatever the
	// account's document says; AccountPreferences describes it.
	PreferencesNone PreferencesMode = "none"
	// PreferencesAdopt takes an existing document into the stack as it is
	// (import; its content and tags are left unchanged), so nothing changes for
	// any instance yet. Switch to own in a later, reviewed change.
	PreferencesAdopt PreferencesMode = "adopt"
	// PreferencesOwn writes the document: sessions encrypted with the
	// stack's key and streamed to its log group, for every instance in the
	// account and region. At most one stack per account and region owns it.
	PreferencesOwn PreferencesMode = "own"
)

// PreferencesModes lists the accepted values.
var PreferencesModes = []PreferencesMode{PreferencesOwn, PreferencesAdopt, PreferencesNone}

// UnmarshalText rejects anything but the three modes.
func (m *PreferencesMode) UnmarshalText(b []byte) error {
	for _, v := range PreferencesModes {
		if string(b) == string(v) {
			*m = v
			return nil
		}
	}
	return fmt.Errorf("%q is not a preferences mode; use own, adopt or none", string(b))
}

// AccountPreferences describes the preferences document the account already
// has when this stack does not write it (preferences none or adopt): what
// its sessions are encrypted with and logged to. The stack grants its
// instance and task roles exactly that, and requires a way from the private
// tier to each service it names. For a document another stack of this
// platform owns, the key is alias/<its platform:name>-sessions and the log
// group /platform/<its platform:name>-sessions.
type AccountPreferences struct {
	// KMSKey encrypts sessions: an alias (alias/prod-sessions) or a key ARN.
	KMSKey string `json:"kmsKey,omitempty"`
	// LogGroup receives session transcripts (CloudWatch Logs), by name.
	LogGroup string `json:"logGroup,omitempty"`
	// S3Bucket receives session transcripts, by bucket name.
	S3Bucket string `json:"s3Bucket,omitempty"`
}

// Mode returns the configured mode; none when unset.
func (s SessionManagerConfig) Mode() PreferencesMode {
	if s.Preferences == "" {
		return PreferencesNone
	}
	return s.Preferences
}

// SessionSettings are what a session on this stack's instances involves,
// whoever wrote the preferences: what the SSM agent must reach and be allowed.
type SessionSettings struct {
	// Owned is true when this stack writes the preferences (own).
	Owned bool
	// KMSKey encrypts sessions ("" for unencrypted sessions).
	KMSKey string
	// LogGroup receives transcripts in CloudWatch Logs ("" for none).
	LogGroup string
	// S3Bucket receives transcripts in S3 ("" for none).
	S3Bucket string
}

// Settings returns the session settings of a stack whose own session key
// alias and log group are keyAlias and logGroup: its own with own, the
// account's (as AccountPreferences says) otherwise.
func (s SessionManagerConfig) Settings(keyAlias, logGroup string) SessionSettings {
	if s.Mode() == PreferencesOwn {
		return SessionSettings{Owned: true, KMSKey: keyAlias, LogGroup: logGroup}
	}
	if a := s.AccountPreferences; a != nil {
		return SessionSettings{KMSKey: a.KMSKey, LogGroup: a.LogGroup, S3Bucket: a.S3Bucket}
	}
	return SessionSettings{}
}

// Needs lists the services the SSM agent on an instance must reach for a
// session under these settings, with why: ssm, ssmmessages and ec2messages
// always; kms when sessions are encrypted; logs when they go to CloudWatch;
// s3 when they go to a bucket. Every name is a VPC endpoint service.
func (s SessionSettings) Needs() []Need {
	out := []Need{
		{"ssm", "the SSM agent registers and reads its preferences"},
		{"ssmmessages", "the session channel"},
		{"ec2messages", "the agent's command channel"},
	}
	if s.KMSKey != "" {
		out = append(out, Need{"kms", "sessions are KMS-encrypted (" + s.KMSKey + ")"})
	}
	if s.LogGroup != "" {
		out = append(out, Need{"logs", "sessions are logged to CloudWatch (" + s.LogGroup + ")"})
	}
	if s.S3Bucket != "" {
		out = append(out, Need{"s3", "sessions are logged to S3 (" + s.S3Bucket + ")"})
	}
	return out
}

// ECSExecNeeds are what a task needs for ECS Exec: the session channel, and
// the stack's session key and log group, which the cluster's exec
// configuration always uses (ECS Exec does not read the preferences document).
func ECSExecNeeds(keyAlias, logGroup string) []Need {
	return []Need{
		{"ssmmessages", "the ECS Exec session channel"},
		{"kms", "ECS Exec sessions are KMS-encrypted (" + keyAlias + ")"},
		{"logs", "ECS Exec sessions are logged to CloudWatch (" + logGroup + ")"},
	}
}

// Need is an AWS service a workload cannot work without, and why.
type Need struct {
	Service string
	Why     string
}

var (
	kmsAlias    = regexp.MustCompile(`^alias/[a-zA-Z0-9/_-]{1,250}$`)
	kmsKeyARN   = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):kms:([a-z0-9-]+):([0-9]{12}):(key/[0-9a-f-]{36}|key/mrk-[0-9a-f]{32}|alias/[a-zA-Z0-9/_-]{1,250})$`)
	logGroupRe  = regexp.MustCompile(`^[.\-_/#A-Za-z0-9]{1,512}$`)
	bucketName  = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	awsReserved = "alias/aws/"
)

func (s SessionManagerConfig) validatePreferences(key string, v ValidateContext, p *problems.List) {
	if s.ImportPreferences != nil {
		p.Add(key+".importPreferences", "replaced by preferences: adopt, which takes the account's existing SSM-SessionManagerRunShell into the stack as it is; switch to own in a later change to write this stack's preferences (docs/migration.md)")
	}
	a := s.AccountPreferences
	if a == nil {
		return
	}
	k := key + ".accountPreferences"
	if s.Mode() == PreferencesOwn {
		p.Add(k, "only with preferences none or adopt: with own, the preferences are this stack's key and log group; remove accountPreferences")
		return
	}
	if *a == (AccountPreferences{}) {
		p.Add(k, "empty; name what the account's preferences use (kmsKey, logGroup, s3Bucket), or remove it if they neither encrypt nor log sessions")
	}
	switch m := kmsKeyARN.FindStringSubmatch(a.KMSKey); {
	case a.KMSKey == "":
	case strings.HasPrefix(a.KMSKey, awsReserved):
		p.Add(k+".kmsKey", "%q is an AWS managed key, which Session Manager cannot use; name the customer managed key the preferences use", a.KMSKey)
	case kmsAlias.MatchString(a.KMSKey):
	case m == nil:
		p.Add(k+".kmsKey", "%q is neither a KMS alias (alias/prod-sessions) nor a key ARN", a.KMSKey)
	case v.Region != "" && m[2] != v.Region:
		p.Add(k+".kmsKey", "the key is in %s, but sessions here are encrypted with a key of aws:region %s", m[2], v.Region)
	}
	if a.LogGroup != "" && !logGroupRe.MatchString(a.LogGroup) {
		p.Add(k+".logGroup", "%q is not a CloudWatch Logs group name (1-512 of a-z, A-Z, 0-9, '.', '-', '_', '/', '#')", a.LogGroup)
	}
	if a.S3Bucket != "" && (!bucketName.MatchString(a.S3Bucket) || strings.Contains(a.S3Bucket, "..")) {
		p.Add(k+".s3Bucket", "%q is not an S3 bucket name (3-63 lowercase letters, digits, '.' and '-')", a.S3Bucket)
	}
}

// AccountPreferencesStatements are the session policy's grants for a
// document this stack does not write: decrypt with its key, write its log
// group, put objects in its bucket. An alias grants the key it points to
// (kms:ResourceAliases), so it follows the owner's key rotation or swap.
func AccountPreferencesStatements(env awsenv.Env, a *AccountPreferences) []any {
	if a == nil {
		return nil
	}
	var out []any
	// An alias in a policy's Resource names the alias, never the key behind
	// it: an alias (or alias ARN) is granted through kms:ResourceAliases.
	alias := a.KMSKey
	if m := kmsKeyARN.FindStringSubmatch(a.KMSKey); m != nil && strings.HasPrefix(m[4], "alias/") {
		alias = m[4]
	}
	switch {
	case a.KMSKey == "":
	case kmsAlias.MatchString(alias):
		out = append(out, map[string]any{
			"Sid": "DecryptAccountSessions", "Effect": "Allow",
			"Action":   SessionChannelActions.KMS,
			"Resource": env.ARN("kms", env.Region, "key/*"),
			"Condition": map[string]any{"ForAnyValue:StringEquals": map[string]any{
				"kms:ResourceAliases": alias,
			}},
		})
	default:
		out = append(out, map[string]any{
			"Sid": "DecryptAccountSessions", "Effect": "Allow",
			"Action":   SessionChannelActions.KMS,
			"Resource": a.KMSKey,
		})
	}
	if a.LogGroup != "" {
		arn := env.ARN("logs", env.Region, "log-group:"+a.LogGroup)
		out = append(out, map[string]any{
			"Sid": "WriteAccountSessionLog", "Effect": "Allow",
			"Action":   SessionChannelActions.Logs,
			"Resource": []string{arn, arn + ":*"},
		})
	}
	if a.S3Bucket != "" {
		out = append(out, map[string]any{
			"Sid": "WriteAccountSessionTranscripts", "Effect": "Allow",
			"Action":   []string{"s3:PutObject"},
			"Resource": "arn:" + env.Partition + ":s3:::" + a.S3Bucket + "/*",
		}, map[string]any{
			"Sid": "CheckAccountSessionBucket", "Effect": "Allow",
			"Action":   []string{"s3:GetEncryptionConfiguration"},
			"Resource": "arn:" + env.Partition + ":s3:::" + a.S3Bucket,
		})
	}
	return out
}

// PreferencesImpact says, for the plan and the preview, what the stack's
// choice does to the other instances in the account and region, and what
// this stack's instances get.
func PreferencesImpact(c SessionManagerConfig, env awsenv.Env, keyAlias, logGroup string) string {
	where := fmt.Sprintf("account %s, %s", env.AccountID, env.Region)
	const key = "platform:access.sessionManager.preferences"
	switch c.Mode() {
	case PreferencesOwn:
		return fmt.Sprintf("session preferences (%s: own): this stack writes %s for every managed instance in %s, other stacks' and other teams' included: sessions are encrypted with %s and streamed to %s, and end after %s. An instance whose role may not use that key and write that group cannot open a session: attach the sessionPolicyArn output, or in another platform stack set preferences: none with accountPreferences {kmsKey: %s, logGroup: %s}. No other stack in this account and region may own the document",
			key, PreferencesDocumentName, where, keyAlias, logGroup, sessionLimits(c), keyAlias, logGroup)
	case PreferencesAdopt:
		return fmt.Sprintf("session preferences (%s: adopt): this stack takes the existing %s of %s into its state as it is (imported; content and tags left unchanged), so no instance notices. Switching to own later rewrites it for every instance there - sessions then encrypted with %s and logged to %s - and removing the stack leaves the document in place. %s",
			key, PreferencesDocumentName, where, keyAlias, logGroup, followText(c))
	}
	return fmt.Sprintf("session preferences (%s: none): this stack leaves %s of %s alone, so nothing changes for any other instance; its own instances open sessions under whatever that document says. %s",
		key, PreferencesDocumentName, where, followText(c))
}

func followText(c SessionManagerConfig) string {
	a := c.AccountPreferences
	if a == nil || *a == (AccountPreferences{}) {
		return "accountPreferences says the document neither encrypts nor logs sessions; if it does, this stack's instances cannot open a session until accountPreferences names the key and log group (their roles are granted exactly those)"
	}
	var parts []string
	if a.KMSKey != "" {
		parts = append(parts, "decrypt with "+a.KMSKey)
	}
	if a.LogGroup != "" {
		parts = append(parts, "write to the log group "+a.LogGroup)
	}
	if a.S3Bucket != "" {
		parts = append(parts, "put transcripts in s3://"+a.S3Bucket)
	}
	return "Per accountPreferences, its instance and task roles may " + strings.Join(parts, ", ") + ", and each workload has a way to the services that needs"
}

func sessionLimits(c SessionManagerConfig) string {
	s := fmt.Sprintf("%d idle minutes", c.IdleTimeout())
	if m := c.MaxSession(); m > 0 {
		s += fmt.Sprintf(" and %d minutes in all", m)
	}
	return s
}
