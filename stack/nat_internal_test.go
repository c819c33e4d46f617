package stack

import "testing"

// A grant's action names the API the workload calls, except the two that
// authorize a database connection rather than call anything.
func TestEndpointService(t *testing.T) {
	for action, want := range map[string]string{
		"secretsmanager:GetSecretValue":         "secretsmanager",
		"s3:GetObject":                          "s3",
		"ecr:BatchGetImage":                     "ecr.api",
		"cloudwatch:PutMetricData":              "monitoring",
		"sqs:ReceiveMessage":                    "sqs",
		"rds-db:connect":                        "",
		"elasticache:Connect":                   "",
		"elasticache:DescribeReplicationGroups": "elasticache",
		"nonsense":                              "",
	} {
		if got := endpointService(action); got != want {
			t.Errorf("%s: %q, want %q", action, got, want)
		}
	}
}
