// The ec2 kind's config: an Auto Scaling group of instances.

package compute

import (
	"strings"

	"github.com/acme/platform/internal/problems"
)

// Defaults of the kind, named so that the docs and the code agree.
const (
	DefaultInstanceType  = "t3.small"
	DefaultMinSize       = 2
	DefaultRootVolumeGiB = 20
)

// EC2Spec is an Auto Scaling group of instances in the private subnets (kind:
// ec2), reached only through Session Manager (no SSH key, no public IP).
type EC2Spec struct {
	Kind Kind `json:"kind"`
	// RuntimeSpec holds the keys every compute kind shares (internetEgress,
	// legacySecurityGroups); they sit beside the kind's own.
	RuntimeSpec
	// Port is the service port the instances listen on; default 8080.
	Port int `json:"port"`
	// InstanceType defaults to t3.small. Graviton types (t4g, m7g, ...) boot the
	// arm64 Amazon Linux 2023 image, every other type the x86_64 one.
	InstanceType string `json:"instanceType"`
	// MinSize is the fewest instances; default 2 (one per zone of a two-zone network), at least 1.
	MinSize int `json:"minSize"`
	// MaxSize is the most instances; default twice minSize.
	MaxSize int `json:"maxSize"`
	// DesiredCapacity is how many instances run; default minSize, between minSize and maxSize.
	DesiredCapacity int `json:"desiredCapacity"`
	// RootVolumeGiB sizes the encrypted gp3 root volume; default 20, 8 to 16384.
	RootVolumeGiB int `json:"rootVolumeGiB"`
	// HealthCheckPath is what an alb's health check requests; default "/".
	HealthCheckPath string `json:"healthCheckPath"`
	// UserData is the cloud-init script run at first boot (plain text; it is base64-encoded for you).
	UserData string `json:"userData,omitempty"`
	// Scaling tunes the target tracking that moves the fleet between minSize
	// and maxSize (average CPU, and requests per target behind an alb): on
	// whenever maxSize > minSize, off with scaling: {enabled: false}.
	Scaling *ScalingSpec `json:"scaling,omitempty"`
	// AMI pins the image the instances boot (ami-...). Default: the image
	// amiParameter names, read at each deploy.
	AMI string `json:"ami,omitempty"`
	// AMIParameter is an SSM parameter holding the image ID, read at deploy
	// time and written into the launch template (a new image is a change the
	// preview shows). Default: Amazon Linux 2023 for the instance type's
	// architecture. Set ami or amiParameter, not both.
	AMIParameter string `json:"amiParameter,omitempty"`
	// Container runs an image under a systemd unit (it writes the user data;
	// not with userData). See ContainerApp.
	Container *ContainerApp `json:"container,omitempty"`
	// Artifact is an S3 object the instances may read (a release tarball the
	// user data fetches, say).
	Artifact *S3Object `json:"artifact,omitempty"`
	// MinHealthyPercentage is how much of the fleet keeps serving while an
	// instance refresh replaces instances after the launch template changed;
	// 0 to 100, default 100 (new instances start before old ones stop).
	MinHealthyPercentage int `json:"minHealthyPercentage"`
}

func (s *EC2Spec) defaults(has func(...string) bool) {
	if !has("port") {
		s.Port = DefaultServicePort
	}
	if !has("instanceType") {
		s.InstanceType = DefaultInstanceType
	}
	if !has("minSize") {
		s.MinSize = DefaultMinSize
	}
	if !has("maxSize") {
		s.MaxSize = 2 * s.MinSize
		if s.MaxSize < 1 {
			s.MaxSize = 1
		}
	}
	if !has("desiredCapacity") {
		// At least 1: a minSize that is unreadable or below 1 is reported at
		// minSize, not again at a desiredCapacity the stack never wrote.
		s.DesiredCapacity = max(s.MinSize, 1)
	}
	if !has("rootVolumeGiB") {
		s.RootVolumeGiB = DefaultRootVolumeGiB
	}
	if !has("healthCheckPath") {
		s.HealthCheckPath = DefaultHealthCheckPath
	}
	if !has("minHealthyPercentage") {
		s.MinHealthyPercentage = DefaultMinHealthyPercentage
	}
	if s.Container != nil && !has("container", "port") {
		s.Container.Port = s.Port
	}
}

func (s EC2Spec) validate(k string, p *problems.List) {
	checkPort(p, k+".port", s.Port)
	if s.InstanceType == "" || !strings.Contains(s.InstanceType, ".") {
		p.Add(k+".instanceType", "%q is not an instance type; write one such as %s", s.InstanceType, DefaultInstanceType)
	}
	atLeastOne(p, k+".minSize", s.MinSize)
	atLeastOne(p, k+".maxSize", s.MaxSize)
	atLeastOne(p, k+".desiredCapacity", s.DesiredCapacity)
	if s.MinSize >= 1 && s.MaxSize >= 1 && s.MinSize > s.MaxSize {
		p.Add(k+".maxSize", "maxSize %d is less than minSize %d", s.MaxSize, s.MinSize)
	} else if s.DesiredCapacity >= 1 && s.MinSize >= 1 && s.MaxSize >= 1 && (s.DesiredCapacity < s.MinSize || s.DesiredCapacity > s.MaxSize) {
		p.Add(k+".desiredCapacity", "desiredCapacity %d is outside minSize %d to maxSize %d", s.DesiredCapacity, s.MinSize, s.MaxSize)
	}
	if s.RootVolumeGiB < 8 || s.RootVolumeGiB > 16384 {
		p.Add(k+".rootVolumeGiB", "must be between 8 and 16384 GiB (the Amazon Linux 2023 image needs 8), got %d", s.RootVolumeGiB)
	}
	checkHealthPath(p, k+".healthCheckPath", s.HealthCheckPath)
	s.validateApp(k, p)
	if len(s.UserData) > 16*1024*3/4 {
		p.Add(k+".userData", "is %d bytes; EC2 accepts 16 KiB after base64 encoding (about 12 KiB of script); fetch larger scripts from S3", len(s.UserData))
	}
}
