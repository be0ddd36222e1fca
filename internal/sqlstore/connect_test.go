package sqlstore_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tide-project/tide/internal/connect"
	"github.com/tide-project/tide/internal/geo"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

// seedVillages adds to seedRegions' tree a township in each county, three
// villages in the first and one in the second.
func seedVillages(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	svc := seedRegions(t, db)
	csv := "code,name,level,parent\n520101001,T1,township,520101\n520102001,T2,township,520102\n" +
		"520101001001,V1,village,520101001\n520101001002,V2,village,520101001\n520101001003,V3,village,520101001\n" +
		"520102001001,V4,village,520102001\n"
	if _, err := svc.Import(admin(context.Background()), strings.NewReader(csv), nil); err != nil {
		t.Fatalf("import villages: %v", err)
	}
}

// connectionHistory is four villages' reports over five years.
const connectionHistory = `village,on,fibre,fibre_since,provider,bandwidth_mbps,4g,5g,public_wifi
520101001001,2016-01-01,no,,,0,yes,no,no
520101001001,2018-06-01,yes,2018-05-20,Telecom,100,yes,no,yes
520101001002,2017-03-01,no,,,,yes,no,no
520101001002,2019-09-01,yes,2019-08-01,Unicom,50,yes,no,no
520101001003,2019-01-01,no,,,0,no,no,no
520101001003,2020-06-30,yes,2020-06-01,Mobile,200,yes,yes,no
520102001001,2018-01-01,yes,2017-12-01,Telecom,100,no,no,no
`

const schoolList = `code,name,region,level,students,teachers,connection,bandwidth_mbps,devices,since
S1,First School,520101001001,primary,120,8,fibre,100,20,2018-09-01
S2,Hill Point,520102001001,teaching_point,15,1,none,0,1,
`

// TestCoverageAtThreeDates imports a connection history and a list of
// schools and checks the coverage at three dates against figures counted by
// hand from the files above.
func TestCoverageAtThreeDates(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := admin(context.Background())
		seedVillages(t, db)
		svc := connect.NewService(db)
		if n, err := svc.ImportReports(ctx, strings.NewReader(connectionHistory), connect.FormatCSV); err != nil || n != 7 {
			t.Fatalf("import reports = %d, %v; want 7, nil", n, err)
		}
		if n, err := svc.ImportSchools(ctx, strings.NewReader(schoolList), connect.FormatCSV); err != nil || n != 2 {
			t.Fatalf("import schools = %d, %v; want 2, nil", n, err)
		}
		tests := []struct {
			on                                  string
			fibre, fourG, fiveG, connected      int
			fibreRate, fourGRate, connectedRate float64
			schoolsConnected                    int
			unconnected                         []string
			// the first county's fibre and 4G villages, of its three
			c1Fibre, c1FourG int
		}{
			{"2017-01-01", 0, 1, 0, 1, 0, 0.25, 0.25, 0, []string{"520101001002", "520101001003", "520102001001"}, 0, 1},
			{"2018-12-31", 2, 2, 0, 3, 0.5, 0.5, 0.75, 1, []string{"520101001003"}, 1, 2},
			{"2020-12-31", 4, 3, 1, 4, 1, 0.75, 1, 1, nil, 3, 3},
		}
		for _, tt := range tests {
			t.Run(tt.on, func(t *testing.T) {
				c, err := svc.Coverage(context.Background(), "52", tt.on, true)
				if err != nil {
					t.Fatal(err)
				}
				if c.Villages != 4 || c.Fibre != tt.fibre || c.FourG != tt.fourG || c.FiveG != tt.fiveG || c.Connected != tt.connected {
					t.Errorf("villages, fibre, 4G, 5G, connected = %d, %d, %d, %d, %d; want 4, %d, %d, %d, %d",
						c.Villages, c.Fibre, c.FourG, c.FiveG, c.Connected, tt.fibre, tt.fourG, tt.fiveG, tt.connected)
				}
				if c.FibreRate != tt.fibreRate || c.FourGRate != tt.fourGRate || c.ConnectedRate != tt.connectedRate {
					t.Errorf("rates = %v, %v, %v; want %v, %v, %v", c.FibreRate, c.FourGRate, c.ConnectedRate,
						tt.fibreRate, tt.fourGRate, tt.connectedRate)
				}
				if c.Schools != 2 || c.SchoolsConnected != tt.schoolsConnected || c.SchoolRate != float64(tt.schoolsConnected)/2 {
					t.Errorf("schools = %d of %d (%v); want %d of 2", c.SchoolsConnected, c.Schools, c.SchoolRate, tt.schoolsConnected)
				}
				var got []string
				for _, p := range c.UnconnectedVillages {
					got = append(got, p.Code)
				}
				if strings.Join(got, ",") != strings.Join(tt.unconnected, ",") {
					t.Errorf("unconnected villages = %v, want %v", got, tt.unconnected)
				}
				if len(c.UnconnectedSchools) != 2-tt.schoolsConnected {
					t.Errorf("unconnected schools = %v, want %d", c.UnconnectedSchools, 2-tt.schoolsConnected)
				}
				c1, err := svc.Coverage(context.Background(), "520101", tt.on, false)
				if err != nil {
					t.Fatal(err)
				}
				if c1.Villages != 3 || c1.Fibre != tt.c1Fibre || c1.FourG != tt.c1FourG || c1.UnconnectedVillages != nil {
					t.Errorf("county 520101: villages %d, fibre %d, 4G %d, list %v; want 3, %d, %d, none",
						c1.Villages, c1.Fibre, c1.FourG, c1.UnconnectedVillages, tt.c1Fibre, tt.c1FourG)
				}
				if len(c.Children) != 1 || c.Children[0].Region != "5201" || c.Children[0].Fibre != tt.fibre {
					t.Errorf("children = %+v, want the prefecture with %d fibre villages", c.Children, tt.fibre)
				}
			})
		}
		h, err := svc.History(ctx, "520101001002")
		if err != nil || len(h) != 2 || h[1].Provider != "Unicom" || h[1].Bandwidth != 50 {
			t.Errorf("history of V2 = %+v, %v; want two reports, the second Unicom at 50 Mbps", h, err)
		}
	})
}

// TestImportReportsFromXLSX reads the same kind of file as a workbook,
// its report dates in date cells.
func TestImportReportsFromXLSX(t *testing.T) {
	db := sqlstore.OpenTest(t, sqlstore.SQLite)
	seedVillages(t, db)
	f := excelize.NewFile()
	for i, line := range strings.Split(strings.TrimSpace(connectionHistory), "\n") {
		for j, v := range strings.Split(line, ",") {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			// The report dates are date cells, as a spreadsheet keeps them.
			if d, err := time.Parse(time.DateOnly, v); err == nil && j == 1 {
				f.SetCellValue("Sheet1", cell, d)
				continue
			}
			f.SetCellValue("Sheet1", cell, v)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	svc := connect.NewService(db)
	if n, err := svc.ImportReports(admin(context.Background()), &buf, connect.FormatXLSX); err != nil || n != 7 {
		t.Fatalf("import = %d, %v; want 7, nil", n, err)
	}
	c, err := svc.Coverage(context.Background(), "", "2018-12-31", false)
	if err != nil || c.Fibre != 2 || c.Connected != 3 {
		t.Fatalf("coverage = %+v, %v; want 2 fibre and 3 connected villages", c, err)
	}
}

func wantRow(t *testing.T, err error, line int, column, says string) {
	t.Helper()
	var ie *connect.ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want an import error", err)
	}
	for _, r := range ie.Rows {
		if r.Line == line && r.Column == column && strings.Contains(r.Message, says) {
			return
		}
	}
	t.Errorf("rows = %+v, want line %d column %s saying %q", ie.Rows, line, column, says)
}

// TestConnectBadInput refuses a school in a region that does not exist, a
// bandwidth that is not a number, and boundaries that are not valid
// GeoJSON, each with a clear error and nothing written.
func TestConnectBadInput(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := admin(context.Background())
		seedVillages(t, db)
		svc := connect.NewService(db)
		t.Run("SchoolInNoRegion", func(t *testing.T) {
			file := schoolList + "S3,Lost School,529999,primary,10,1,none,0,0,\n"
			_, err := svc.ImportSchools(ctx, strings.NewReader(file), connect.FormatCSV)
			wantRow(t, err, 4, "region", "region 529999 does not exist")
			err = svc.SaveSchools(ctx, []*connect.School{{Code: "S9", Name: "Nowhere", Region: "529999", Level: connect.Primary}})
			if tide.ErrorCode(err) != tide.EINVALID || tide.ErrorField(err) != "region" {
				t.Errorf("save a school in no region: %v, want invalid region", err)
			}
			if _, n, _ := db.FindSchools(ctx, connect.SchoolFilter{Limit: 10}); n != 0 {
				t.Errorf("%d schools stored, want none", n)
			}
		})
		t.Run("BandwidthNotANumber", func(t *testing.T) {
			file := connectionHistory + "520101001003,2021-01-01,yes,2020-06-01,Mobile,fast,yes,yes,no\n"
			_, err := svc.ImportReports(ctx, strings.NewReader(file), connect.FormatCSV)
			wantRow(t, err, 9, "bandwidth_mbps", `"fast" is not a whole number`)
			if h, _ := db.FindReports(ctx, "520101001001"); len(h) != 0 {
				t.Errorf("%d reports stored, want none", len(h))
			}
		})
		t.Run("GeoJSONNotValid", func(t *testing.T) {
			gs := geo.NewService(db)
			good := `{"type":"Feature","properties":{"code":"520101"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}`
			for name, body := range map[string]string{
				"NotJSON":        `{"type":"FeatureCollection","features":[`,
				"NotACollection": `{"type":"Feature"}`,
				"OpenRing":       `{"type":"FeatureCollection","features":[` + good + `,{"type":"Feature","properties":{"code":"520102"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}}]}`,
				"NoSuchRegion":   `{"type":"FeatureCollection","features":[` + good + `,{"type":"Feature","properties":{"code":"529999"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}`,
				"OffTheGlobe":    `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"520102"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[200,0],[1,1],[0,0]]]}}]}`,
			} {
				_, err := gs.Import(ctx, strings.NewReader(body))
				if tide.ErrorCode(err) != tide.EINVALID || tide.ErrorMessage(err) == "" {
					t.Errorf("%s: err = %v, want invalid", name, err)
				}
			}
			if bs, err := gs.Find(ctx, []string{"520101", "520102"}); err != nil || len(bs) != 0 {
				t.Errorf("boundaries stored = %d, %v; want none", len(bs), err)
			}
			if n, err := gs.Import(ctx, strings.NewReader(`{"type":"FeatureCollection","features":[`+good+`]}`)); err != nil || n != 1 {
				t.Errorf("import a good file = %d, %v; want 1", n, err)
			}
		})
	})
}

// TestRemoteClasses schedules a class, has two classrooms join it and
// report attendance, and reads each school's timetable.
func TestRemoteClasses(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := admin(context.Background())
		seedVillages(t, db)
		svc := connect.NewService(db)
		file := schoolList + "S0,City School,5201,high,900,60,fibre,1000,300,2015-09-01\n"
		if _, err := svc.ImportSchools(ctx, strings.NewReader(file), connect.FormatCSV); err != nil {
			t.Fatal(err)
		}
		// S1's own account reports for S1 only.
		s1 := &tide.Actor{UserID: 77, Name: "s1", Roles: []tide.Role{tide.RoleSchool}, Scope: "520101001001"}
		sc, _ := db.FindSchool(ctx, "S1")
		sc.Account = 77
		if err := svc.SaveSchools(ctx, []*connect.School{sc}); err != nil {
			t.Fatal(err)
		}
		starts := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
		c := &connect.Class{Host: "S0", Subject: "English", Teacher: "Ms Li", Starts: starts, Minutes: 45, Stream: "https://stream.example/english"}
		if err := svc.CreateClass(ctx, c); err != nil {
			t.Fatal(err)
		}
		sctx := tide.WithActor(context.Background(), s1)
		if _, err := svc.Join(sctx, c.ID, "S2"); tide.ErrorCode(err) != tide.EINVALID {
			t.Errorf("S1's account joins S2: %v, want refused", err)
		}
		for _, school := range []string{"S1", "S2"} {
			if _, err := svc.Join(ctx, c.ID, school); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.Join(ctx, c.ID, "S1"); tide.ErrorCode(err) != tide.ECONFLICT {
			t.Errorf("join twice: %v, want conflict", err)
		}
		got, err := svc.Attend(sctx, c.ID, "S1", 31)
		if err != nil {
			t.Fatal(err)
		}
		if pupils, reported := got.Attendance(); pupils != 31 || reported != 1 || len(got.Classrooms) != 2 {
			t.Errorf("attendance = %d pupils from %d of %d classrooms; want 31 from 1 of 2", pupils, reported, len(got.Classrooms))
		}
		tt, err := svc.Timetable(sctx, "S1", starts.AddDate(0, 0, -1), 7)
		if err != nil || len(tt) != 1 || tt[0].Subject != "English" || tt[0].Region != "5201" {
			t.Errorf("S1's timetable = %+v, %v; want the English class", tt, err)
		}
		if _, err := svc.Timetable(sctx, "S2", starts, 7); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("S1's account reads S2's timetable: %v, want not found", err)
		}
		if tt, _ := svc.Timetable(ctx, "S2", starts.AddDate(0, 0, 1), 7); len(tt) != 0 {
			t.Errorf("S2's timetable from the next day = %d classes, want none", len(tt))
		}
		own, err := svc.ReportSchool(sctx, "S1", connect.SchoolConnection{Students: 130, Teachers: 9, Connection: connect.Fibre, Bandwidth: 300, Devices: 40, Since: "2018-09-01"})
		if err != nil || own.Bandwidth != 300 || own.Account != 77 || own.Region != "520101001001" {
			t.Errorf("S1 reports its connection: %+v, %v", own, err)
		}
	})
}

// TestCoverageSeries counts the same dates from the villages' histories
// read once as from each date's states.
func TestCoverageSeries(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := admin(context.Background())
		seedVillages(t, db)
		svc := connect.NewService(db)
		if _, err := svc.ImportReports(ctx, strings.NewReader(connectionHistory), connect.FormatCSV); err != nil {
			t.Fatal(err)
		}
		days := []string{"2015-12-31", "2017-01-01", "2018-06-01", "2018-12-31", "2020-06-30", "2020-12-31"}
		series, err := svc.CoverageSeries(ctx, "5201", days)
		if err != nil || len(series) != len(days) {
			t.Fatalf("series = %d, %v", len(series), err)
		}
		for i, day := range days {
			one, err := svc.Coverage(ctx, "5201", day, false)
			if err != nil {
				t.Fatal(err)
			}
			got := series[i]
			if got.Fibre != one.Fibre || got.FourG != one.FourG || got.FiveG != one.FiveG || got.WiFi != one.WiFi ||
				got.Connected != one.Connected || len(got.Children) != 2 || got.Children[1].Fibre != one.Children[1].Fibre {
				t.Errorf("%s: series %+v, one day %+v", day, got, one)
			}
		}
		if series[0].Connected != 0 || series[1].Connected != 1 || series[2].Fibre != 2 {
			t.Errorf("connected at the end of 2015 = %d, on 2017-01-01 = %d, fibre on 2018-06-01 = %d; want 0, 1, 2",
				series[0].Connected, series[1].Connected, series[2].Fibre)
		}
	})
}
