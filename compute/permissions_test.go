package compute

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// plainStatements renders grants with plain resources for comparison.
func plainStatements(t *testing.T, g Grant) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, s := range g.Statements {
		var res []string
		for _, r := range s.Resources {
			str, ok := r.(pulumi.String)
			if !ok {
				t.Fatalf("resource %v is not plain", r)
			}
			res = append(res, string(str))
		}
		st := map[string]any{"sid": s.Sid, "actions": s.Actions, "resources": res}
		if s.Condition != nil {
			b, _ := json.Marshal(s.Condition)
			st["condition"] = string(b)
		}
		out = append(out, st)
	}
	return out
}

func TestPermissionGrants_AreLeastPrivilegePerServiceAndAccess(t *testing.T) {
	perm := func(svc, res, access string) Permission {
		p := Permission{Access: access}
		switch svc {
		case "s3":
			p.S3 = res
		case "sqs":
			p.SQS = res
		case "sns":
			p.SNS = res
		case "kms":
			p.KMS = res
		case "dynamodb":
			p.DynamoDB = res
		}
		return p
	}
	const key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	for _, tt := range []struct {
		name string
		p    Permission
		want []map[string]any
	}{
		{"read an S3 prefix", perm("s3", "uploads/incoming/", AccessRead), []map[string]any{
			{"sid": "S3List", "actions": []string{"s3:ListBucket"}, "resources": []string{"arn:aws:s3:::uploads"}, "condition": `{"StringLike":{"s3:prefix":["incoming/*"]}}`},
			{"sid": "S3Read", "actions": []string{"s3:GetObject", "s3:GetObjectVersion"}, "resources": []string{"arn:aws:s3:::uploads/incoming/*"}},
		}},
		{"write a whole bucket by ARN", perm("s3", "arn:aws:s3:::uploads", AccessWrite), []map[string]any{
			{"sid": "S3Write", "actions": []string{"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:PutObject"}, "resources": []string{"arn:aws:s3:::uploads/*"}},
		}},
		{"consume a queue by name", perm("sqs", "jobs", AccessRead), []map[string]any{
			{"sid": "SQSConsume", "actions": []string{"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage"}, "resources": []string{"arn:aws:sqs:us-east-1:123456789012:jobs"}},
		}},
		{"send and consume", perm("sqs", "arn:aws:sqs:us-east-1:123456789012:jobs.fifo", AccessReadWrite), []map[string]any{
			{"sid": "SQSConsume", "actions": []string{"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage"}, "resources": []string{"arn:aws:sqs:us-east-1:123456789012:jobs.fifo"}},
			{"sid": "SQSSend", "actions": []string{"sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"}, "resources": []string{"arn:aws:sqs:us-east-1:123456789012:jobs.fifo"}},
		}},
		{"publish", perm("sns", "alerts", AccessWrite), []map[string]any{
			{"sid": "SNSPublish", "actions": []string{"sns:Publish"}, "resources": []string{"arn:aws:sns:us-east-1:123456789012:alerts"}},
		}},
		{"decrypt", perm("kms", key, AccessRead), []map[string]any{
			{"sid": "KMSDecrypt", "actions": []string{"kms:Decrypt", "kms:DescribeKey"}, "resources": []string{key}},
		}},
		{"read a table and its indexes", perm("dynamodb", "orders", AccessRead), []map[string]any{
			{"sid": "DynamoDBRead", "actions": []string{"dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"},
				"resources": []string{"arn:aws:dynamodb:us-east-1:123456789012:table/orders", "arn:aws:dynamodb:us-east-1:123456789012:table/orders/index/*"}},
		}},
		{"write a table", perm("dynamodb", "orders", AccessWrite), []map[string]any{
			{"sid": "DynamoDBWrite", "actions": []string{"dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:DescribeTable", "dynamodb:PutItem", "dynamodb:UpdateItem"}, "resources": []string{"arn:aws:dynamodb:us-east-1:123456789012:table/orders"}},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			grants := PermissionGrants(map[string]Permission{"it": tt.p}, testEnv)
			if len(grants) != 1 || grants[0].Key != "app-it" {
				t.Fatalf("want one grant app-it, got %+v", grants)
			}
			if err := grants[0].check(false); err != nil {
				t.Fatalf("the runtime would refuse it: %v", err)
			}
			equal(t, "statements", plainStatements(t, grants[0]), tt.want)
		})
	}
	raw := PermissionGrants(map[string]Permission{"x": {Reason: "r", Statement: &RawStatement{
		Actions: []string{"textract:AnalyzeDocument"}, Resources: []string{"arn:aws:textract:us-east-1:123456789012:adapter/a"}}}}, testEnv)
	equal(t, "raw statement kept as written", plainStatements(t, raw[0]), []map[string]any{
		{"sid": "Declared", "actions": []string{"textract:AnalyzeDocument"}, "resources": []string{"arn:aws:textract:us-east-1:123456789012:adapter/a"}}})
}

func TestPermissions_RejectEachMistakeWithItsKey(t *testing.T) {
	doc := func(perm string) string {
		return `{"api": {"kind": "ecs", "image": "i", "permissions": {"it": ` + perm + `}}}`
	}
	const k = "platform:workloads.api.permissions.it"
	for _, tt := range []struct{ name, perm, want string }{
		{"nothing named", `{"access": "read"}`, k + `: names no resource; set one of s3, sqs, sns, kms, dynamodb (with access), or statement (with reason)`},
		{"two resources", `{"s3": "b-1", "sqs": "q", "access": "read"}`, k + `: names 2 resources; one permission names one (s3, sqs, sns, kms, dynamodb or statement): split it`},
		{"no access level", `{"sqs": "q"}`, k + `.access: required; use read, write or readWrite`},
		{"an unknown access level", `{"sqs": "q", "access": "admin"}`, k + `.access: "admin" is not an access level; use read, write or readWrite`},
		{"reading a topic", `{"sns": "t", "access": "read"}`, k + `.access: an SNS topic is only published to; use access: write (subscribers are configured on the topic, not granted here)`},
		{"a malformed ARN", `{"sqs": "arn:aws:sqs:us-east-1:jobs", "access": "read"}`, k + `.sqs: "arn:aws:sqs:us-east-1:jobs" is not an ARN; write arn:<partition>:sqs:<region>:<account>:<resource>`},
		{"an ARN of another service", `{"sqs": "arn:aws:sns:us-east-1:123456789012:t", "access": "read"}`, k + `.sqs: "arn:aws:sns:us-east-1:123456789012:t" is an ARN of sns, not sqs`},
		{"a wildcard", `{"s3": "uploads/*", "access": "read"}`, k + `.s3: "uploads/*" contains *; name one resource (an S3 prefix is matched with everything under it already)`},
		{"a key alias", `{"kms": "arn:aws:kms:us-east-1:123456789012:alias/app", "access": "read"}`, k + `.kms: "arn:aws:kms:us-east-1:123456789012:alias/app" is not a key ARN; IAM checks key permissions against arn:<partition>:kms:<region>:<account>:key/<id> (an alias ARN grants nothing)`},
		{"a key id", `{"kms": "1234abcd-12ab", "access": "read"}`, k + `.kms: "1234abcd-12ab": give the key's ARN (arn:<partition>:kms:<region>:<account>:key/<id>); IAM checks key permissions against it, not against an id or alias`},
		{"a bad bucket", `{"s3": "Uploads", "access": "read"}`, k + `.s3: "Uploads" is not an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens)`},
		{"an S3 ARN with an account", `{"s3": "arn:aws:s3:us-east-1:123456789012:uploads", "access": "read"}`, k + `.s3: "arn:aws:s3:us-east-1:123456789012:uploads": S3 ARNs have no region or account (arn:aws:s3:::bucket/prefix)`},
		{"a table ARN without table/", `{"dynamodb": "arn:aws:dynamodb:us-east-1:123456789012:orders", "access": "read"}`, k + `.dynamodb: "arn:aws:dynamodb:us-east-1:123456789012:orders" is not a table ARN (arn:<partition>:dynamodb:<region>:<account>:table/<name>)`},
		{"another partition", `{"sqs": "arn:aws-cn:sqs:cn-north-1:123456789012:q", "access": "read"}`, k + `.sqs: "arn:aws-cn:sqs:cn-north-1:123456789012:q" is in partition aws-cn; the stack deploys to us-east-1 (aws)`},
		{"a raw statement without reason", `{"statement": {"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::b/k"]}}`, k + `.reason: required with statement; say why the platform's typed permissions do not cover it (the review shows it)`},
		{"every action", `{"reason": "r", "statement": {"actions": ["*"], "resources": ["arn:aws:s3:::b/k"]}}`, k + `.statement.actions[0]: "*" grants every action of a service; name the actions the workload calls`},
		{"every action of a service", `{"reason": "r", "statement": {"actions": ["s3:*"], "resources": ["arn:aws:s3:::b/k"]}}`, k + `.statement.actions[0]: "s3:*" grants every action of a service; name the actions the workload calls`},
		{"every resource", `{"reason": "r", "statement": {"actions": ["s3:GetObject"], "resources": ["*"]}}`, k + `.statement.resources[0]: "*" grants the actions on every resource; name the resources by ARN`},
		{"access on a raw statement", `{"reason": "r", "access": "read", "statement": {"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::b/k"]}}`, k + `.access: a raw statement names its own actions; remove access`},
		{"a condition that is not one", `{"reason": "r", "statement": {"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::b/k"], "condition": {"Equals": {"a": "b"}}}}`, k + `.statement.condition.Equals: "Equals" is not an IAM condition operator (e.g. StringEquals, ArnLike, Bool, IpAddress)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := devCtx
			v.Region = "us-east-1"
			_, got := decodeJSON(t, doc(tt.perm), v)
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
	_, bad := decodeJSON(t, `{"api": {"kind": "ecs", "image": "i", "permissions": {"Uploads": {"s3": "b-1", "access": "read"}}}}`, devCtx)
	equal(t, "permission name", bad, []string{`platform:workloads.api.permissions.Uploads: permission name "Uploads": use 1 to 40 lowercase letters, digits and hyphens, starting with a letter`})
}
