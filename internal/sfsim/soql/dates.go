package soql

import "time"

// dateLiteral describes a relative date range: its unit, which period it
// starts at relative to the current one, and how many periods it spans.
type dateLiteral struct {
	takesN bool
	// span computes [start, end) as civil dates for "now" (a date at
	// midnight in the caller's zone) and n.
	span func(today time.Time, n int) (time.Time, time.Time)
}

func days(d time.Time, n int) time.Time   { return d.AddDate(0, 0, n) }
func months(d time.Time, n int) time.Time { return d.AddDate(0, n, 0) }

// weekStart is Sunday, the first day of the week in the en_US locale the
// emulated org uses.
func weekStart(d time.Time) time.Time { return days(d, -int(d.Weekday())) }
func monthStart(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, d.Location())
}
func quarterStart(d time.Time) time.Time {
	return time.Date(d.Year(), time.Month((int(d.Month())-1)/3*3+1), 1, 0, 0, 0, 0, d.Location())
}
func yearStart(d time.Time) time.Time { return time.Date(d.Year(), 1, 1, 0, 0, 0, 0, d.Location()) }

// periods builds the literals for one unit: THIS_x, LAST_x, NEXT_x,
// LAST_N_xS:n, NEXT_N_xS:n, N_xS_AGO:n.
func periods(m map[string]dateLiteral, unit, plural string, start func(time.Time) time.Time, add func(time.Time, int) time.Time) {
	one := func(k int) func(time.Time, int) (time.Time, time.Time) {
		return func(t time.Time, _ int) (time.Time, time.Time) {
			s := add(start(t), k)
			return s, add(s, 1)
		}
	}
	if unit != "DAY" {
		m["THIS_"+unit] = dateLiteral{span: one(0)}
		m["LAST_"+unit] = dateLiteral{span: one(-1)}
		m["NEXT_"+unit] = dateLiteral{span: one(1)}
		m["LAST_N_"+plural] = dateLiteral{takesN: true, span: func(t time.Time, n int) (time.Time, time.Time) {
			s := start(t)
			return add(s, -n), s
		}}
		m["NEXT_N_"+plural] = dateLiteral{takesN: true, span: func(t time.Time, n int) (time.Time, time.Time) {
			s := add(start(t), 1)
			return s, add(s, n)
		}}
	}
	m["N_"+plural+"_AGO"] = dateLiteral{takesN: true, span: func(t time.Time, n int) (time.Time, time.Time) {
		s := add(start(t), -n)
		return s, add(s, 1)
	}}
}

// dateLiterals are the relative ranges SOQL knows, keyed by upper-case name.
// The org's fiscal year is the calendar year, so the FISCAL forms equal the
// calendar ones.
var dateLiterals = func() map[string]dateLiteral {
	m := map[string]dateLiteral{}
	day := func(k int) func(time.Time, int) (time.Time, time.Time) {
		return func(t time.Time, _ int) (time.Time, time.Time) { return days(t, k), days(t, k+1) }
	}
	m["YESTERDAY"] = dateLiteral{span: day(-1)}
	m["TODAY"] = dateLiteral{span: day(0)}
	m["TOMORROW"] = dateLiteral{span: day(1)}
	// LAST_N_DAYS includes today (LAST_N_DAYS:1 is yesterday and today);
	// NEXT_N_DAYS starts tomorrow (Salesforce's date literal table).
	m["LAST_N_DAYS"] = dateLiteral{takesN: true, span: func(t time.Time, n int) (time.Time, time.Time) { return days(t, -n), days(t, 1) }}
	m["NEXT_N_DAYS"] = dateLiteral{takesN: true, span: func(t time.Time, n int) (time.Time, time.Time) { return days(t, 1), days(t, 1+n) }}
	m["LAST_90_DAYS"] = dateLiteral{span: func(t time.Time, _ int) (time.Time, time.Time) { return days(t, -90), days(t, 1) }}
	m["NEXT_90_DAYS"] = dateLiteral{span: func(t time.Time, _ int) (time.Time, time.Time) { return days(t, 1), days(t, 91) }}
	periods(m, "DAY", "DAYS", func(t time.Time) time.Time { return t }, days)
	periods(m, "WEEK", "WEEKS", weekStart, func(t time.Time, n int) time.Time { return days(t, 7*n) })
	periods(m, "MONTH", "MONTHS", monthStart, months)
	periods(m, "QUARTER", "QUARTERS", quarterStart, func(t time.Time, n int) time.Time { return months(t, 3*n) })
	periods(m, "YEAR", "YEARS", yearStart, func(t time.Time, n int) time.Time { return t.AddDate(n, 0, 0) })
	for _, k := range []string{"THIS_", "LAST_", "NEXT_"} {
		m[k+"FISCAL_QUARTER"] = m[k+"QUARTER"]
		m[k+"FISCAL_YEAR"] = m[k+"YEAR"]
	}
	for _, k := range []string{"LAST_N_", "NEXT_N_"} {
		m[k+"FISCAL_QUARTERS"] = m[k+"QUARTERS"]
		m[k+"FISCAL_YEARS"] = m[k+"YEARS"]
	}
	m["N_FISCAL_QUARTERS_AGO"] = m["N_QUARTERS_AGO"]
	m["N_FISCAL_YEARS_AGO"] = m["N_YEARS_AGO"]
	return m
}()
