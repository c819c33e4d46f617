package compute

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/acme/platform/internal/decode"
)

// MaxAuroraInstances is the most instances an Aurora cluster holds: the
// writer and 15 Aurora Replicas.
const MaxAuroraInstances = 16

// classSizes are the sizes an RDS instance class or an ElastiCache node type
// ends in (db.r6g.large, cache.m7g.16xlarge), besides <n>xlarge and
// metal-<n>xl (db.m7i.metal-48xl).
var classSizes = []string{"nano", "micro", "small", "medium", "large", "xlarge", "metal"}

var (
	classShape = regexp.MustCompile(`^(db|cache)\.([a-z][a-z0-9-]*)\.([a-z0-9-]+)$`)
	nXLarge    = regexp.MustCompile(`^[1-9][0-9]*xlarge$|^metal-[1-9][0-9]*xl$`)
)

// badClassSize says what is wrong with the family and size of an RDS
// instance class or an ElastiCache node type whose prefix is already
// checked (db.r6g.lrage, cache.r7g), or "" when they have the shape AWS's
// classes have: <prefix>.<family>.<size>.
func badClassSize(class string) string {
	m := classShape.FindStringSubmatch(class)
	if m == nil {
		example := DefaultNodeType
		if strings.HasPrefix(class, "db.") {
			example = DefaultInstanceClass
		}
		return "write <family>.<size> after the prefix, e.g. " + example
	}
	size := m[3]
	if nXLarge.MatchString(size) || contains(classSizes, size) {
		return ""
	}
	why := fmt.Sprintf("%q is not a size", size)
	if best := decode.Closest(size, classSizes); best != "" {
		return why + fmt.Sprintf("; did you mean %s.%s.%s?", m[1], m[2], best)
	}
	return why + "; use one such as large, xlarge or 2xlarge"
}
