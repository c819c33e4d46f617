// The lambda kind's config: a function attached to the private subnets.

package compute

import (
	"os"
	"regexp"
	"strings"

	"github.com/acme/platform/internal/problems"
)

// Defaults of the kind, named so that the docs and the code agree.
const (
	DefaultLambdaMemoryMb       = 256
	DefaultLambdaTimeoutSeconds = 30
)

var (
	runtimeName = regexp.MustCompile(`^(nodejs[0-9]+\.x|python3\.[0-9]+|java[0-9]+(\.al2)?|dotnet[0-9]+|ruby[0-9]+\.[0-9]+|provided(\.al2|\.al2023)?)$`)
)

// LambdaSpec is a Lambda function attached to the private subnets (kind: lambda).
type LambdaSpec struct {
	Kind Kind `json:"kind"`
	// RuntimeSpec holds the keys every compute kind shares (internetEgress,
	// legacySecurityGroups); they sit beside the kind's own.
	RuntimeSpec
	// Runtime is a Lambda runtime identifier such as python3.13, nodejs22.x,
	// java21, dotnet8, ruby3.3 or provided.al2023. Required.
	Runtime string `json:"runtime"`
	// Handler is the function entry point, e.g. app.handler. Required.
	Handler string `json:"handler"`
	// Code is where the deployment package comes from. Required.
	Code LambdaCode `json:"code"`
	// MemoryMb is the function's memory (and so CPU share); 128 to 10240, default 256.
	MemoryMb int `json:"memoryMb"`
	// TimeoutSeconds bounds one invocation; 1 to 900, default 30.
	TimeoutSeconds int `json:"timeoutSeconds"`
	// ReservedConcurrency reserves (and caps) concurrent executions; optional,
	// 0 or more (0 stops every invocation). Unset means unreserved.
	ReservedConcurrency *int `json:"reservedConcurrency,omitempty"`
	// LogRetentionDays keeps the function's logs; a CloudWatch retention value, default 30.
	LogRetentionDays int `json:"logRetentionDays"`
	// Schedule, when present, invokes the function on a cron or rate expression.
	Schedule *ScheduleSpec `json:"schedule,omitempty"`
	// Triggers invoke the function for events: messages of an SQS queue or
	// objects under an S3 prefix, by trigger name. The role gets exactly what
	// each one needs.
	Triggers map[string]TriggerSpec `json:"triggers,omitempty"`
	// Scaling, when present, publishes versions behind the alias "live" and
	// keeps scaling.provisionedConcurrency environments initialised on it.
	Scaling *ScalingSpec `json:"scaling,omitempty"`
}

// LambdaCode is the deployment package: an S3 object (s3Bucket and s3Key,
// optionally s3ObjectVersion) or a local zip file (archive), exactly one.
type LambdaCode struct {
	S3Bucket        string `json:"s3Bucket,omitempty"`
	S3Key           string `json:"s3Key,omitempty"`
	S3ObjectVersion string `json:"s3ObjectVersion,omitempty"`
	// Archive is a path to a .zip (or .jar) file, relative to the project directory.
	Archive string `json:"archive,omitempty"`
}

func (s *LambdaSpec) defaults(has func(...string) bool) {
	if !has("memoryMb") {
		s.MemoryMb = DefaultLambdaMemoryMb
	}
	if !has("timeoutSeconds") {
		s.TimeoutSeconds = DefaultLambdaTimeoutSeconds
	}
	if !has("logRetentionDays") {
		s.LogRetentionDays = DefaultLogRetentionDays
	}
}

func (s LambdaSpec) validate(k string, p *problems.List) {
	switch {
	case s.Runtime == "":
		p.Add(k+".runtime", "required; set a Lambda runtime such as python3.13 or nodejs22.x")
	case !runtimeName.MatchString(s.Runtime):
		p.Add(k+".runtime", "%q is not a Lambda runtime; use one such as python3.13, nodejs22.x, java21, dotnet8, ruby3.3 or provided.al2023", s.Runtime)
	}
	if s.Handler == "" {
		p.Add(k+".handler", "required; set the entry point, e.g. app.handler")
	}
	c := s.Code
	s3 := c.S3Bucket != "" || c.S3Key != "" || c.S3ObjectVersion != ""
	switch {
	case s3 && c.Archive != "":
		p.Add(k+".code", "set either s3Bucket and s3Key or archive, not both")
	case !s3 && c.Archive == "":
		p.Add(k+".code", "required; set s3Bucket and s3Key (and optionally s3ObjectVersion) or archive (a local .zip file)")
	case s3 && c.S3Bucket == "":
		p.Add(k+".code.s3Bucket", "required with s3Key; name the bucket that holds the package")
	case s3 && c.S3Key == "":
		p.Add(k+".code.s3Key", "required with s3Bucket; name the package's object key")
	case c.Archive != "" && !(strings.HasSuffix(c.Archive, ".zip") || strings.HasSuffix(c.Archive, ".jar")):
		p.Add(k+".code.archive", "%q is not a .zip or .jar file; Lambda takes a zip archive", c.Archive)
	case c.Archive != "":
		// Pulumi reads the archive when it deploys; a missing file would only
		// surface then, after other resources have changed.
		if info, err := os.Stat(c.Archive); err != nil || info.IsDir() {
			p.Add(k+".code.archive", "%q does not exist (paths are relative to the project directory, where Pulumi.yaml is); build the package first", c.Archive)
		}
	}
	if s.MemoryMb < 128 || s.MemoryMb > 10240 {
		p.Add(k+".memoryMb", "must be between 128 and 10240 MB, got %d", s.MemoryMb)
	}
	if s.TimeoutSeconds < 1 || s.TimeoutSeconds > 900 {
		p.Add(k+".timeoutSeconds", "must be between 1 and 900 seconds, got %d", s.TimeoutSeconds)
	}
	if s.ReservedConcurrency != nil && *s.ReservedConcurrency < 0 {
		p.Add(k+".reservedConcurrency", "must be 0 or more, got %d; leave it out for unreserved concurrency", *s.ReservedConcurrency)
	}
	checkRetention(p, k+".logRetentionDays", s.LogRetentionDays)
}
