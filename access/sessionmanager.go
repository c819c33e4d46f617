package access

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/awsenv"
	"github.com/acme/platform/internal/tags"
	"github.com/acme/platform/network"
)

// PreferencesDocumentName is the document Session Manager reads its
// preferences from: one per account and region, whatever creates it.
const PreferencesDocumentName = "SSM-SessionManagerRunShell"

// SessionChannelActions are what the session policy grants, besides
// AmazonSSMManagedInstanceCore, so that a session can be encrypted and logged.
var SessionChannelActions = struct{ KMS, Logs, LogsDescribe []string }{
	KMS:          []string{"kms:Decrypt", "kms:GenerateDataKey"},
	Logs:         []string{"logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"},
	LogsDescribe: []string{"logs:DescribeLogGroups"},
}

// ECSExecTaskActions are what an ECS task role needs for ECS Exec besides the
// session policy: the session channel that AmazonSSMManagedInstanceCore gives
// instances but nothing gives tasks. The compute package grants them.
var ECSExecTaskActions = []string{
	"ssmmessages:CreateControlChannel",
	"ssmmessages:CreateDataChannel",
	"ssmmessages:OpenControlChannel",
	"ssmmessages:OpenDataChannel",
}

// SessionManagerArgs configure the account's Session Manager.
type SessionManagerArgs struct {
	Config SessionManagerConfig
	Env    awsenv.Env
	// InstanceRoleNames maps an EC2 workload to its instance role's name; each
	// gets the session policy (next to AmazonSSMManagedInstanceCore).
	InstanceRoleNames map[string]pulumi.StringInput
	// TaskRoleNames maps an ECS workload to its task role's name; each gets the
	// session policy, so ECS Exec sessions are decrypted and logged the same way.
	TaskRoleNames map[string]pulumi.StringInput
	// Protect marks the key and the preferences document with pulumi's protect.
	Protect bool
	Tags    map[string]string
}

// SessionManager is the account's Session Manager setup: the key that
// encrypts sessions and their logs, the log group, the preferences document,
// and the policy that lets instances and tasks take part in a session.
type SessionManager struct {
	pulumi.ResourceState

	Key      *kms.Key
	Alias    *kms.Alias
	LogGroup *cloudwatch.LogGroup
	// Preferences is the account's preferences document, nil unless the
	// config owns or adopts it.
	Preferences *ssm.Document
	Policy      *iam.Policy
	// Attachments by workload name.
	Attachments map[string]*iam.RolePolicyAttachment

	name string

	// KeyARN and KeyID are the session key; the stack also gives it to the
	// Client VPN log group and the ECS cluster's ExecuteCommandConfiguration.
	KeyARN pulumi.StringOutput
	KeyID  pulumi.StringOutput
	// LogGroupName and LogGroupARN are the session log group, which ECS Exec
	// writes to as well.
	LogGroupName pulumi.StringOutput
	LogGroupARN  pulumi.StringOutput
	// PolicyARN is the session policy, for roles created elsewhere.
	PolicyARN pulumi.StringOutput
}

// sessionPreferences is the content of the preferences document, in the
// field order the console writes it.
type sessionPreferences struct {
	SchemaVersion string             `json:"schemaVersion"`
	Description   string             `json:"description"`
	SessionType   string             `json:"sessionType"`
	Inputs        sessionPrefsInputs `json:"inputs"`
}

type sessionPrefsInputs struct {
	S3BucketName                string       `json:"s3BucketName"`
	S3KeyPrefix                 string       `json:"s3KeyPrefix"`
	S3EncryptionEnabled         bool         `json:"s3EncryptionEnabled"`
	CloudWatchLogGroupName      string       `json:"cloudWatchLogGroupName"`
	CloudWatchEncryptionEnabled bool         `json:"cloudWatchEncryptionEnabled"`
	CloudWatchStreamingEnabled  bool         `json:"cloudWatchStreamingEnabled"`
	KMSKeyID                    string       `json:"kmsKeyId"`
	IdleSessionTimeout          string       `json:"idleSessionTimeout"`
	MaxSessionDuration          string       `json:"maxSessionDuration"`
	RunAsEnabled                bool         `json:"runAsEnabled"`
	RunAsDefaultUser            string       `json:"runAsDefaultUser"`
	ShellProfile                shellProfile `json:"shellProfile"`
}

type shellProfile struct {
	Linux   string `json:"linux"`
	Windows string `json:"windows"`
}

// PreferencesContent renders the preferences document for a log group and key.
func PreferencesContent(c SessionManagerConfig, logGroupName, keyID string) (string, error) {
	maxSession := ""
	if n := c.MaxSession(); n > 0 {
		maxSession = strconv.Itoa(n)
	}
	b, err := json.Marshal(sessionPreferences{
		SchemaVersion: "1.0",
		Description:   "Session Manager preferences, managed by the platform program: sessions are KMS-encrypted and streamed to " + logGroupName,
		SessionType:   "Standard_Stream",
		Inputs: sessionPrefsInputs{
			// No S3 copy: CloudWatch Logs holds the transcript. The flag stays
			// on so that a bucket added by hand must be encrypted.
			S3EncryptionEnabled:         true,
			CloudWatchLogGroupName:      logGroupName,
			CloudWatchEncryptionEnabled: true, // the agent refuses to log to an unencrypted group
			CloudWatchStreamingEnabled:  true, // stream as typed, not uploaded at the end
			KMSKeyID:                    keyID,
			IdleSessionTimeout:          strconv.Itoa(c.IdleTimeout()),
			MaxSessionDuration:          maxSession,
			RunAsEnabled:                c.RunAsUser != "",
			RunAsDefaultUser:            c.RunAsUser,
		},
	})
	return string(b), err
}

// NewSessionManager registers the Session Manager setup.
//
// The preferences are the document SSM-SessionManagerRunShell, which exists
// once per account and region: two stacks in one account and region cannot
// both own it. An account where someone once saved Session Manager
// preferences in the console already has it, and creating it again fails
// with DocumentAlreadyExists. Config.Preferences decides (preferences.go):
// own registers the document with this stack's content; adopt imports the
// existing one with its content and tags ignored, so the import matches
// whatever is there and changes nothing (switch to own afterwards to write
// it); none registers no document. The key, log group and session policy
// exist in every mode: ECS Exec and the Client VPN log use them.
func NewSessionManager(ctx *pulumi.Context, name string, args *SessionManagerArgs, opts ...pulumi.ResourceOption) (*SessionManager, error) {
	if args == nil {
		return nil, fmt.Errorf("access.NewSessionManager(%q): args are required", name)
	}
	env := args.Env
	if env.Region == "" || env.AccountID == "" || env.Partition == "" {
		return nil, fmt.Errorf("access.NewSessionManager(%q): Env needs region, account and partition", name)
	}
	if !network.ValidRetention(args.Config.Retention()) {
		return nil, fmt.Errorf("access.NewSessionManager(%q): %d is not a CloudWatch retention", name, args.Config.Retention())
	}
	roles := map[string]pulumi.StringInput{}
	for _, m := range []map[string]pulumi.StringInput{args.InstanceRoleNames, args.TaskRoleNames} {
		for w, r := range m {
			if w == "" || r == nil {
				return nil, fmt.Errorf("access.NewSessionManager(%q): a role needs a workload name and a role name", name)
			}
			if _, dup := roles[w]; dup {
				return nil, fmt.Errorf("access.NewSessionManager(%q): workload %q is in both InstanceRoleNames and TaskRoleNames; one workload, one role", name, w)
			}
			roles[w] = r
		}
	}

	s := &SessionManager{name: name, Attachments: map[string]*iam.RolePolicyAttachment{}}
	if err := ctx.RegisterComponentResource("platform:access:SessionManager", name, s, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(s)
	protect := pulumi.Protect(args.Protect)
	tg := tags.New("access", args.Tags)
	logGroupName := SessionLogGroupName(name)

	keyPolicy, err := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{
			env.KeyAdminStatement(),
			// Any log group of this account, not only the session group: the
			// Client VPN connection log and ECS Exec use the same key.
			env.LogsKeyStatement(),
			map[string]any{
				// The person starting a session needs the key too (Session
				// Manager generates the session's data key for them). Anyone in
				// this account may use it, but only through Systems Manager:
				// whoever may call ssm:StartSession can encrypt a session, and
				// nobody can use the key directly on the strength of this grant.
				"Sid": "AccountPrincipalsEncryptSessions", "Effect": "Allow",
				"Principal": map[string]any{"AWS": "*"},
				"Action":    []string{"kms:Decrypt", "kms:GenerateDataKey"},
				"Resource":  "*",
				"Condition": map[string]any{"StringEquals": map[string]any{
					"kms:CallerAccount": env.AccountID,
					"kms:ViaService":    "ssm." + env.Region + ".amazonaws.com",
				}},
			},
		},
	})
	if err != nil {
		return nil, err
	}
	s.Key, err = kms.NewKey(ctx, name+"-key", &kms.KeyArgs{
		Description:       pulumi.String("Encrypts Session Manager sessions and session logs of " + name),
		EnableKeyRotation: pulumi.Bool(true),
		// Thirty days, the maximum, to recover from a mistaken deletion.
		DeletionWindowInDays: pulumi.Int(30),
		Policy:               pulumi.String(string(keyPolicy)),
		Tags:                 tg.Named(name + "-sessions"),
	}, parent, protect)
	if err != nil {
		return nil, err
	}
	// The alias is what a person recognises in the console and in CloudTrail.
	s.Alias, err = kms.NewAlias(ctx, name+"-key-alias", &kms.AliasArgs{
		Name:        pulumi.String(SessionKeyAlias(name)),
		TargetKeyId: s.Key.KeyId,
	}, parent)
	if err != nil {
		return nil, err
	}
	s.LogGroup, err = cloudwatch.NewLogGroup(ctx, name+"-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(logGroupName),
		RetentionInDays: pulumi.Int(args.Config.Retention()),
		KmsKeyId:        s.Key.Arn,
		Tags:            tg.Named(name + "-sessions"),
	}, parent)
	if err != nil {
		return nil, err
	}

	if mode := args.Config.Mode(); mode == PreferencesOwn || mode == PreferencesAdopt {
		content := pulumi.All(s.LogGroup.Name, s.Key.KeyId).ApplyT(func(v []any) (string, error) {
			return PreferencesContent(args.Config, v[0].(string), v[1].(string))
		}).(pulumi.StringOutput)
		docOpts := []pulumi.ResourceOption{parent, protect}
		if mode == PreferencesAdopt {
			docOpts = append(docOpts,
				pulumi.Import(pulumi.ID(PreferencesDocumentName)),
				// Whatever the console saved stays, so the import matches and
				// no instance in the account notices; own writes the content.
				pulumi.IgnoreChanges([]string{"content", "tags", "tagsAll"}),
				// It was there before the stack; it stays when the stack goes.
				pulumi.RetainOnDelete(true))
		}
		s.Preferences, err = ssm.NewDocument(ctx, name+"-preferences", &ssm.DocumentArgs{
			// The name is fixed: Session Manager reads its preferences from this
			// document and from no other.
			Name:           pulumi.String(PreferencesDocumentName),
			DocumentType:   pulumi.String("Session"),
			DocumentFormat: pulumi.String("JSON"),
			Content:        content,
			Tags:           tg.Named(PreferencesDocumentName),
		}, docOpts...)
		if err != nil {
			return nil, err
		}
	}

	account := args.Config.AccountPreferences
	if args.Config.Mode() == PreferencesOwn {
		account = nil
	}
	policy := pulumi.All(s.Key.Arn, s.LogGroup.Arn).ApplyT(func(v []any) (string, error) {
		return SessionPolicyWith(env, v[0].(string), v[1].(string), account)
	}).(pulumi.StringOutput)
	s.Policy, err = iam.NewPolicy(ctx, name+"-session-channel", &iam.PolicyArgs{
		Description: pulumi.String("Session Manager and ECS Exec: decrypt the session channel with the session key and write the session log " + logGroupName),
		Policy:      policy,
		Tags:        tg.Named(name + "-session-channel"),
	}, parent)
	if err != nil {
		return nil, err
	}
	for _, w := range sortedKeys(roles) {
		a, err := iam.NewRolePolicyAttachment(ctx, name+"-"+w+"-sessions", &iam.RolePolicyAttachmentArgs{
			Role:      roles[w],
			PolicyArn: s.Policy.Arn,
		}, parent)
		if err != nil {
			return nil, err
		}
		s.Attachments[w] = a
	}

	s.KeyARN = s.Key.Arn
	s.KeyID = s.Key.KeyId
	s.LogGroupName = s.LogGroup.Name
	s.LogGroupARN = s.LogGroup.Arn
	s.PolicyARN = s.Policy.Arn
	if err := ctx.RegisterResourceOutputs(s, pulumi.Map{
		"keyArn":       s.KeyARN,
		"logGroupName": s.LogGroupName,
		"policyArn":    s.PolicyARN,
	}); err != nil {
		return nil, err
	}
	return s, nil
}

// SessionLogGroupName is the log group a SessionManager named name writes sessions to.
func SessionLogGroupName(name string) string { return "/platform/" + name }

// SessionKeyAlias is the alias of the key that encrypts a SessionManager's sessions.
func SessionKeyAlias(name string) string { return "alias/" + name }

// Attach grants the session policy to a role made after the session manager:
// workloads are built after it because they need its key and log group (ECS
// Exec is configured on the cluster with both), so their roles come later.
func (s *SessionManager) Attach(ctx *pulumi.Context, workload string, role pulumi.StringInput) error {
	if _, dup := s.Attachments[workload]; dup {
		return fmt.Errorf("access: the session policy is already attached for %q", workload)
	}
	a, err := iam.NewRolePolicyAttachment(ctx, s.name+"-"+workload+"-sessions", &iam.RolePolicyAttachmentArgs{
		Role:      role,
		PolicyArn: s.Policy.Arn,
	}, pulumi.Parent(s))
	if err != nil {
		return err
	}
	s.Attachments[workload] = a
	return nil
}

// SessionPolicy is the session policy's document: what an instance or task
// needs, beyond AmazonSSMManagedInstanceCore, for an encrypted, logged session.
//
// DescribeLogGroups is the one action not on the group: CloudWatch Logs
// authorizes it against the account's log-group listing, never a single
// group, and the agent calls it before every session to check the group
// exists and is encrypted (scoped to the group, sessions hang at connect). It
// reads names and settings, not log data, and is held to this account and region.
func SessionPolicy(env awsenv.Env, keyARN, logGroupARN string) (string, error) {
	return SessionPolicyWith(env, keyARN, logGroupARN, nil)
}

// SessionPolicyWith is SessionPolicy plus the grants a document this stack
// does not write asks for (AccountPreferencesStatements).
func SessionPolicyWith(env awsenv.Env, keyARN, logGroupARN string, account *AccountPreferences) (string, error) {
	b, err := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": append([]any{
			map[string]any{
				"Sid": "DecryptSessionChannel", "Effect": "Allow",
				"Action":   SessionChannelActions.KMS,
				"Resource": keyARN,
			},
			map[string]any{
				"Sid": "WriteSessionLog", "Effect": "Allow",
				"Action":   SessionChannelActions.Logs,
				"Resource": []string{logGroupARN, logGroupARN + ":*"},
			},
			map[string]any{
				"Sid": "FindSessionLogGroup", "Effect": "Allow",
				"Action":   SessionChannelActions.LogsDescribe,
				"Resource": env.ARN("logs", env.Region, "log-group:*"),
			},
		}, AccountPreferencesStatements(env, account)...),
	})
	return string(b), err
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
