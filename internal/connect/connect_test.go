package connect

import (
	"testing"

	"github.com/tide-project/tide/internal/tide"
)

func TestReportValidate(t *testing.T) {
	tests := []struct {
		name  string
		r     Report
		field string
	}{
		{"Fibre", Report{Village: "v", On: "2020-01-01", Fibre: true, FibreSince: "2019-05-01", Bandwidth: 100}, ""},
		{"Nothing", Report{Village: "v", On: "2020-01-01"}, ""},
		{"ErrNoVillage", Report{On: "2020-01-01"}, "village"},
		{"ErrDate", Report{Village: "v", On: "2020-13-01"}, "on"},
		{"ErrSinceWithoutFibre", Report{Village: "v", On: "2020-01-01", FibreSince: "2019-01-01"}, "fibre_since"},
		{"ErrSinceAfterReport", Report{Village: "v", On: "2020-01-01", Fibre: true, FibreSince: "2021-01-01"}, "fibre_since"},
		{"ErrBandwidthWithoutFibre", Report{Village: "v", On: "2020-01-01", FourG: true, Bandwidth: 20}, "bandwidth_mbps"},
		{"ErrBandwidthNegative", Report{Village: "v", On: "2020-01-01", Fibre: true, Bandwidth: -1}, "bandwidth_mbps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.r.Validate()
			if got := tide.ErrorField(err); got != tt.field || (tt.field != "" && tide.ErrorCode(err) != tide.EINVALID) {
				t.Errorf("Validate() = %v, want field %q", err, tt.field)
			}
		})
	}
}

func TestSchoolValidate(t *testing.T) {
	ok := School{Code: "S1", Name: "First", Region: "52", Level: Primary, Connection: Fibre, Bandwidth: 100, Since: "2018-09-01"}
	tests := []struct {
		name  string
		edit  func(s *School)
		field string
	}{
		{"Connected", func(s *School) {}, ""},
		{"NotConnected", func(s *School) { s.Connection, s.Bandwidth, s.Since = "", 0, "" }, ""},
		{"ErrCode", func(s *School) { s.Code = "a b" }, "code"},
		{"ErrLevel", func(s *School) { s.Level = "college" }, "level"},
		{"ErrLink", func(s *School) { s.Connection = "pigeon" }, "connection"},
		{"ErrNoSince", func(s *School) { s.Since = "" }, "since"},
		{"ErrBandwidthUnconnected", func(s *School) { s.Connection, s.Since = None, "" }, "bandwidth_mbps"},
		{"ErrStudents", func(s *School) { s.Students = -3 }, "students"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ok
			tt.edit(&s)
			if got := tide.ErrorField(s.Validate()); got != tt.field {
				t.Errorf("Validate() names %q, want %q", got, tt.field)
			}
		})
	}
}

// TestCover counts by hand: three villages, one with fibre and 4G, one
// with 4G only, one never reported; two schools, one connected since 2019.
func TestCover(t *testing.T) {
	villages := []VillageState{
		{Code: "52010101", Name: "A", Report: &Report{Fibre: true, FourG: true}},
		{Code: "52010102", Name: "B", Report: &Report{FourG: true}},
		{Code: "52020101", Name: "C"},
	}
	schools := []*School{{Code: "S1", Region: "52010101", Connection: Fibre, Since: "2019-09-01"},
		{Code: "S2", Region: "52020101", Connection: Mobile, Since: "2021-01-01"}}
	c := Cover("52", "P", "2020-12-31", villages, schools, []Place{{Code: "5201"}, {Code: "5202"}}, true)
	if c.Villages != 3 || c.Fibre != 1 || c.FourG != 2 || c.Connected != 2 || c.ConnectedRate != 2.0/3 || c.SchoolRate != 0.5 {
		t.Errorf("coverage = %+v", c)
	}
	if len(c.UnconnectedVillages) != 1 || c.UnconnectedVillages[0].Code != "52020101" || len(c.UnconnectedSchools) != 1 || c.UnconnectedSchools[0].Code != "S2" {
		t.Errorf("unconnected = %v and %v, want C and S2", c.UnconnectedVillages, c.UnconnectedSchools)
	}
	if a, b := c.Children[0], c.Children[1]; a.Villages != 2 || a.ConnectedRate != 1 || b.Villages != 1 || b.Connected != 0 || b.SchoolRate != 0 {
		t.Errorf("children = %+v, %+v", a, b)
	}
}
