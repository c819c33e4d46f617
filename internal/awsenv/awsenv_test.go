package awsenv

import "testing"

func TestZoneIDPrefix(t *testing.T) {
	for region, want := range map[string]string{
		"us-east-1": "use1", "us-west-2": "usw2", "eu-central-1": "euc1", "eu-north-1": "eun1",
		"ap-southeast-2": "apse2", "ap-northeast-1": "apne1", "ca-central-1": "cac1", "sa-east-1": "sae1",
		"us-gov-west-1": "usgw1", "cn-northwest-1": "cnnw1", "il-central-1": "ilc1",
		"": "", "us-east": "", "us-middle-1": "", "us-east-x": "",
	} {
		if got := ZoneIDPrefix(region); got != want {
			t.Errorf("%q: got %q, want %q", region, got, want)
		}
	}
}
