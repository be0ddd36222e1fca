package connect

import (
	"strings"
)

// Coverage is how far connections reached in a region on a date: the share
// of villages with fibre, with 4G, with either, the share of schools
// connected, and, on request, who is still unconnected.
type Coverage struct {
	Region string `json:"region"`
	Name   string `json:"name,omitempty"`
	// On is the date the figures hold for.
	On        string `json:"on"`
	Villages  int    `json:"villages"`
	Fibre     int    `json:"fibre"`
	FourG     int    `json:"4g"`
	FiveG     int    `json:"5g"`
	WiFi      int    `json:"public_wifi"`
	Connected int    `json:"connected"`
	// The rates are shares of Villages, 0 when there is none.
	FibreRate     float64 `json:"fibre_rate"`
	FourGRate     float64 `json:"4g_rate"`
	ConnectedRate float64 `json:"connected_rate"`

	Schools          int     `json:"schools"`
	SchoolsConnected int     `json:"schools_connected"`
	SchoolRate       float64 `json:"school_rate"`

	Children []Coverage `json:"children,omitempty"`
	// UnconnectedVillages have neither fibre nor 4G; UnconnectedSchools
	// have no connection. Both are filled only when asked for.
	UnconnectedVillages []Place `json:"unconnected_villages,omitempty"`
	UnconnectedSchools  []Place `json:"unconnected_schools,omitempty"`
}

// Place names a village or a school in a list; Region is a school's region.
type Place struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Region string `json:"region,omitempty"`
}

// count adds a village's state on the day to the figures.
func (c *Coverage) count(v VillageState) {
	c.Villages++
	r := v.Report
	if r == nil {
		return
	}
	c.Fibre += b2i(r.Fibre)
	c.FourG += b2i(r.FourG)
	c.FiveG += b2i(r.FiveG)
	c.WiFi += b2i(r.WiFi)
	c.Connected += b2i(r.Connected())
}

func (c *Coverage) countSchool(s *School) {
	c.Schools++
	c.SchoolsConnected += b2i(s.ConnectedOn(c.On))
}

func (c *Coverage) finish() {
	c.FibreRate, c.FourGRate = share(c.Fibre, c.Villages), share(c.FourG, c.Villages)
	c.ConnectedRate, c.SchoolRate = share(c.Connected, c.Villages), share(c.SchoolsConnected, c.Schools)
}

// Cover counts the coverage of region code on day from the states of its
// villages and its schools, each child region's too, and lists the
// unconnected when lists is set. children are the region's direct children;
// a village or school is counted in the child whose code starts its own.
func Cover(code, name, day string, villages []VillageState, schools []*School, children []Place, lists bool) *Coverage {
	c := &Coverage{Region: code, Name: name, On: day, Children: make([]Coverage, len(children))}
	for i, ch := range children {
		c.Children[i] = Coverage{Region: ch.Code, Name: ch.Name, On: day}
	}
	child := func(code string) *Coverage {
		for i := range c.Children {
			if strings.HasPrefix(code, c.Children[i].Region) {
				return &c.Children[i]
			}
		}
		return nil
	}
	for _, v := range villages {
		c.count(v)
		if ch := child(v.Code); ch != nil {
			ch.count(v)
		}
		if lists && !v.Report.Connected() {
			c.UnconnectedVillages = append(c.UnconnectedVillages, Place{Code: v.Code, Name: v.Name})
		}
	}
	for _, s := range schools {
		c.countSchool(s)
		if ch := child(s.Region); ch != nil {
			ch.countSchool(s)
		}
		if lists && !s.ConnectedOn(day) {
			c.UnconnectedSchools = append(c.UnconnectedSchools, Place{Code: s.Code, Name: s.Name, Region: s.Region})
		}
	}
	c.finish()
	for i := range c.Children {
		c.Children[i].finish()
	}
	return c
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}
