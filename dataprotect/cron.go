package dataprotect

import (
	"fmt"
	"iter"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // backup rules name IANA zones; CI machines may lack a zoneinfo database
)

// Schedule is a parsed AWS cron expression, cron(minutes hours day-of-month
// month day-of-week year), the only form AWS Backup rules accept. The fields
// follow the AWS (EventBridge) dialect: day-of-week 1-7 is SUN-SAT, exactly one
// of day-of-month and day-of-week is "?", "L" in day-of-month is the month's
// last day and "d#n" in day-of-week its n-th weekday d.
type Schedule struct {
	Expr    string
	minutes set
	hours   set
	months  set
	years   set // nil: every year
	// Exactly one of the two day rules applies.
	dom     set
	lastDOM bool
	dow     set
	nthDOW  map[int]int // weekday (0=Sunday) -> n
}

type set map[int]bool

// ParseSchedule parses cron(...). The error says what is wrong with which field.
func ParseSchedule(expr string) (*Schedule, error) {
	s := strings.TrimSpace(expr)
	if !strings.HasPrefix(s, "cron(") || !strings.HasSuffix(s, ")") {
		return nil, fmt.Errorf("%q is not a cron expression; AWS Backup takes cron(minutes hours day-of-month month day-of-week year), e.g. cron(0 5 ? * * *) for 05:00 every day", expr)
	}
	fields := strings.Fields(s[len("cron(") : len(s)-1])
	if len(fields) != 6 {
		return nil, fmt.Errorf("%q has %d fields; an AWS cron expression has 6: minutes hours day-of-month month day-of-week year", expr, len(fields))
	}
	sc := &Schedule{Expr: s}
	var err error
	if sc.minutes, err = parseField(fields[0], "minutes", 0, 59, nil); err != nil {
		return nil, err
	}
	if sc.hours, err = parseField(fields[1], "hours", 0, 23, nil); err != nil {
		return nil, err
	}
	if sc.months, err = parseField(fields[3], "month", 1, 12, monthNames); err != nil {
		return nil, err
	}
	if fields[5] != "*" {
		if sc.years, err = parseField(fields[5], "year", 1970, 2199, nil); err != nil {
			return nil, err
		}
	}
	dom, dow := fields[2], fields[4]
	switch {
	case dom == "?" && dow == "?":
		return nil, fmt.Errorf("%q: day-of-month and day-of-week are both ?; set one of them (the other stays ?)", expr)
	case dom != "?" && dow != "?":
		return nil, fmt.Errorf("%q: day-of-month and day-of-week are both set; AWS needs ? in one of them, e.g. cron(0 5 ? * * *)", expr)
	case dom != "?":
		if dom == "L" {
			sc.lastDOM = true
		} else if sc.dom, err = parseField(dom, "day-of-month", 1, 31, nil); err != nil {
			return nil, err
		}
	default:
		if d, n, ok := strings.Cut(dow, "#"); ok {
			wd, err1 := parseValue(d, 1, 7, dayNames)
			nth, err2 := strconv.Atoi(n)
			if err1 != nil || err2 != nil || nth < 1 || nth > 5 {
				return nil, fmt.Errorf("day-of-week %q: write weekday#n with n from 1 to 5, e.g. SUN#1 for the first Sunday", dow)
			}
			sc.nthDOW = map[int]int{wd - 1: nth}
		} else {
			days, err := parseField(dow, "day-of-week", 1, 7, dayNames)
			if err != nil {
				return nil, err
			}
			sc.dow = set{}
			for d := range days {
				sc.dow[d-1] = true // AWS 1=SUN; time.Weekday 0=Sunday
			}
		}
	}
	return sc, nil
}

var (
	monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
	dayNames   = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
)

// parseField reads *, a, a-b, */s, a/s, a-b/s and comma lists of them.
func parseField(f, name string, lo, hi int, names map[string]int) (set, error) {
	out := set{}
	for _, part := range strings.Split(f, ",") {
		rng, stepText, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepText)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("%s %q: the step after / must be a positive number", name, f)
			}
			step = n
		}
		from, to := lo, hi
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			a, b, _ := strings.Cut(rng, "-")
			var err error
			if from, err = parseValue(a, lo, hi, names); err != nil {
				return nil, fmt.Errorf("%s %q: %v", name, f, err)
			}
			if to, err = parseValue(b, lo, hi, names); err != nil {
				return nil, fmt.Errorf("%s %q: %v", name, f, err)
			}
			if from > to {
				return nil, fmt.Errorf("%s %q: the range runs backwards", name, f)
			}
		default:
			v, err := parseValue(rng, lo, hi, names)
			if err != nil {
				return nil, fmt.Errorf("%s %q: %v", name, f, err)
			}
			from = v
			if !hasStep {
				to = v
			}
		}
		for v := from; v <= to; v += step {
			out[v] = true
		}
	}
	return out, nil
}

func parseValue(s string, lo, hi int, names map[string]int) (int, error) {
	if v, ok := names[strings.ToUpper(s)]; ok {
		return v, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		if s == "L" || strings.HasSuffix(s, "W") || strings.HasSuffix(s, "L") {
			return 0, fmt.Errorf("%q is not supported here; use plain values, ranges, lists and steps (and L alone in day-of-month)", s)
		}
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("%d is outside %d-%d", n, lo, hi)
	}
	return n, nil
}

// matchesDay reports whether the schedule runs on the calendar day of t.
func (s *Schedule) matchesDay(t time.Time) bool {
	if !s.months[int(t.Month())] || (s.years != nil && !s.years[t.Year()]) {
		return false
	}
	switch {
	case s.lastDOM:
		return t.AddDate(0, 0, 1).Day() == 1
	case s.dom != nil:
		return s.dom[t.Day()]
	case s.nthDOW != nil:
		n, ok := s.nthDOW[int(t.Weekday())]
		return ok && (t.Day()-1)/7+1 == n
	default:
		return s.dow[int(t.Weekday())]
	}
}

// Runs lists the start times in [from, to), in loc.
func (s *Schedule) Runs(from, to time.Time, loc *time.Location) []time.Time {
	return slices.Collect(s.runs(from, to, loc))
}

// runs yields the start times in [from, to), in loc, in order.
func (s *Schedule) runs(from, to time.Time, loc *time.Location) iter.Seq[time.Time] {
	return func(yield func(time.Time) bool) {
		mins := sortedSet(s.minutes)
		hours := sortedSet(s.hours)
		day := time.Date(from.In(loc).Year(), from.In(loc).Month(), from.In(loc).Day(), 0, 0, 0, 0, loc)
		for ; day.Before(to); day = day.AddDate(0, 0, 1) {
			if !s.matchesDay(day) {
				continue
			}
			for _, h := range hours {
				for _, m := range mins {
					t := time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, loc)
					if !t.Before(from) && t.Before(to) && !yield(t) {
						return
					}
				}
			}
		}
	}
}

// Intervals returns the shortest and the longest gap between two consecutive
// runs over the two calendar years from 2026 (leap years and month lengths
// included). ok is false when the schedule runs fewer than twice in that time
// (a year field that has passed, or one run a year or less).
func (s *Schedule) Intervals(loc *time.Location) (shortest, longest time.Duration, ok bool) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
	var prev time.Time
	n := 0
	for t := range s.runs(from, from.AddDate(2, 0, 0), loc) {
		if n > 0 {
			d := t.Sub(prev)
			if n == 1 {
				shortest = d
			}
			shortest = min(shortest, d)
			longest = max(longest, d)
		}
		prev = t
		n++
	}
	return shortest, longest, n >= 2
}

func sortedSet(s set) []int {
	out := make([]int, 0, len(s))
	for v := range s {
		out = append(out, v)
	}
	sort.Ints(out)
	return out
}

// HumanDuration renders a duration in days and hours when it is two days or
// more ("7d", "31d1h", "2.5d" when minutes remain), else in hours or
// minutes ("24h", "90m").
func HumanDuration(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d >= 2*day && d%day == 0:
		return fmt.Sprintf("%dd", d/day)
	case d >= 2*day && d%time.Hour == 0:
		return fmt.Sprintf("%dd%dh", d/day, (d%day)/time.Hour)
	case d >= 2*day:
		return fmt.Sprintf("%.1fd", d.Hours()/24)
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return fmt.Sprintf("%dm", int(d.Minutes()))
}
