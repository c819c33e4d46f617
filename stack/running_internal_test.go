package stack

import (
	"errors"
	"testing"
)

func TestNotFound_RecognisesTheProvidersAnswersOnly(t *testing.T) {
	for _, tt := range []struct {
		msg  string
		want bool
	}{
		{"reading ElastiCache Replication Group (prod-cache-1a2b3c): couldn't find resource", true},
		{"ReplicationGroupNotFoundFault: Replication group prod-cache-1a2b3c not found.", true},
		{"AccessDenied: not authorized to perform elasticache:DescribeReplicationGroups", false},
		{"RequestError: send request failed", false},
	} {
		if got := notFound(errors.New(tt.msg)); got != tt.want {
			t.Errorf("%q: %v, want %v", tt.msg, got, tt.want)
		}
	}
}
