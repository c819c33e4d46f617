package compute

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const webImage = "111122223333.dkr.ecr.us-east-1.amazonaws.com/web:1.42.0"

func userDataOf(t *testing.T, doc string) string {
	t.Helper()
	g, _ := buildFleet(t, doc)
	raw, _ := named(t, g, tLT, "p-app").Inputs["userData"].(string)
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFleet_AContainerRunsUnderSystemdOnTheFleetsPort(t *testing.T) {
	script := userDataOf(t, `{"app": {"kind": "ec2", "port": 8080, "container": {"image": "`+webImage+`", "port": 3000, "environment": {"MODE": "prod"}}}}`)
	for _, want := range []string{
		"dnf install -y docker",
		"aws ecr get-login-password --region us-east-1 | docker login --username AWS --password-stdin 111122223333.dkr.ecr.us-east-1.amazonaws.com",
		"ExecStartPre=/usr/bin/docker pull " + webImage,
		"ExecStart=/usr/bin/docker run --rm --name app --env-file /etc/app.env -p 8080:3000 " + webImage,
		"Restart=always",
		"MODE=prod\nENV",
		"systemctl enable --now app.service",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("user data lacks %q:\n%s", want, script)
		}
	}
	// An image outside ECR is pulled without an ECR login.
	if s := userDataOf(t, `{"app": {"kind": "ec2", "container": {"image": "nginx:1.27"}}}`); strings.Contains(s, "ecr get-login-password") || !strings.Contains(s, "-p 8080:8080 nginx:1.27") {
		t.Errorf("public image:\n%s", s)
	}
}

func TestFleet_ReadsExactlyTheArtifactItNames(t *testing.T) {
	g, f := buildFleet(t, `{"app": {"kind": "ec2", "container": {"image": "`+webImage+`"}, "artifact": {"s3Bucket": "acme-artifacts", "s3Key": "web/1.42.0.tar.gz"}}}`)
	if len(f.Runtime.Grants) != 1 || f.Runtime.Grants[0].Key != "artifact" {
		t.Fatalf("grants %+v: want the one artifact grant", f.Runtime.Grants)
	}
	pol := named(t, g, tRolePolicy, "p-app-role-artifact")
	var doc struct {
		Statement []struct {
			Sid      string
			Action   []string
			Resource any
		}
	}
	if err := json.Unmarshal([]byte(pol.Inputs["policy"].(string)), &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for _, s := range doc.Statement {
		got[s.Sid] = s.Resource
	}
	equal(t, "resources", got, map[string]any{
		"ECRLogin":     "*",
		"PullImage":    "arn:aws:ecr:us-east-1:111122223333:repository/web",
		"ReadArtifact": "arn:aws:s3:::acme-artifacts/web/1.42.0.tar.gz",
	})
	g2, f2 := buildFleet(t, fleetDoc)
	if len(f2.Runtime.Grants) != 0 || len(g2.OfType(tRolePolicy)) != 0 {
		t.Error("a fleet that names no artifact reads none")
	}
}

func TestFleet_ImageIsPinnedOrResolvedAtDeployTime(t *testing.T) {
	image := func(doc string) string {
		g, _ := buildFleet(t, doc)
		id, _ := named(t, g, tLT, "p-app").Inputs["imageId"].(string)
		return id
	}
	if got := image(`{"app": {"kind": "ec2", "ami": "ami-0abcdef1234567890"}}`); got != "ami-0abcdef1234567890" {
		t.Errorf("pinned: %q", got)
	}
	own := image(`{"app": {"kind": "ec2", "amiParameter": "/acme/web/ami"}}`)
	def := image(`{"app": {"kind": "ec2", "userData": "#!/bin/sh"}}`)
	if !amiID.MatchString(own) || !amiID.MatchString(def) || own == def {
		t.Errorf("own parameter %q, default %q: want two recorded AMI IDs", own, def)
	}
}

func TestFleet_InstanceRefreshKeepsTheConfiguredShareServing(t *testing.T) {
	for _, tt := range []struct {
		doc      string
		min, max float64
	}{
		{`{"app": {"kind": "ec2", "userData": "x"}}`, 100, 200},
		{`{"app": {"kind": "ec2", "userData": "x", "minHealthyPercentage": 90}}`, 90, 190},
		{`{"app": {"kind": "ec2", "userData": "x", "minHealthyPercentage": 0}}`, 0, 100},
	} {
		g, _ := buildFleet(t, tt.doc)
		asg := named(t, g, tASG, "p-app")
		equal(t, "strategy", at(asg.Inputs, "instanceRefresh", "strategy"), "Rolling")
		equal(t, "min healthy", at(asg.Inputs, "instanceRefresh", "preferences", "minHealthyPercentage"), tt.min)
		equal(t, "max healthy", at(asg.Inputs, "instanceRefresh", "preferences", "maxHealthyPercentage"), tt.max)
	}
}

func TestFleet_ApplicationSettingsAreChecked(t *testing.T) {
	for _, tt := range []struct{ name, doc, want string }{
		{"ami and parameter", `{"app": {"kind": "ec2", "ami": "ami-0abcdef1234567890", "amiParameter": "/a/b"}}`, "app.amiParameter: set ami"},
		{"bad ami", `{"app": {"kind": "ec2", "ami": "ami-xyz"}}`, "app.ami: \"ami-xyz\" is not an AMI ID"},
		{"bad parameter", `{"app": {"kind": "ec2", "amiParameter": "a b"}}`, "app.amiParameter"},
		{"container and user data", `{"app": {"kind": "ec2", "userData": "x", "container": {"image": "i"}}}`, "app.userData: container writes"},
		{"container without image", `{"app": {"kind": "ec2", "container": {"port": 80}}}`, "app.container.image: required"},
		{"container port", `{"app": {"kind": "ec2", "container": {"image": "i", "port": 70000}}}`, "app.container.port"},
		{"multi-line value", `{"app": {"kind": "ec2", "container": {"image": "i", "environment": {"A": "x\ny"}}}}`, "app.container.environment.A"},
		{"artifact without key", `{"app": {"kind": "ec2", "userData": "x", "artifact": {"s3Bucket": "acme-artifacts"}}}`, "app.artifact.s3Key"},
		{"artifact bad bucket", `{"app": {"kind": "ec2", "userData": "x", "artifact": {"s3Bucket": "A", "s3Key": "k"}}}`, "app.artifact.s3Bucket"},
		{"min healthy below 0", `{"app": {"kind": "ec2", "userData": "x", "minHealthyPercentage": -1}}`, "app.minHealthyPercentage"},
		{"min healthy above 100", `{"app": {"kind": "ec2", "userData": "x", "minHealthyPercentage": 101}}`, "app.minHealthyPercentage"},
		{"routed fleet without an application", `{"web": {"kind": "alb", "defaultTarget": "app"}, "app": {"kind": "ec2"}}`, "platform:workloads.app: web routes traffic here, but the instances run no application"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, msgs := decodeJSON(t, tt.doc, devCtx)
			if !strings.Contains(strings.Join(msgs, "\n"), tt.want) {
				t.Errorf("got %q, want %q", msgs, tt.want)
			}
		})
	}
	for _, ok := range []string{
		`{"app": {"kind": "ec2"}}`, // not routed: a bastion-like fleet may run stock Amazon Linux
		`{"web": {"kind": "alb", "defaultTarget": "app"}, "app": {"kind": "ec2", "ami": "ami-0abcdef1234567890"}}`,
		`{"web": {"kind": "alb", "defaultTarget": "app"}, "app": {"kind": "ec2", "amiParameter": "/acme/web/ami"}}`,
		`{"web": {"kind": "alb", "defaultTarget": "app"}, "app": {"kind": "ec2", "userData": "#!/bin/sh"}}`,
		`{"web": {"kind": "alb", "defaultTarget": "app"}, "app": {"kind": "ec2", "container": {"image": "i"}, "minHealthyPercentage": 0}}`,
	} {
		if _, msgs := decodeJSON(t, ok, devCtx); len(msgs) > 0 {
			t.Errorf("%s: %q", ok, msgs)
		}
	}
}

func TestFleet_GeneratedUserDataMustFitEC2sLimit(t *testing.T) {
	big := strings.Repeat("x", 13*1024)
	_, msgs := decodeJSON(t, `{"app": {"kind": "ec2", "container": {"image": "i", "environment": {"BIG": "`+big+`"}}}}`, devCtx)
	if !strings.Contains(strings.Join(msgs, "\n"), "app.container: the generated user data is") {
		t.Errorf("got %q", msgs)
	}
}

func TestFleet_OwnTagsWinOverTheDefaultTags(t *testing.T) {
	c := mustConfig(t, `{"app": {"kind": "ec2", "userData": "x"}}`, devCtx)
	g := run(t, func(ctx *pulumi.Context) error {
		_, err := NewFleet(ctx, "p-app", &FleetArgs{
			Workload: "app", Spec: *c["app"].EC2, PrivateSubnetIDs: ids(privateSubnets), SecurityGroupID: pulumi.String("sg-app"),
			Env: testEnv, Tags: testTags, DefaultTags: map[string]string{"team": "default", "owner": "sre"},
		})
		return err
	})
	for _, spec := range named(t, g, tLT, "p-app").Inputs["tagSpecifications"].([]any) {
		equal(t, "own tag", at(spec, "tags", "team"), "web")
		equal(t, "default tag", at(spec, "tags", "owner"), "sre")
	}
	tags := map[string]any{}
	for _, tag := range named(t, g, tASG, "p-app").Inputs["tags"].([]any) {
		tags[at(tag, "key").(string)] = at(tag, "value")
	}
	equal(t, "group own tag", tags["team"], "web")
	equal(t, "group default tag", tags["owner"], "sre")
}

// The application container is one hop further from the instance metadata
// than the host; it needs the role (its settings, its stores), so its fleet
// allows two hops. Every other fleet keeps one.
func TestFleet_OnlyAContainerApplicationGetsASecondMetadataHop(t *testing.T) {
	for _, tt := range []struct {
		doc  string
		want float64
	}{
		{`{"app": {"kind": "ec2", "container": {"image": "` + webImage + `"}}}`, 2},
		{`{"app": {"kind": "ec2", "userData": "#!/bin/sh\ntrue\n"}}`, 1},
		{`{"app": {"kind": "ec2"}}`, 1},
	} {
		g, _ := buildFleet(t, tt.doc)
		got := at(named(t, g, tLT, "p-app").Inputs, "metadataOptions", "httpPutResponseHopLimit")
		equal(t, tt.doc, got, tt.want)
	}
}
