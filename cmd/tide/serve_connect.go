package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/tide-project/tide/internal/connect"
	"github.com/tide-project/tide/internal/geo"
	"github.com/tide-project/tide/internal/overview"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/web"
)

// Connectivity holds the connect domain, the regions' boundaries and the
// overview that reads every domain's figures.
type Connectivity struct {
	Connect    *connect.Service
	Boundaries *geo.Service
	Overview   *overview.Service
}

// openConnect builds the connect and boundary services over the database,
// and the overview over the figures of the registry, the market, the needs,
// the public's participation, connectivity and remote consultations.
func (m *Main) openConnect() {
	m.Connectivity.Connect = connect.NewService(m.DB)
	m.Connectivity.Boundaries = geo.NewService(m.DB)
	currency := ""
	if p, ok := m.Policies.Lookup(m.Config.ExitPolicy); ok {
		currency = p.Currency
	}
	m.Connectivity.Overview = overview.New(m.DB, overviewSources(m.DB, m.Connectivity.Connect), currency)
}

// wireConnect gives the server the connectivity services.
func (m *Main) wireConnect(s *web.Server) {
	s.Connect, s.Boundaries, s.Overview = m.Connectivity.Connect, m.Connectivity.Boundaries, m.Connectivity.Overview
}

// overviewSources maps each overview figure to where it is read.
func overviewSources(db *sqlstore.DB, c *connect.Service) map[string]overview.Source {
	return map[string]overview.Source{
		overview.Headcount:     overview.SourceFunc(db.PoorPersonsFigure),
		overview.Exits:         overview.SourceFunc(db.ExitsFigure),
		overview.Monitoring:    overview.SourceFunc(db.MonitoringFigure),
		overview.MarketIncome:  overview.SourceFunc(db.MarketIncomeFigure),
		overview.Donations:     overview.SourceFunc(db.DonationsFigure),
		overview.Villages:      coverageFigure(c, func(cv *connect.Coverage) float64 { return cv.ConnectedRate }),
		overview.Schools:       coverageFigure(c, func(cv *connect.Coverage) float64 { return cv.SchoolRate }),
		overview.Participation: participationFigure(db),
		overview.Consultations: overview.SourceFunc(db.ConsultationsFigure),
	}
}

// coverageFigure reads a share of the coverage on the last day of each
// year (today in the current one).
func coverageFigure(c *connect.Service, pick func(*connect.Coverage) float64) overview.Source {
	return overview.SourceFunc(func(ctx context.Context, q overview.Query) (*overview.Series, error) {
		days := make([]string, len(q.Years))
		for i := range q.Years {
			days[i] = q.End(i).Add(-time.Nanosecond).Format(time.DateOnly)
		}
		covs, err := c.CoverageSeries(ctx, q.Region, days)
		if err != nil {
			return nil, err
		}
		s := overview.NewSeries(q)
		for i, cv := range covs {
			s.Values[i] = pick(cv)
		}
		for _, ch := range covs[len(covs)-1].Children {
			if k := q.Child(ch.Region); k >= 0 {
				s.Children[k] = pick(&ch)
			}
		}
		return s, nil
	})
}

// participationFigure reads the share of the public that took part in each
// year, by home region.
func participationFigure(db *sqlstore.DB) overview.Source {
	return overview.SourceFunc(func(ctx context.Context, q overview.Query) (*overview.Series, error) {
		s := overview.NewSeries(q)
		for i, y := range q.Years {
			from := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
			p, err := db.CountParticipation(ctx, q.Region, from, q.End(i))
			if err != nil {
				return nil, err
			}
			s.Values[i] = p.Rate
			if i < len(q.Years)-1 {
				continue
			}
			for k, code := range q.Children {
				cp, err := db.CountParticipation(ctx, code, from, q.End(i))
				if err != nil {
					return nil, err
				}
				s.Children[k] = cp.Rate
			}
		}
		return s, nil
	})
}

// runImportConnect is `tide import connections|schools|boundaries FILE`.
func runImportConnect(ctx context.Context, env *Env, what string, args []string) error {
	var file, as, format string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		file, args = args[0], args[1:]
	}
	db, fs, err := openFor(ctx, env, "import", args, func(fs *flag.FlagSet) {
		fs.StringVar(&as, "as", "", "act as this user: their area and rights apply (default: the system administrator)")
		fs.StringVar(&format, "format", "", "csv or xlsx (default: from the file name)")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	}
	if file == "" {
		return usageError{fmt.Sprintf("want the file of %s to import", what)}
	}
	if ctx, err = actingAs(ctx, db, as); err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	svc := connect.NewService(db)
	var n int
	switch what {
	case "connections":
		n, err = svc.ImportReports(ctx, f, fileFormat(format, file))
	case "schools":
		n, err = svc.ImportSchools(ctx, f, fileFormat(format, file))
	default:
		n, err = geo.NewService(db).Import(ctx, f)
	}
	var ie *connect.ImportError
	if errors.As(err, &ie) {
		for _, row := range ie.Rows {
			fmt.Fprintf(env.Stderr, "%s:%d: %s: %s\n", file, row.Line, row.Column, row.Message)
		}
		return fmt.Errorf("%s in %s; nothing imported", badRows(len(ie.Rows)), file)
	} else if err != nil {
		return fmt.Errorf("%s: %w; nothing imported", file, err)
	}
	fmt.Fprintf(env.Stdout, "imported %d %s from %s\n", n, what, file)
	return nil
}
