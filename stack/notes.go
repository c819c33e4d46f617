package stack

import "github.com/acme/platform/access"

// Notes are facts a reviewer should see with the plan that are neither
// problems nor warnings: which physical zone each zone name is in this
// account, and what the stack's choices do beyond the stack itself. The
// offline plan prints them under "Notes"; a real run logs them in the preview.
func (pl *Platform) Notes() []string {
	var out []string
	if n := pl.Design.zoneNote(); n != "" {
		out = append(out, n)
	}
	cfg := pl.Design.Config
	name := cfg.Name + "-sessions"
	out = append(out, cfg.cacheAdoptionNotes()...)
	if n := cfg.trafficNote(); n != "" {
		out = append(out, n)
	}
	if n := cfg.privateDNSNote(pl.Design.Endpoints); n != "" {
		out = append(out, n)
	}
	out = append(out, access.PreferencesImpact(cfg.Access.SessionManager, pl.Design.Env, access.SessionKeyAlias(name), access.SessionLogGroupName(name)))
	return out
}
