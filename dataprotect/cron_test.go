package dataprotect

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func TestSchedule_IntervalsOfCommonRules(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		expr              string
		loc               *time.Location
		shortest, longest time.Duration
	}{
		{"cron(0 5 ? * * *)", time.UTC, 24 * time.Hour, 24 * time.Hour},
		{"cron(0 */6 ? * * *)", time.UTC, 6 * time.Hour, 6 * time.Hour},
		{"cron(0 * ? * * *)", time.UTC, time.Hour, time.Hour},
		{"cron(30 2 ? * SUN *)", time.UTC, 7 * 24 * time.Hour, 7 * 24 * time.Hour},
		{"cron(0 5 1 * ? *)", time.UTC, 28 * 24 * time.Hour, 31 * 24 * time.Hour},
		{"cron(0 5 L * ? *)", time.UTC, 28 * 24 * time.Hour, 31 * 24 * time.Hour},
		{"cron(0 5 ? * 1#1 *)", time.UTC, 28 * 24 * time.Hour, 35 * 24 * time.Hour},
		{"cron(0 5 1 JAN,JUL ? *)", time.UTC, 181 * 24 * time.Hour, 184 * 24 * time.Hour},
		{"cron(0 5 ? * MON-FRI *)", time.UTC, 24 * time.Hour, 3 * 24 * time.Hour},
		// Daylight saving time: 05:00 local is 23 or 25 hours after the day before.
		{"cron(0 5 ? * * *)", berlin, 23 * time.Hour, 25 * time.Hour},
	} {
		s, err := ParseSchedule(tc.expr)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		short, long, ok := s.Intervals(tc.loc)
		if !ok || short != tc.shortest || long != tc.longest {
			t.Errorf("%s in %s: intervals %v..%v (ok %v), want %v..%v", tc.expr, tc.loc, short, long, ok, tc.shortest, tc.longest)
		}
	}
}

func TestSchedule_RefusesWhatAWSRefuses(t *testing.T) {
	for expr, want := range map[string]string{
		"rate(1 day)":             "not a cron expression",
		"cron(0 5 * * *)":         "has 5 fields",
		"cron(0 5 * * * *)":       "both set",
		"cron(0 5 ? * ? *)":       "both ?",
		"cron(60 5 ? * * *)":      "outside 0-59",
		"cron(0 24 ? * * *)":      "outside 0-23",
		"cron(0 5 0 * ? *)":       "outside 1-31",
		"cron(0 5 ? 13 * *)":      "outside 1-12",
		"cron(0 5 ? * 8 *)":       "outside 1-7",
		"cron(0 5 15W * ? *)":     "not supported",
		"cron(0 5 ? * 1#6 *)":     "n from 1 to 5",
		"cron(0 5-3 ? * * *)":     "runs backwards",
		"cron(0 5/0 ? * * *)":     "positive number",
		"cron(0 x ? * * *)":       "not a number",
		"cron(0 5 ? * * 1969)":    "outside 1970-2199",
		"cron(0 5 ? * FUNDAY *)":  "not a number",
		"cron(0 5 ? JANUARY * *)": "not a number",
	} {
		_, err := ParseSchedule(expr)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want an error containing %q", expr, err, want)
		}
	}
}

func TestSchedule_OneRunAYearDoesNotRecurInTheWindowWhenItsYearHasPassed(t *testing.T) {
	s, err := ParseSchedule("cron(0 5 1 JAN ? 2025)")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := s.Intervals(time.UTC); ok {
		t.Error("a schedule for 2025 only has no interval in 2026-2027")
	}
}

// Any expression is answered with a schedule or an error, never a panic, and
// the runs of a schedule are strictly increasing and fall on its minutes.
func TestSchedule_Property(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		field := func(lo, hi int) string {
			switch rapid.IntRange(0, 3).Draw(t, "form") {
			case 0:
				return "*"
			case 1:
				return itoa(rapid.IntRange(lo-1, hi+1).Draw(t, "v"))
			case 2:
				a := rapid.IntRange(lo, hi).Draw(t, "a")
				return itoa(a) + "-" + itoa(rapid.IntRange(a, hi).Draw(t, "b"))
			}
			return "*/" + itoa(rapid.IntRange(0, hi).Draw(t, "step"))
		}
		dom, dow := field(1, 31), "?"
		if rapid.Bool().Draw(t, "byWeekday") {
			dom, dow = "?", field(1, 7)
		}
		expr := "cron(" + strings.Join([]string{field(0, 59), field(0, 23), dom, field(1, 12), dow, "*"}, " ") + ")"
		s, err := ParseSchedule(expr)
		if err != nil {
			return
		}
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		runs := s.Runs(from, from.AddDate(0, 2, 0), time.UTC)
		for i, r := range runs {
			if !s.minutes[r.Minute()] || !s.hours[r.Hour()] || !s.matchesDay(r) {
				t.Fatalf("%s: run %v is not on the schedule", expr, r)
			}
			if i > 0 && !r.After(runs[i-1]) {
				t.Fatalf("%s: runs out of order at %v", expr, r)
			}
		}
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		24 * time.Hour: "24h", 7 * 24 * time.Hour: "7d", 90 * time.Minute: "90m", 6 * time.Hour: "6h", 61 * time.Hour: "2d13h", 745 * time.Hour: "31d1h", 60*time.Hour + 30*time.Minute: "2.5d",
	} {
		if got := HumanDuration(d); got != want {
			t.Errorf("%v: %s, want %s", d, got, want)
		}
	}
}
