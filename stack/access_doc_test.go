package stack_test

import (
	"os"
	"strings"
	"testing"

	"github.com/acme/platform/stack"
)

// The access table of prod, as the plan prints it, is pinned; rewrite it with
// go test ./stack -update after a deliberate change.
func TestAccessTable_Prod(t *testing.T) {
	got := stack.RenderAccess(run(t, "prod").Platform.Design.Access())
	const path = "testdata/access.prod.golden"
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("the access table changed; if that is intended, run go test ./stack -update\ngot:\n%s", got)
	}
}

// With auth: iam on the database, the document names each user and the
// statements that let it log in; nothing is granted to a workload without an edge.
func TestSetupSQL_NamesEveryIAMDatabaseUserWithItsRealNames(t *testing.T) {
	f, err := stack.ReadFile("../Pulumi.prod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f.Values["platform:workloads"] = strings.Replace(f.Values["platform:workloads"],
		`"databaseName":"app"`, `"databaseName":"app","auth":"iam","iamUsers":{"web":"web_app"}`, 1)
	if !strings.Contains(f.Values["platform:workloads"], `"auth":"iam"`) {
		t.Fatal("prod's database config changed; this test could not switch it to IAM")
	}
	cfg, err := stack.Parse("prod", f.Values)
	if err != nil {
		t.Fatal(err)
	}
	d := &stack.Design{Config: cfg}
	want := `-- database: aurora-postgresql cluster prod-database, database app; connect as dbadmin
CREATE USER "api";  -- for api
GRANT rds_iam TO "api";
GRANT CONNECT ON DATABASE "app" TO "api";
CREATE USER "nightly";  -- for nightly
GRANT rds_iam TO "nightly";
GRANT CONNECT ON DATABASE "app" TO "nightly";
CREATE USER "web_app";  -- for web
GRANT rds_iam TO "web_app";
GRANT CONNECT ON DATABASE "app" TO "web_app";
`
	if got := d.SetupSQL(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if !strings.Contains(d.AccessMarkdown(), "GRANT rds_iam TO \"web_app\";") {
		t.Error("the rules document does not carry the statements")
	}
}
