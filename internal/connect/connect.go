// Package connect is the campaign's connectivity: each village's fibre, 4G,
// 5G and public Wi-Fi as reports over time, each school's connection, the
// coverage of any region on any date with the list of who is still
// unconnected, and remote classes that rural classrooms join.
package connect

import (
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tide-project/tide/internal/tide"
)

// Bounds of the reported figures.
const (
	MaxBandwidth = 100_000 // Mbps
	MaxPeople    = 100_000 // students or teachers of one school
	MaxDevices   = 100_000
	MaxText      = 120
)

// Report is what was true of one village's connection from a date on, until
// its next report.
type Report struct {
	Village string `json:"village"`
	// On is the date the report holds from, YYYY-MM-DD.
	On    string `json:"on"`
	Fibre bool   `json:"fibre"`
	// FibreSince is the date fibre arrived, when it has.
	FibreSince string `json:"fibre_since,omitempty"`
	Provider   string `json:"provider,omitempty"`
	// Bandwidth is the fibre's bandwidth in Mbps.
	Bandwidth int  `json:"bandwidth_mbps"`
	FourG     bool `json:"4g"`
	FiveG     bool `json:"5g"`
	WiFi      bool `json:"public_wifi"`
}

// Validate checks a report on its own; the village's existence is checked
// against the store.
func (r *Report) Validate() error {
	r.Village, r.Provider = strings.TrimSpace(r.Village), strings.TrimSpace(r.Provider)
	switch {
	case r.Village == "":
		return tide.Invalid("village", "village is required")
	case !validDate(r.On):
		return tide.Invalid("on", "on must be a date such as 2019-06-30")
	case r.FibreSince != "" && !validDate(r.FibreSince):
		return tide.Invalid("fibre_since", "fibre_since must be a date such as 2017-03-01")
	case r.FibreSince != "" && !r.Fibre:
		return tide.Invalid("fibre_since", "fibre_since is only for a village with fibre")
	case r.FibreSince > r.On:
		return tide.Invalid("fibre_since", "fibre_since is after the report's date")
	case r.Bandwidth < 0 || r.Bandwidth > MaxBandwidth:
		return tide.Invalid("bandwidth_mbps", "bandwidth must be 0 to %d Mbps", MaxBandwidth)
	case r.Bandwidth > 0 && !r.Fibre:
		return tide.Invalid("bandwidth_mbps", "bandwidth is the fibre's; a village without fibre has none")
	case utf8.RuneCountInString(r.Provider) > MaxText:
		return tide.Invalid("provider", "provider has more than %d characters", MaxText)
	}
	return nil
}

// Connected reports whether the village has fibre or 4G.
func (r *Report) Connected() bool { return r != nil && (r.Fibre || r.FourG) }

// Level is the stage of schooling a school gives.
type Level string

// The levels of school.
const (
	Primary  Level = "primary"
	Middle   Level = "middle"
	High     Level = "high"
	Teaching Level = "teaching_point" // a small village school of a few grades
)

// Levels lists the levels in the order pages show them.
var Levels = []Level{Teaching, Primary, Middle, High}

// Link is how a school reaches the Internet.
type Link string

// The kinds of link; None is a school without one.
const (
	None      Link = "none"
	Fibre     Link = "fibre"
	Mobile    Link = "4g"
	Satellite Link = "satellite"
	DSL       Link = "dsl"
)

// Links lists the kinds of link.
var Links = []Link{None, Fibre, Mobile, Satellite, DSL}

// School is one school and its connection as last reported.
type School struct {
	// Code is the school's own code (a national school code, say); imports
	// match on it.
	Code       string `json:"code"`
	Name       string `json:"name"`
	Region     string `json:"region"`
	Level      Level  `json:"level"`
	Students   int    `json:"students"`
	Teachers   int    `json:"teachers"`
	Connection Link   `json:"connection"`
	// Bandwidth is in Mbps.
	Bandwidth int `json:"bandwidth_mbps"`
	Devices   int `json:"devices"`
	// Since is the date the school got its connection.
	Since string `json:"since,omitempty"`
	// Account is the school's own user, who may report its connection; 0
	// when it has none.
	Account   int64     `json:"account,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate checks a school's fields, naming the first at fault.
func (s *School) Validate() error {
	s.Code, s.Name, s.Region = strings.TrimSpace(s.Code), strings.TrimSpace(s.Name), strings.TrimSpace(s.Region)
	if s.Connection == "" {
		s.Connection = None
	}
	switch {
	case s.Code == "" || len(s.Code) > 40 || strings.ContainsAny(s.Code, " /?#%"):
		return tide.Invalid("code", "code must have 1 to 40 characters without spaces, '/', '?', '#' or '%%'")
	case s.Name == "" || utf8.RuneCountInString(s.Name) > MaxText:
		return tide.Invalid("name", "name must have 1 to %d characters", MaxText)
	case s.Region == "":
		return tide.Invalid("region", "region is required")
	case !slices.Contains(Levels, s.Level):
		return tide.Invalid("level", "level must be teaching_point, primary, middle or high")
	case s.Students < 0 || s.Students > MaxPeople:
		return tide.Invalid("students", "students must be 0 to %d", MaxPeople)
	case s.Teachers < 0 || s.Teachers > MaxPeople:
		return tide.Invalid("teachers", "teachers must be 0 to %d", MaxPeople)
	case !slices.Contains(Links, s.Connection):
		return tide.Invalid("connection", "connection must be none, fibre, 4g, satellite or dsl")
	case s.Bandwidth < 0 || s.Bandwidth > MaxBandwidth:
		return tide.Invalid("bandwidth_mbps", "bandwidth must be 0 to %d Mbps", MaxBandwidth)
	case s.Connection == None && s.Bandwidth > 0:
		return tide.Invalid("bandwidth_mbps", "a school without a connection has no bandwidth")
	case s.Devices < 0 || s.Devices > MaxDevices:
		return tide.Invalid("devices", "devices must be 0 to %d", MaxDevices)
	case s.Since != "" && !validDate(s.Since):
		return tide.Invalid("since", "since must be a date such as 2018-09-01")
	case s.Connection != None && s.Since == "":
		return tide.Invalid("since", "say since when the school is connected")
	case s.Connection == None && s.Since != "":
		return tide.Invalid("since", "a school without a connection has no since date")
	}
	return nil
}

// ConnectedOn reports whether the school had its connection on date day.
func (s *School) ConnectedOn(day string) bool {
	return s.Connection != None && s.Since != "" && s.Since <= day
}

// SchoolFilter selects schools; Prefix is a region code prefix.
type SchoolFilter struct {
	Prefix  string
	Account int64
	Offset  int
	Limit   int
}

// Class is one remote class: a city school's teacher teaches, and rural
// classrooms join over the stream.
type Class struct {
	ID string `json:"id"`
	// Host is the code of the school that gives the class.
	Host    string    `json:"host"`
	Subject string    `json:"subject"`
	Teacher string    `json:"teacher"`
	Starts  time.Time `json:"starts"`
	Minutes int       `json:"minutes"`
	Stream  string    `json:"stream"`
	// Region is the host school's region, filled by the store.
	Region     string      `json:"region"`
	Classrooms []Classroom `json:"classrooms"`
}

// Classroom is one school's classroom that joined a class, and how many of
// its pupils attended (-1 until reported).
type Classroom struct {
	School   string `json:"school"`
	Name     string `json:"name,omitempty"`
	Attended int    `json:"attended"`
}

// Validate checks a new class.
func (c *Class) Validate() error {
	c.Subject, c.Teacher, c.Stream = strings.TrimSpace(c.Subject), strings.TrimSpace(c.Teacher), strings.TrimSpace(c.Stream)
	switch {
	case c.Host == "":
		return tide.Invalid("host", "host school is required")
	case c.Subject == "" || utf8.RuneCountInString(c.Subject) > MaxText:
		return tide.Invalid("subject", "subject must have 1 to %d characters", MaxText)
	case utf8.RuneCountInString(c.Teacher) > MaxText:
		return tide.Invalid("teacher", "teacher has more than %d characters", MaxText)
	case c.Starts.IsZero():
		return tide.Invalid("starts", "starts is required")
	case c.Minutes < 10 || c.Minutes > 240:
		return tide.Invalid("minutes", "a class lasts 10 to 240 minutes")
	}
	u, err := url.Parse(c.Stream)
	if err != nil || (u.Scheme != "https" && u.Scheme != "rtmp" && u.Scheme != "rtmps") || u.Host == "" {
		return tide.Invalid("stream", "stream must be an https, rtmp or rtmps address")
	}
	return nil
}

// Attendance sums the pupils the joined classrooms reported, and counts
// the classrooms that reported.
func (c *Class) Attendance() (pupils, reported int) {
	for _, r := range c.Classrooms {
		if r.Attended >= 0 {
			pupils += r.Attended
			reported++
		}
	}
	return pupils, reported
}

// ClassFilter selects classes: those hosted or joined by School when set,
// those whose host lies under Prefix, starting in [From, To) when set.
type ClassFilter struct {
	School   string
	Prefix   string
	From, To time.Time
	Limit    int
}

func validDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}
