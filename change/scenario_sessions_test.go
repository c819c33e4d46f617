package change

import (
	"strings"
	"testing"
)

// Prod owns the account's session preferences. Dropping them (none) would
// delete the one document every instance in the region reads: protected, so
// the change is refused. Adopting it instead is an import of the same
// document (no create, so no "already exists").
func TestScenarioSessionPreferencesOwnership(t *testing.T) {
	mode := func(m string) func(map[string]string) {
		return func(v map[string]string) {
			editJSON(t, v, "platform:access", func(a map[string]any) {
				a["sessionManager"].(map[string]any)["preferences"] = m
			})
		}
	}
	none := scenario(t, mode("none"))
	var refused bool
	for _, err := range none.Errors() {
		refused = refused || strings.Contains(err.Error(), "aws:ssm/document:Document prod-sessions-preferences is protected and would be deleted")
	}
	if !refused {
		t.Errorf("dropping prod's preferences is not refused:\n%s", none.Text())
	}
	wantAdded(t, none)

	// Back from none to own creates the document: in an account where it
	// still exists, that is the create adopt avoids.
	own := scenarioPair(t, mode("none"), mode("own"))
	wantAdded(t, own, "aws:ssm/document:Document prod-sessions-preferences")
	adopt := scenarioPair(t, mode("none"), mode("adopt"))
	wantAdded(t, adopt, "aws:ssm/document:Document prod-sessions-preferences")
	g := runProgram(t, func() map[string]string { v := prodValues(t); mode("adopt")(v); return v }())
	if d, ok := g.Named("aws:ssm/document:Document", "prod-sessions-preferences"); !ok || d.ImportID != "SSM-SessionManagerRunShell" {
		t.Errorf("adopt does not import the existing document: %+v", d)
	}
}
