package web

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/tide"
)

// routeTransferAPI adds household import and export.
func (s *Server) routeTransferAPI() {
	s.api("POST /api/v1/households/import", s.apiImportHouseholds)
	s.api("GET /api/v1/households/export", s.apiExportHouseholds)
}

// transferFormat reads the format of a file: the format parameter, else the
// body's media type (for an upload), else csv.
func transferFormat(r *http.Request) (string, error) {
	f := strings.ToLower(r.URL.Query().Get("format"))
	if f == "" {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == registry.ContentType(registry.FormatXLSX) {
			f = registry.FormatXLSX
		} else {
			f = registry.FormatCSV
		}
	}
	return f, registry.CheckFormat(f)
}

// boolParam reads a true/false query parameter; absent is false.
func boolParam(r *http.Request, name string) (bool, error) {
	switch strings.ToLower(r.URL.Query().Get(name)) {
	case "", "false", "0", "no":
		return false, nil
	case "true", "1", "yes":
		return true, nil
	}
	return false, tide.Invalid(name, "%s must be true or false", name)
}

func (s *Server) apiImportHouseholds(w http.ResponseWriter, r *http.Request) {
	// Refuse before reading what may be a large body.
	if s.requireActor(w, r) == nil {
		return
	}
	format, err := transferFormat(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	good, err := boolParam(r, "good_rows_only")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxImportBody)
	// One import writes at a time, the pages' jobs included.
	select {
	case importJobs.run <- struct{}{}:
		defer func() { <-importJobs.run }()
	case <-r.Context().Done():
		return
	}
	rep, err := s.Registry.Import(r.Context(), r.Body, format, registry.ImportOptions{GoodRowsOnly: good, Source: "api upload"})
	if err != nil {
		s.Error(w, r, bodyError(err))
		return
	}
	rep.Rows = nonNil(rep.Rows)
	writeJSON(w, http.StatusCreated, rep)
}

func (s *Server) apiExportHouseholds(w http.ResponseWriter, r *http.Request) {
	format := strings.ToLower(r.URL.Query().Get("format"))
	if format == "" {
		format = registry.FormatCSV
	}
	s.serveExport(w, r, format, r.URL.Query().Get("region"), s.Error)
}

// serveExport streams an export as a download. Headers go out with the first
// byte, so a refusal before it (scope, format, rights) is answered as an
// error by fail; a failure after it cuts the connection, so the client sees
// a broken download rather than a file that looks whole.
func (s *Server) serveExport(w http.ResponseWriter, r *http.Request, format, region string, fail func(http.ResponseWriter, *http.Request, error)) {
	named := region
	if a := tide.ActorFrom(r.Context()); named == "" && a != nil {
		named = a.Scope // what the service exports for an empty region
	}
	dw := &downloadWriter{w: w, name: exportFileName(named, format, time.Now()), contentType: registry.ContentType(format)}
	_, err := s.Registry.Export(r.Context(), dw, registry.ExportOptions{Format: format, Region: region})
	if err == nil && !dw.started {
		dw.start()
	}
	if err == nil {
		return
	}
	if !dw.started {
		fail(w, r, err)
		return
	}
	s.Logger.Error("export failed after it began", "path", r.URL.Path, "error", err)
	panic(http.ErrAbortHandler)
}

// exportFileName names a download: households-REGION-DATE.FORMAT.
func exportFileName(region, format string, now time.Time) string {
	if region == "" {
		region = "all"
	}
	region = strings.Map(func(c rune) rune {
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_' {
			return c
		}
		return '_'
	}, region)
	return fmt.Sprintf("households-%s-%s.%s", region, now.Format("20060102"), format)
}

// downloadWriter sets a download's headers on its first write.
type downloadWriter struct {
	w                 http.ResponseWriter
	name, contentType string
	started           bool
}

func (d *downloadWriter) start() {
	d.started = true
	h := d.w.Header()
	h.Set("Content-Type", d.contentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": d.name}))
	h.Set("Cache-Control", "no-store")
	d.w.WriteHeader(http.StatusOK)
}

func (d *downloadWriter) Write(p []byte) (int, error) {
	if !d.started {
		d.start()
	}
	return d.w.Write(p)
}

var _ io.Writer = (*downloadWriter)(nil)
