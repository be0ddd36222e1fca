package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/tide"
)

// routeTransferPages adds the import page, its jobs, the templates and the
// export download.
func (s *Server) routeTransferPages() {
	s.page("GET /households/import", s.importPage)
	// The upload checks its CSRF token itself, from the head of the stream:
	// the page forms' limit cannot hold a file.
	s.mux.Handle("POST /households/import", s.uploadAuth(http.HandlerFunc(s.importSubmit)))
	s.page("GET /import/{id}", s.importJobPage)
	s.page("GET /import/{id}/errors.csv", s.importJobErrors)
	s.page("GET /households/template.csv", s.templateDownload(registry.FormatCSV))
	s.page("GET /households/template.xlsx", s.templateDownload(registry.FormatXLSX))
	s.page("GET /households/export", s.exportDownload)
}

// importJobs holds the page imports of this process. A job is watched on the
// server that runs it; it is forgotten an hour after it ends.
var importJobs = &jobTable{jobs: map[string]*importJob{}, run: make(chan struct{}, 1)}

// jobKeep is how long a finished job's report stays.
const jobKeep = time.Hour

type jobTable struct {
	mu   sync.Mutex
	jobs map[string]*importJob
	// run lets one import write at a time: SQLite has one writer, and two
	// large imports would only wait on each other.
	run chan struct{}
}

// importJob is one import running in the background for a page.
type importJob struct {
	ID     string
	UserID int64
	File   string
	Size   int64
	Good   bool

	stage    atomic.Value // the import's stage, a string
	read     atomic.Int64 // bytes of the file read
	rows     atomic.Int64 // rows read
	written  atomic.Int64 // households written
	total    atomic.Int64 // households to write
	mu       sync.Mutex
	done     bool
	ended    time.Time
	report   registry.ImportReport
	rowsBad  []registry.RowError
	errorMsg string
}

// jobView is what the job page shows.
type jobView struct {
	ID            string
	Done          bool
	Percent       int
	Phase         string
	Rows, Written int64
	Total         int64
	Report        registry.ImportReport
	Bad           []registry.RowError
	More          int
	Error         string
	GoodRowsOnly  bool
}

// maxShownRows is how many bad rows the job page lists; the CSV has them all.
const maxShownRows = 500

func (j *importJob) view() jobView {
	j.mu.Lock()
	defer j.mu.Unlock()
	v := jobView{ID: j.ID, Done: j.done, Rows: j.rows.Load(), Written: j.written.Load(), Total: j.total.Load(),
		Report: j.report, Error: j.errorMsg, GoodRowsOnly: j.Good}
	// Reading takes about two fifths of an import, checking one tenth and
	// writing the rest.
	stage, _ := j.stage.Load().(string)
	switch {
	case j.done:
		v.Percent, v.Phase = 100, "transfer.phase.done"
	case stage == registry.StageWrite:
		v.Percent, v.Phase = 50+int(50*v.Written/max(1, v.Total)), "transfer.phase.writing"
	case stage == registry.StageCheck:
		v.Percent, v.Phase = 45, "transfer.phase.checking"
	case stage == registry.StageRead:
		v.Percent, v.Phase = int(40*j.read.Load()/max(1, j.Size)), "transfer.phase.reading"
	default:
		v.Percent, v.Phase = 0, "transfer.phase.queued"
	}
	v.Bad = j.rowsBad
	if len(v.Bad) > maxShownRows {
		v.More, v.Bad = len(v.Bad)-maxShownRows, v.Bad[:maxShownRows]
	}
	return v
}

// start runs an import of the spooled file in the background as the actor.
func (t *jobTable) start(s *Server, a *tide.Actor, file string, size int64, format string, good bool) (*importJob, error) {
	b := make([]byte, 16)
	rand.Read(b)
	j := &importJob{ID: hex.EncodeToString(b), UserID: a.UserID, File: file, Size: size, Good: good}
	t.mu.Lock()
	for id, old := range t.jobs {
		old.mu.Lock()
		expired := old.done && time.Since(old.ended) > jobKeep
		busy := !old.done && old.UserID == a.UserID
		old.mu.Unlock()
		if expired {
			delete(t.jobs, id)
		} else if busy {
			t.mu.Unlock()
			return nil, tide.Errorf(tide.ETOOMANY, "an import of yours is still running; wait for it to end")
		}
	}
	t.jobs[j.ID] = j
	t.mu.Unlock()
	go t.run1(s, a, j, format)
	return j, nil
}

func (t *jobTable) run1(s *Server, a *tide.Actor, j *importJob, format string) {
	defer os.Remove(j.File)
	t.run <- struct{}{}
	defer func() { <-t.run }()
	ctx, cancel := context.WithTimeout(tide.WithActor(context.Background(), a), time.Hour)
	defer cancel()
	var rep registry.ImportReport
	var err error
	f, err := os.Open(j.File)
	if err == nil {
		rep, err = s.Registry.Import(ctx, &countingReader{r: f, n: &j.read}, format, registry.ImportOptions{
			GoodRowsOnly: j.Good, Source: "page upload",
			Stage: func(st string) { j.stage.Store(st) },
			Progress: func(done, total int) {
				if total == 0 {
					j.rows.Store(int64(done))
					return
				}
				j.total.Store(int64(total))
				j.written.Store(int64(done))
			}})
		f.Close()
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.done, j.ended, j.report = true, time.Now(), rep
	j.rowsBad = rep.Rows
	var ie *registry.ImportError
	switch {
	case errors.As(err, &ie):
		j.rowsBad, j.errorMsg = ie.Rows, tide.ErrorMessage(err)
	case err != nil && tide.ErrorCode(err) != tide.EINTERNAL:
		j.errorMsg = tide.ErrorMessage(err)
	case err != nil:
		s.Logger.Error("import job failed", "job", j.ID, "error", err)
		j.errorMsg = "internal error"
	}
}

func (t *jobTable) find(id string, a *tide.Actor) *importJob {
	t.mu.Lock()
	defer t.mu.Unlock()
	j := t.jobs[id]
	if j == nil || a == nil || j.UserID != a.UserID {
		return nil
	}
	return j
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// uploadAuth resolves the session like pageAuth, but leaves the CSRF check
// to the handler.
func (s *Server) uploadAuth(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			if a, err := s.Users.AuthenticateActor(r.Context(), c.Value); err == nil {
				r = r.WithContext(tide.WithActor(r.Context(), a))
			}
		}
		if a := tide.ActorFrom(r.Context()); a != nil && a.MustChangePassword {
			http.Redirect(w, r, "/account", http.StatusSeeOther)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// transferData is what the import page shows: the form, or a job.
type transferData struct {
	Form *importData
	Job  *jobView
}

// importData is the import and export form.
type importData struct {
	MayImport bool
	Region    string
	Formats   []string
	MaxMB     int
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request) {
	s.showImport(w, r, http.StatusOK, "")
}

func (s *Server) showImport(w http.ResponseWriter, r *http.Request, status int, errKey string) {
	a := s.signedIn(w, r)
	if a == nil {
		return
	}
	if !a.HasAny(tide.RoleAdmin, tide.RoleAnalyst, tide.RoleCounty, tide.RoleRegistrar) {
		s.pageError(w, r, tide.Errorf(tide.EFORBIDDEN, "forbidden"))
		return
	}
	d := importData{MayImport: a.HasAny(tide.RoleAdmin, tide.RoleCounty, tide.RoleRegistrar), Region: a.Scope,
		Formats: []string{registry.FormatCSV, registry.FormatXLSX}, MaxMB: MaxImportBody >> 20}
	v := s.newView(r, "transfer.title", transferData{Form: &d})
	if errKey != "" {
		v.Error = v.T(errKey)
	}
	s.render(w, r, status, "import", v)
}

// importSubmit reads the upload as a stream: the CSRF token first, then the
// options, then the file, which is spooled to a temporary file so the import
// can run as a job the page then follows.
func (s *Server) importSubmit(w http.ResponseWriter, r *http.Request) {
	a := s.signedIn(w, r)
	if a == nil {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxImportBody+MaxFormBody)
	mr, err := r.MultipartReader()
	if err != nil {
		s.showImport(w, r, http.StatusBadRequest, "transfer.upload.bad")
		return
	}
	part, err := mr.NextPart()
	if err != nil || part.FormName() != "csrf" || !s.uploadCSRF(r, part) {
		s.renderError(w, r, http.StatusForbidden, "error.csrf")
		return
	}
	if !a.HasAny(tide.RoleAdmin, tide.RoleCounty, tide.RoleRegistrar) {
		s.pageError(w, r, tide.Errorf(tide.EFORBIDDEN, "forbidden"))
		return
	}
	good := false
	for {
		part, err = mr.NextPart()
		if err != nil {
			s.showImport(w, r, http.StatusBadRequest, "transfer.upload.nofile")
			return
		}
		if part.FormName() == "good_rows_only" {
			v, _ := io.ReadAll(io.LimitReader(part, 16))
			good = string(v) == "1" || string(v) == "on" || string(v) == "true"
			continue
		}
		if part.FormName() == "file" {
			break
		}
	}
	format := registry.FormatCSV
	if strings.EqualFold(filepath.Ext(part.FileName()), ".xlsx") {
		format = registry.FormatXLSX
	}
	file, size, err := spool(part)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		s.showImport(w, r, http.StatusRequestEntityTooLarge, "transfer.upload.toolarge")
		return
	case err != nil:
		s.pageError(w, r, err)
		return
	case size == 0:
		os.Remove(file)
		s.showImport(w, r, http.StatusBadRequest, "transfer.upload.nofile")
		return
	}
	j, err := importJobs.start(s, a, file, size, format, good)
	if err != nil {
		os.Remove(file)
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/import/"+j.ID, http.StatusSeeOther)
}

// uploadCSRF checks the token in the stream's first part against the cookie.
func (s *Server) uploadCSRF(r *http.Request, part *multipart.Part) bool {
	got, _ := io.ReadAll(io.LimitReader(part, 256))
	want := csrfToken(r)
	return want != "" && subtle.ConstantTimeCompare(bytes.TrimSpace(got), []byte(want)) == 1
}

// spool copies an upload to a temporary file and returns its path and size.
func spool(part io.Reader) (string, int64, error) {
	f, err := os.CreateTemp("", "tide-import-*")
	if err != nil {
		return "", 0, err
	}
	n, err := io.Copy(f, part)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", 0, err
	}
	return f.Name(), n, nil
}

func (s *Server) importJobPage(w http.ResponseWriter, r *http.Request) {
	a := s.signedIn(w, r)
	if a == nil {
		return
	}
	j := importJobs.find(r.PathValue("id"), a)
	if j == nil {
		s.pageError(w, r, tide.NotFound("import"))
		return
	}
	d := j.view()
	if !d.Done {
		// The page follows the job without script: the browser reloads it.
		w.Header().Set("Refresh", "2")
	}
	s.render(w, r, http.StatusOK, "import", s.newView(r, "transfer.job.title", transferData{Job: &d}))
}

// importJobErrors downloads every bad row of a job as CSV.
func (s *Server) importJobErrors(w http.ResponseWriter, r *http.Request) {
	a := s.signedIn(w, r)
	if a == nil {
		return
	}
	j := importJobs.find(r.PathValue("id"), a)
	if j == nil {
		s.pageError(w, r, tide.NotFound("import"))
		return
	}
	d := j.view()
	d.Bad = j.rowsBad
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	cw := csv.NewWriter(&buf)
	cw.Write([]string{"line", "column", "message"})
	for _, row := range d.Bad {
		cw.Write([]string{fmt.Sprint(row.Line), row.Column, row.Message})
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="import-`+j.ID[:8]+`-errors.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

func (s *Server) templateDownload(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.signedIn(w, r) == nil {
			return
		}
		var buf bytes.Buffer
		if err := s.Registry.Template(r.Context(), &buf, format); err != nil {
			s.pageError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", registry.ContentType(format))
		w.Header().Set("Content-Disposition", `attachment; filename="households-template.`+format+`"`)
		w.Header().Set("Cache-Control", "no-store")
		w.Write(buf.Bytes())
	}
}

func (s *Server) exportDownload(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	format := strings.ToLower(r.URL.Query().Get("format"))
	if format == "" {
		format = registry.FormatCSV
	}
	s.serveExport(w, r, format, strings.TrimSpace(r.URL.Query().Get("region")), s.pageError)
}
