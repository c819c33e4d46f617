package access_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/access"
	"github.com/acme/platform/internal/sim"
)

const (
	smName      = "prod-access"
	keyARN      = "arn:aws:kms:us-east-1:123456789012:key/"
	logGroupARN = "arn:aws:logs:us-east-1:123456789012:log-group:/platform/prod-access"
)

func maxSession(n int) *int { return &n }

// sessionGraph registers a SessionManager with two fleets and one ECS
// service; it owns the preferences unless cfg says otherwise.
func sessionGraph(t *testing.T, cfg access.SessionManagerConfig, edit func(a *access.SessionManagerArgs)) *sim.Graph {
	t.Helper()
	if cfg.Preferences == "" {
		cfg.Preferences = access.PreferencesOwn
	}
	return simulate(t, func(ctx *pulumi.Context) error {
		args := &access.SessionManagerArgs{
			Config: cfg,
			Env:    env,
			InstanceRoleNames: map[string]pulumi.StringInput{
				"web":    pulumi.String("prod-web-role"),
				"worker": pulumi.String("prod-worker-role"),
			},
			TaskRoleNames: map[string]pulumi.StringInput{
				"api": pulumi.String("prod-api-task-role"),
			},
			Tags: map[string]string{"owner": "platform"},
		}
		if edit != nil {
			edit(args)
		}
		_, err := access.NewSessionManager(ctx, smName, args)
		return err
	})
}

func preferences(t *testing.T, g *sim.Graph) map[string]any {
	t.Helper()
	doc := mustNamed(t, g, tDocument, smName+"-preferences")
	var content map[string]any
	if err := json.Unmarshal([]byte(str(doc, "content")), &content); err != nil {
		t.Fatalf("document content is not JSON: %v", err)
	}
	return content
}

func TestSessionManager_PreferencesAreTheSessionDocumentSessionManagerReads(t *testing.T) {
	g := sessionGraph(t, access.SessionManagerConfig{}, nil)
	docs := g.OfType(tDocument)
	if len(docs) != 1 {
		t.Fatalf("%d documents, want exactly the preferences", len(docs))
	}
	d := docs[0]
	if str(d, "name") != "SSM-SessionManagerRunShell" || str(d, "documentType") != "Session" || str(d, "documentFormat") != "JSON" {
		t.Errorf("document name=%q type=%q format=%q; want SSM-SessionManagerRunShell, Session, JSON",
			str(d, "name"), str(d, "documentType"), str(d, "documentFormat"))
	}
	if d.ImportID != "" {
		t.Errorf("import ID %q set with preferences: own", d.ImportID)
	}
	c := preferences(t, g)
	if c["schemaVersion"] != "1.0" || c["sessionType"] != "Standard_Stream" {
		t.Errorf("schemaVersion=%v sessionType=%v", c["schemaVersion"], c["sessionType"])
	}
}

func TestSessionManager_PreferencesEncryptAndLogEverySession(t *testing.T) {
	g := sessionGraph(t, access.SessionManagerConfig{}, nil)
	key := mustNamed(t, g, tKey, smName+"-key")
	in := preferences(t, g)["inputs"].(map[string]any)
	want := map[string]any{
		"s3BucketName":                "",
		"s3KeyPrefix":                 "",
		"s3EncryptionEnabled":         true,
		"cloudWatchLogGroupName":      "/platform/prod-access",
		"cloudWatchEncryptionEnabled": true,
		"cloudWatchStreamingEnabled":  true,
		"kmsKeyId":                    key.ID,
		"idleSessionTimeout":          "20",
		"maxSessionDuration":          "480",
		"runAsEnabled":                false,
		"runAsDefaultUser":            "",
		"shellProfile":                map[string]any{"linux": "", "windows": ""},
	}
	for k, w := range want {
		if got, ok := in[k]; !ok || !equalJSON(got, w) {
			t.Errorf("inputs.%s = %#v, want %#v", k, got, w)
		}
	}
	for k := range in {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected input %q", k)
		}
	}
}

func TestSessionManager_PreferencesFollowTheConfig(t *testing.T) {
	tests := []struct {
		name            string
		cfg             access.SessionManagerConfig
		idle, max, user string
		runAs           bool
		retention       float64
	}{
		{"defaults", access.SessionManagerConfig{}, "20", "480", "", false, 365},
		{"idle timeout from config", access.SessionManagerConfig{IdleTimeoutMinutes: 5}, "5", "480", "", false, 365},
		{"explicit maximum", access.SessionManagerConfig{MaxSessionMinutes: maxSession(60)}, "20", "60", "", false, 365},
		{"no maximum leaves the field empty", access.SessionManagerConfig{MaxSessionMinutes: maxSession(0)}, "20", "", "", false, 365},
		{"run as", access.SessionManagerConfig{RunAsUser: "ops"}, "20", "480", "ops", true, 365},
		{"retention", access.SessionManagerConfig{LogRetentionDays: 731}, "20", "480", "", false, 731},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := sessionGraph(t, tt.cfg, nil)
			in := preferences(t, g)["inputs"].(map[string]any)
			if in["idleSessionTimeout"] != tt.idle || in["maxSessionDuration"] != tt.max ||
				in["runAsDefaultUser"] != tt.user || in["runAsEnabled"] != tt.runAs {
				t.Errorf("idle=%v max=%v user=%v runAs=%v; want %s %s %q %v",
					in["idleSessionTimeout"], in["maxSessionDuration"], in["runAsDefaultUser"], in["runAsEnabled"], tt.idle, tt.max, tt.user, tt.runAs)
			}
			lg := mustNamed(t, g, tLogGroup, smName+"-logs")
			if lg.Inputs["retentionInDays"] != tt.retention {
				t.Errorf("retention %v, want %v", lg.Inputs["retentionInDays"], tt.retention)
			}
		})
	}
}

func TestSessionManager_LogGroupIsEncryptedWithTheSessionKeyAndRetained(t *testing.T) {
	g := sessionGraph(t, access.SessionManagerConfig{}, nil)
	key := mustNamed(t, g, tKey, smName+"-key")
	lg := mustNamed(t, g, tLogGroup, smName+"-logs")
	if str(lg, "name") != "/platform/prod-access" {
		t.Errorf("log group name %q", str(lg, "name"))
	}
	if str(lg, "kmsKeyId") != keyARN+key.ID {
		t.Errorf("log group kmsKeyId %q, want the session key %s", str(lg, "kmsKeyId"), keyARN+key.ID)
	}
	if lg.Inputs["retentionInDays"] != float64(365) {
		t.Errorf("retention %v, want 365", lg.Inputs["retentionInDays"])
	}
}

func TestSessionManager_KeyRotatesHasAnAliasAndAScopedPolicy(t *testing.T) {
	g := sessionGraph(t, access.SessionManagerConfig{}, nil)
	key := mustNamed(t, g, tKey, smName+"-key")
	if key.Inputs["enableKeyRotation"] != true || key.Inputs["deletionWindowInDays"] != float64(30) {
		t.Errorf("rotation=%v deletionWindow=%v; want true, 30", key.Inputs["enableKeyRotation"], key.Inputs["deletionWindowInDays"])
	}
	alias := mustNamed(t, g, tAlias, smName+"-key-alias")
	if str(alias, "name") != "alias/prod-access" || str(alias, "targetKeyId") != key.ID {
		t.Errorf("alias %q -> %q", str(alias, "name"), str(alias, "targetKeyId"))
	}

	p := parsePolicy(t, str(key, "policy"))
	bySid := map[string]statement{}
	for _, s := range p.Statement {
		bySid[s.Sid] = s
		if s.Effect != "Allow" {
			t.Errorf("%s: effect %s", s.Sid, s.Effect)
		}
	}
	if len(bySid) != 3 {
		t.Fatalf("key policy has %d statements, want 3: %+v", len(p.Statement), p.Statement)
	}
	admin := bySid["AccountAdministers"]
	if admin.Principal["AWS"] != "arn:aws:iam::123456789012:root" || !slices.Equal(strs(admin.Action), []string{"kms:*"}) {
		t.Errorf("admin statement %+v", admin)
	}
	logs := bySid["LogsEncryptsThisAccountsGroups"]
	if logs.Principal["Service"] != "logs.us-east-1.amazonaws.com" ||
		logs.Condition["ArnLike"]["kms:EncryptionContext:aws:logs:arn"] != "arn:aws:logs:us-east-1:123456789012:log-group:*" {
		t.Errorf("logs statement %+v", logs)
	}
	use := bySid["AccountPrincipalsEncryptSessions"]
	if !slices.Equal(strs(use.Action), []string{"kms:Decrypt", "kms:GenerateDataKey"}) ||
		use.Condition["StringEquals"]["kms:ViaService"] != "ssm.us-east-1.amazonaws.com" ||
		use.Condition["StringEquals"]["kms:CallerAccount"] != "123456789012" {
		t.Errorf("session use statement %+v", use)
	}
}

func TestSessionManager_PolicyGrantsExactlyTheKeyAndTheLogGroup(t *testing.T) {
	g := sessionGraph(t, access.SessionManagerConfig{}, nil)
	key := mustNamed(t, g, tKey, smName+"-key")
	pol := mustNamed(t, g, tPolicy, smName+"-session-channel")
	p := parsePolicy(t, str(pol, "policy"))

	// Every (action, resource) pair the policy grants.
	type grant struct{ action, resource string }
	var got []grant
	for _, s := range p.Statement {
		if s.Effect != "Allow" || s.Principal != nil || s.Condition != nil {
			t.Errorf("statement %s: effect %s, principal %v, condition %v", s.Sid, s.Effect, s.Principal, s.Condition)
		}
		for _, a := range strs(s.Action) {
			for _, r := range strs(s.Resource) {
				got = append(got, grant{a, r})
			}
		}
	}
	k := keyARN + key.ID
	want := []grant{
		{"kms:Decrypt", k},
		{"kms:GenerateDataKey", k},
		{"logs:CreateLogStream", logGroupARN},
		{"logs:CreateLogStream", logGroupARN + ":*"},
		{"logs:DescribeLogStreams", logGroupARN},
		{"logs:DescribeLogStreams", logGroupARN + ":*"},
		{"logs:PutLogEvents", logGroupARN},
		{"logs:PutLogEvents", logGroupARN + ":*"},
		// CloudWatch Logs authorizes DescribeLogGroups against the account's
		// listing, never one group; the agent calls it before every session.
		{"logs:DescribeLogGroups", "arn:aws:logs:us-east-1:123456789012:log-group:*"},
	}
	less := func(s []grant) func(i, j int) bool {
		return func(i, j int) bool { return s[i].action+s[i].resource < s[j].action+s[j].resource }
	}
	sort.Slice(got, less(got))
	sort.Slice(want, less(want))
	if !slices.Equal(got, want) {
		t.Errorf("grants:\n got %v\nwant %v", got, want)
	}
}

func TestSessionManager_PolicyIsAttachedToEveryInstanceAndTaskRole(t *testing.T) {
	g := sessionGraph(t, access.SessionManagerConfig{}, nil)
	pol := mustNamed(t, g, tPolicy, smName+"-session-channel")
	want := map[string]string{
		smName + "-web-sessions":    "prod-web-role",
		smName + "-worker-sessions": "prod-worker-role",
		smName + "-api-sessions":    "prod-api-task-role",
	}
	atts := g.OfType(tAttachment)
	if len(atts) != len(want) {
		t.Errorf("%d attachments, want %d", len(atts), len(want))
	}
	for _, a := range atts {
		role, ok := want[a.Name]
		if !ok {
			t.Errorf("unexpected attachment %s", a.Name)
			continue
		}
		if str(a, "role") != role {
			t.Errorf("%s attaches to %q, want %q", a.Name, str(a, "role"), role)
		}
		if !strings.HasPrefix(str(a, "policyArn"), "arn:aws:iam:") || !slices.Contains(a.Dependencies, pol.URN) {
			t.Errorf("%s attaches %q, not the session policy", a.Name, str(a, "policyArn"))
		}
	}
}

func TestSessionManager_EveryChildBelongsToTheComponent(t *testing.T) {
	g := sessionGraph(t, access.SessionManagerConfig{}, nil)
	comp := mustNamed(t, g, tSessionManager, smName)
	kids := g.Children(comp.URN)
	// key, alias, log group, document, policy, three attachments
	if len(kids) != 8 {
		t.Errorf("%d children, want 8", len(kids))
	}
	for _, r := range kids {
		if !strings.HasPrefix(r.Name, smName+"-") {
			t.Errorf("child %s is not named after the component", r.Name)
		}
	}
}

func TestSessionManager_ProtectCoversKeyAndPreferences(t *testing.T) {
	g := sessionGraph(t, access.SessionManagerConfig{}, func(a *access.SessionManagerArgs) { a.Protect = true })
	for _, r := range []struct{ typ, name string }{{tKey, smName + "-key"}, {tDocument, smName + "-preferences"}} {
		if !mustNamed(t, g, r.typ, r.name).Protect {
			t.Errorf("%s is not protected", r.name)
		}
	}
}

func TestSessionManager_AdoptImportsTheConsoleDocumentUnchanged(t *testing.T) {
	g := sessionGraph(t, access.SessionManagerConfig{Preferences: access.PreferencesAdopt}, nil)
	d := mustNamed(t, g, tDocument, smName+"-preferences")
	if d.ImportID != "SSM-SessionManagerRunShell" || !slices.Equal(d.IgnoreChanges, []string{"content", "tags", "tagsAll"}) || !d.RetainOnDelete {
		t.Errorf("import ID %q, ignoreChanges %v, retained %v", d.ImportID, d.IgnoreChanges, d.RetainOnDelete)
	}
}

// Owning writes the document and keeps it only while the stack does.
func TestSessionManager_OwnWritesTheDocument(t *testing.T) {
	d := mustNamed(t, sessionGraph(t, access.SessionManagerConfig{Preferences: access.PreferencesOwn}, nil), tDocument, smName+"-preferences")
	if d.ImportID != "" || len(d.IgnoreChanges) != 0 || d.RetainOnDelete {
		t.Errorf("own: import %q, ignoreChanges %v, retained %v", d.ImportID, d.IgnoreChanges, d.RetainOnDelete)
	}
}

// none registers no document at all; the key, log group and session policy
// stay (ECS Exec and the VPN log use them), and the policy grants what the
// account's preferences name.
func TestSessionManager_NoneLeavesTheDocumentAloneAndGrantsTheAccountsPreferences(t *testing.T) {
	cfg := access.SessionManagerConfig{Preferences: access.PreferencesNone, AccountPreferences: &access.AccountPreferences{
		KMSKey: "alias/prod-sessions", LogGroup: "/platform/prod-sessions", S3Bucket: "acme-session-logs"}}
	g := sessionGraph(t, cfg, nil)
	if docs := g.OfType(tDocument); len(docs) != 0 {
		t.Fatalf("documents %v", docs)
	}
	for _, typ := range []string{tKey, tLogGroup, tPolicy} {
		if len(g.OfType(typ)) != 1 {
			t.Errorf("%s: %d", typ, len(g.OfType(typ)))
		}
	}
	var doc struct{ Statement []statement }
	if err := json.Unmarshal([]byte(str(mustNamed(t, g, tPolicy, smName+"-session-channel"), "policy")), &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]statement{}
	for _, st := range doc.Statement {
		got[st.Sid] = st
	}
	kms := got["DecryptAccountSessions"]
	if fmt.Sprint(kms.Resource) != "arn:aws:kms:us-east-1:123456789012:key/*" ||
		fmt.Sprint(kms.Condition["ForAnyValue:StringEquals"]["kms:ResourceAliases"]) != "alias/prod-sessions" {
		t.Errorf("kms grant %+v", kms)
	}
	if fmt.Sprint(got["WriteAccountSessionLog"].Resource) != "[arn:aws:logs:us-east-1:123456789012:log-group:/platform/prod-sessions arn:aws:logs:us-east-1:123456789012:log-group:/platform/prod-sessions:*]" {
		t.Errorf("log grant %+v", got["WriteAccountSessionLog"])
	}
	if fmt.Sprint(got["WriteAccountSessionTranscripts"].Resource) != "arn:aws:s3:::acme-session-logs/*" || fmt.Sprint(got["CheckAccountSessionBucket"].Resource) != "arn:aws:s3:::acme-session-logs" {
		t.Errorf("s3 grants %+v %+v", got["WriteAccountSessionTranscripts"], got["CheckAccountSessionBucket"])
	}
	// The stack's own key and group stay granted (ECS Exec).
	if _, ok := got["DecryptSessionChannel"]; !ok {
		t.Error("the stack's own session key is no longer granted")
	}
	// A key ARN is granted as it is.
	cfg.AccountPreferences = &access.AccountPreferences{KMSKey: "arn:aws:kms:us-east-1:123456789012:key/0f0f0f0f-1111-2222-3333-444444444444"}
	p := str(mustNamed(t, sessionGraph(t, cfg, nil), tPolicy, smName+"-session-channel"), "policy")
	if !strings.Contains(p, `"Resource":"arn:aws:kms:us-east-1:123456789012:key/0f0f0f0f-1111-2222-3333-444444444444","Sid":"DecryptAccountSessions"`) || strings.Contains(p, "ResourceAliases") {
		t.Errorf("key ARN grant: %s", p)
	}
	// An alias ARN names the alias, not the key: granted through the alias too.
	cfg.AccountPreferences = &access.AccountPreferences{KMSKey: "arn:aws:kms:us-east-1:123456789012:alias/prod-sessions"}
	p = str(mustNamed(t, sessionGraph(t, cfg, nil), tPolicy, smName+"-session-channel"), "policy")
	if !strings.Contains(p, `"kms:ResourceAliases":"alias/prod-sessions"`) || strings.Contains(p, `"Resource":"arn:aws:kms:us-east-1:123456789012:alias/prod-sessions"`) {
		t.Errorf("alias ARN grant: %s", p)
	}
}

func TestSessionManager_RejectsAWorkloadWithTwoRoles(t *testing.T) {
	m := sim.NewMonitor("platform", "test", "us-east-1")
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := access.NewSessionManager(ctx, smName, &access.SessionManagerArgs{
			Env:               env,
			InstanceRoleNames: map[string]pulumi.StringInput{"web": pulumi.String("a")},
			TaskRoleNames:     map[string]pulumi.StringInput{"web": pulumi.String("b")},
		})
		return err
	}, pulumi.WithMocks("platform", "test", m))
	want := `access.NewSessionManager("prod-access"): workload "web" is in both InstanceRoleNames and TaskRoleNames; one workload, one role`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want %s", err, want)
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
