package compute

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/awsenv"
	"github.com/acme/platform/internal/problems"
)

// Access levels of a declared permission.
const (
	AccessRead      = "read"
	AccessWrite     = "write"
	AccessReadWrite = "readWrite"
)

// Permission is one AWS resource a workload uses beyond the platform: exactly
// one of s3, sqs, sns, kms, dynamodb (with access), or a raw statement (with
// a reason, shown in the review).
type Permission struct {
	// S3 is a bucket, optionally with a key prefix: acme-uploads,
	// acme-uploads/incoming/ or arn:aws:s3:::acme-uploads/incoming/.
	S3 string `json:"s3,omitempty"`
	// SQS is a queue name in the stack's account and region, or its ARN.
	SQS string `json:"sqs,omitempty"`
	// SNS is a topic name in the stack's account and region, or its ARN.
	SNS string `json:"sns,omitempty"`
	// KMS is a key ARN (arn:aws:kms:<region>:<account>:key/<id>). An alias
	// does not work here: IAM evaluates key permissions against the key's ARN.
	KMS string `json:"kms,omitempty"`
	// DynamoDB is a table name in the stack's account and region, or its ARN.
	DynamoDB string `json:"dynamodb,omitempty"`
	// Access is read, write or readWrite; required with a resource above.
	// What each means per service is in the README; SNS topics are only
	// published to (write).
	Access string `json:"access,omitempty"`
	// Statement is a raw IAM statement for what the kinds above cannot say.
	Statement *RawStatement `json:"statement,omitempty"`
	// Reason says why the workload needs it; required with statement.
	Reason string `json:"reason,omitempty"`
}

// RawStatement is an Allow statement written by hand.
type RawStatement struct {
	Actions   []string                  `json:"actions"`
	Resources []string                  `json:"resources"`
	Condition map[string]map[string]any `json:"condition,omitempty"`
}

var (
	permissionName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)
	bucketName     = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	queueName      = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)
	topicName      = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
	tableName      = regexp.MustCompile(`^[A-Za-z0-9_.-]{3,255}$`)
	arnPattern     = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):([a-z0-9-]+):([a-z0-9-]*):([0-9]{12})?:(.+)$`)
	// A key id is a UUID, or mrk-<32 hex> for a multi-Region key.
	kmsKeyARN     = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):kms:[a-z0-9-]+:[0-9]{12}:key/([a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}|mrk-[a-f0-9]{32})$`)
	actionPattern = regexp.MustCompile(`^[a-z0-9-]+:[A-Za-z0-9*]+$`)
)

// service is which of the typed resources the permission names, "" for none
// or a raw statement.
func (pm Permission) service() (string, string, int) {
	set := 0
	svc, res := "", ""
	for _, c := range []struct{ svc, val string }{
		{"s3", pm.S3}, {"sqs", pm.SQS}, {"sns", pm.SNS}, {"kms", pm.KMS}, {"dynamodb", pm.DynamoDB},
	} {
		if c.val != "" {
			set++
			svc, res = c.svc, c.val
		}
	}
	if pm.Statement != nil {
		set++
	}
	return svc, res, set
}

func (pm Permission) validate(k, name string, v ValidateContext, p *problems.List) {
	if !permissionName.MatchString(name) {
		p.Add(k, "permission name %q: use 1 to 40 lowercase letters, digits and hyphens, starting with a letter", name)
	}
	svc, res, set := pm.service()
	switch {
	case set == 0:
		p.Add(k, "names no resource; set one of s3, sqs, sns, kms, dynamodb (with access), or statement (with reason)")
		return
	case set > 1:
		p.Add(k, "names %d resources; one permission names one (s3, sqs, sns, kms, dynamodb or statement): split it", set)
		return
	}
	if pm.Statement != nil {
		pm.validateRaw(k, p)
		return
	}
	switch pm.Access {
	case AccessRead, AccessWrite, AccessReadWrite:
	case "":
		p.Add(k+".access", "required; use read, write or readWrite")
	default:
		p.Add(k+".access", "%q is not an access level; use read, write or readWrite", pm.Access)
	}
	if svc == "sns" && (pm.Access == AccessRead || pm.Access == AccessReadWrite) {
		p.Add(k+".access", "an SNS topic is only published to; use access: write (subscribers are configured on the topic, not granted here)")
	}
	if msg := checkResource(svc, res, v.Region); msg != "" {
		p.Add(k+"."+svc, "%s", msg)
	}
}

// checkResource returns what is wrong with a typed permission's resource, or "".
func checkResource(svc, res, region string) string {
	if strings.Contains(res, "*") {
		return fmt.Sprintf("%q contains *; name one resource (an S3 prefix is matched with everything under it already)", res)
	}
	if strings.HasPrefix(res, "arn:") {
		m := arnPattern.FindStringSubmatch(res)
		switch {
		case m == nil:
			return fmt.Sprintf("%q is not an ARN; write arn:<partition>:%s:<region>:<account>:<resource>", res, svc)
		case m[2] != svc:
			return fmt.Sprintf("%q is an ARN of %s, not %s", res, m[2], svc)
		case region != "" && m[1] != awsenv.PartitionOf(region):
			return fmt.Sprintf("%q is in partition %s; the stack deploys to %s (%s)", res, m[1], region, awsenv.PartitionOf(region))
		}
		switch svc {
		case "kms":
			if !kmsKeyARN.MatchString(res) {
				return fmt.Sprintf("%q is not a key ARN; IAM checks key permissions against arn:<partition>:kms:<region>:<account>:key/<id> (an alias ARN grants nothing)", res)
			}
		case "s3":
			if m[3] != "" || m[4] != "" {
				return fmt.Sprintf("%q: S3 ARNs have no region or account (arn:aws:s3:::bucket/prefix)", res)
			}
			return checkBucketPath(m[5])
		case "dynamodb":
			if !strings.HasPrefix(m[5], "table/") || !tableName.MatchString(strings.TrimPrefix(m[5], "table/")) {
				return fmt.Sprintf("%q is not a table ARN (arn:<partition>:dynamodb:<region>:<account>:table/<name>)", res)
			}
		case "sqs":
			if !queueName.MatchString(strings.TrimSuffix(m[5], ".fifo")) || m[3] == "" || m[4] == "" {
				return fmt.Sprintf("%q is not a queue ARN (arn:<partition>:sqs:<region>:<account>:<name>)", res)
			}
		case "sns":
			if !topicName.MatchString(strings.TrimSuffix(m[5], ".fifo")) || m[3] == "" || m[4] == "" {
				return fmt.Sprintf("%q is not a topic ARN (arn:<partition>:sns:<region>:<account>:<name>)", res)
			}
		}
		return ""
	}
	switch svc {
	case "kms":
		return fmt.Sprintf("%q: give the key's ARN (arn:<partition>:kms:<region>:<account>:key/<id>); IAM checks key permissions against it, not against an id or alias", res)
	case "s3":
		return checkBucketPath(res)
	case "sqs":
		if !queueName.MatchString(strings.TrimSuffix(res, ".fifo")) {
			return fmt.Sprintf("%q is not a queue name (1 to 80 letters, digits, hyphens and underscores, .fifo at the end for FIFO queues)", res)
		}
	case "sns":
		if !topicName.MatchString(strings.TrimSuffix(res, ".fifo")) {
			return fmt.Sprintf("%q is not a topic name (1 to 256 letters, digits, hyphens and underscores)", res)
		}
	case "dynamodb":
		if !tableName.MatchString(res) {
			return fmt.Sprintf("%q is not a table name (3 to 255 letters, digits, underscores, hyphens and dots)", res)
		}
	}
	return ""
}

func checkBucketPath(path string) string {
	bucket, _, _ := strings.Cut(path, "/")
	if !bucketName.MatchString(bucket) || strings.Contains(bucket, "..") {
		return fmt.Sprintf("%q is not an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens)", bucket)
	}
	return ""
}

func (pm Permission) validateRaw(k string, p *problems.List) {
	s := pm.Statement
	if strings.TrimSpace(pm.Reason) == "" {
		p.Add(k+".reason", "required with statement; say why the platform's typed permissions do not cover it (the review shows it)")
	}
	if pm.Access != "" {
		p.Add(k+".access", "a raw statement names its own actions; remove access")
	}
	if len(s.Actions) == 0 {
		p.Add(k+".statement.actions", "required; name the actions")
	}
	for i, a := range s.Actions {
		ak := fmt.Sprintf("%s.statement.actions[%d]", k, i)
		switch {
		case a == "*" || strings.HasSuffix(a, ":*"):
			p.Add(ak, "%q grants every action of a service; name the actions the workload calls", a)
		case !actionPattern.MatchString(a):
			p.Add(ak, "%q is not an action; write service:Action, e.g. s3:GetObject", a)
		}
	}
	if len(s.Resources) == 0 {
		p.Add(k+".statement.resources", "required; name the resources by ARN")
	}
	for i, r := range s.Resources {
		rk := fmt.Sprintf("%s.statement.resources[%d]", k, i)
		switch {
		case r == "*":
			p.Add(rk, "\"*\" grants the actions on every resource; name the resources by ARN")
		case !arnPattern.MatchString(r):
			p.Add(rk, "%q is not an ARN; write arn:<partition>:<service>:<region>:<account>:<resource>", r)
		}
	}
	for _, op := range sortedKeys(s.Condition) {
		if !conditionOperator.MatchString(op) {
			p.Add(k+".statement.condition."+op, "%q is not an IAM condition operator (e.g. StringEquals, ArnLike, Bool, IpAddress)", op)
		}
	}
}

var conditionOperator = regexp.MustCompile(`^(ForAllValues:|ForAnyValue:)?(String|Numeric|Date|Arn|Bool|Binary|IpAddress|NotIpAddress|Null)[A-Za-z]*(IfExists)?$`)

// PermissionGrants turns a workload's declared permissions into grants, one
// per permission, keyed app-<name>.
func PermissionGrants(perms map[string]Permission, env awsenv.Env) []Grant {
	var out []Grant
	for _, name := range sortedKeys(perms) {
		pm := perms[name]
		g := Grant{Key: "app-" + name, Reason: pm.Reason}
		svc, res, _ := pm.service()
		if pm.Statement != nil {
			st := Statement{Sid: "Declared", Actions: pm.Statement.Actions, Condition: pm.Statement.Condition}
			for _, r := range pm.Statement.Resources {
				st.Resources = append(st.Resources, pulumi.String(r))
			}
			g.Statements = []Statement{st}
			out = append(out, g)
			continue
		}
		read := pm.Access == AccessRead || pm.Access == AccessReadWrite
		write := pm.Access == AccessWrite || pm.Access == AccessReadWrite
		g.Reason = fmt.Sprintf("%s %s (%s)", pm.Access, svc, res)
		if pm.Reason != "" {
			g.Reason += ": " + pm.Reason
		}
		g.Statements = typedStatements(svc, res, read, write, env)
		out = append(out, g)
	}
	return out
}

// typedStatements are the least-privilege statements of one typed permission.
func typedStatements(svc, res string, read, write bool, env awsenv.Env) []Statement {
	strs := func(v ...string) []pulumi.StringInput {
		out := make([]pulumi.StringInput, len(v))
		for i, s := range v {
			out[i] = pulumi.String(s)
		}
		return out
	}
	var out []Statement
	add := func(on bool, sid string, actions []string, resources []pulumi.StringInput, cond map[string]map[string]any) {
		if on {
			out = append(out, Statement{Sid: sid, Actions: actions, Resources: resources, Condition: cond})
		}
	}
	switch svc {
	case "s3":
		path := strings.TrimPrefix(res, "arn:"+env.Partition+":s3:::")
		if m := arnPattern.FindStringSubmatch(res); m != nil {
			path = m[5]
		}
		bucket, prefix, _ := strings.Cut(path, "/")
		bucketARN := "arn:" + env.Partition + ":s3:::" + bucket
		objects := bucketARN + "/" + prefix + "*"
		var cond map[string]map[string]any
		if prefix != "" {
			cond = map[string]map[string]any{"StringLike": {"s3:prefix": []string{prefix + "*"}}}
		}
		add(read, "S3List", []string{"s3:ListBucket"}, strs(bucketARN), cond)
		add(read, "S3Read", []string{"s3:GetObject", "s3:GetObjectVersion"}, strs(objects), nil)
		add(write, "S3Write", []string{"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:PutObject"}, strs(objects), nil)
	case "sqs":
		arn := resourceARN(res, env, "sqs", "")
		add(read, "SQSConsume", []string{"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage"}, strs(arn), nil)
		add(write, "SQSSend", []string{"sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"}, strs(arn), nil)
	case "sns":
		add(write, "SNSPublish", []string{"sns:Publish"}, strs(resourceARN(res, env, "sns", "")), nil)
	case "kms":
		add(read, "KMSDecrypt", []string{"kms:Decrypt", "kms:DescribeKey"}, strs(res), nil)
		add(write, "KMSEncrypt", []string{"kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext"}, strs(res), nil)
	case "dynamodb":
		table := resourceARN(res, env, "dynamodb", "table/")
		add(read, "DynamoDBRead", []string{"dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"}, strs(table, table+"/index/*"), nil)
		add(write, "DynamoDBWrite", []string{"dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:DescribeTable", "dynamodb:PutItem", "dynamodb:UpdateItem"}, strs(table), nil)
	}
	return out
}

// resourceARN is res when it is an ARN, else the ARN of the named resource in
// the stack's account and region.
func resourceARN(res string, env awsenv.Env, svc, kind string) string {
	if strings.HasPrefix(res, "arn:") {
		return res
	}
	return env.ARN(svc, env.Region, kind+res)
}

// PermissionSummary is one line per declared permission for the review.
func PermissionSummary(perms map[string]Permission) []string {
	var out []string
	for _, name := range sortedKeys(perms) {
		pm := perms[name]
		svc, res, _ := pm.service()
		if pm.Statement != nil {
			acts := append([]string(nil), pm.Statement.Actions...)
			sort.Strings(acts)
			out = append(out, fmt.Sprintf("%s: raw statement %s on %s (reason: %s)", name, strings.Join(acts, ", "), strings.Join(pm.Statement.Resources, ", "), pm.Reason))
			continue
		}
		out = append(out, fmt.Sprintf("%s: %s %s %s", name, pm.Access, svc, res))
	}
	return out
}
