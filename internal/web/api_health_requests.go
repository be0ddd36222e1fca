package web

import (
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/tide-project/tide/internal/health"
	"github.com/tide-project/tide/internal/tide"
)

// MaxRequestBody bounds a consultation request with its attachments.
const MaxRequestBody = health.MaxAttachments*health.MaxAttachmentBytes + MaxJSONBody

func (s *Server) apiConsultRequests(w http.ResponseWriter, r *http.Request) {
	offset, limit, err := paging(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	f := health.RequestFilter{Prefix: q.Get("region"), Offset: offset, Limit: limit}
	if c := q.Get("clinic"); c != "" {
		f.ClinicIDs = []string{c}
	}
	if st := q.Get("state"); st != "" {
		f.States = []health.RequestState{health.RequestState(st)}
	}
	list, total, err := s.Health.Requests(r.Context(), f)
	answer(s, w, r, http.StatusOK, page[*health.Request]{Items: nonNil(list), Total: total, Offset: offset, Limit: limit}, err)
}

// ConsultRequestInput is the body of POST /api/v1/health/requests, or its
// "request" part when attachments come with it as multipart/form-data.
type ConsultRequestInput struct {
	Clinic    string          `json:"clinic"`
	Patient   health.Patient  `json:"patient"`
	Complaint string          `json:"complaint"`
	Specialty string          `json:"specialty"`
	Urgency   health.Urgency  `json:"urgency"`
	Language  string          `json:"language"`
	Windows   []health.Window `json:"windows"`
	Consent   bool            `json:"consent"`
}

func (in *ConsultRequestInput) request() *health.Request {
	return &health.Request{ClinicID: in.Clinic, Patient: in.Patient, Complaint: in.Complaint, Specialty: in.Specialty,
		Urgency: in.Urgency, Language: in.Language, Windows: in.Windows, Consent: in.Consent}
}

// apiCreateConsultRequest takes a request as JSON, or as multipart/form-data
// with the JSON in the "request" part and files in "attachments" parts.
func (s *Server) apiCreateConsultRequest(w http.ResponseWriter, r *http.Request) {
	var in ConsultRequestInput
	var uploads []health.Upload
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		r.Body = http.MaxBytesReader(w, r.Body, MaxRequestBody)
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			s.Error(w, r, formError(err))
			return
		}
		defer r.MultipartForm.RemoveAll()
		dec := json.NewDecoder(strings.NewReader(r.FormValue("request")))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			s.Error(w, r, decodeError(err))
			return
		}
		var err error
		if uploads, err = readUploads(r.MultipartForm.File["attachments"]); err != nil {
			s.Error(w, r, formError(err))
			return
		}
	} else if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	req := in.request()
	err := s.Health.CreateRequest(r.Context(), req, uploads)
	answer(s, w, r, http.StatusCreated, req, err)
}

// readUploads reads uploaded files whole; the service checks them.
func readUploads(files []*multipart.FileHeader) ([]health.Upload, error) {
	var out []health.Upload
	for _, fh := range files {
		u, err := readUpload(fh)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

func readUpload(fh *multipart.FileHeader) (health.Upload, error) {
	f, err := fh.Open()
	if err != nil {
		return health.Upload{}, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, health.MaxAttachmentBytes+1))
	return health.Upload{Name: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Data: data}, err
}

// consultView is a request with its appointment and record, as far as they go.
type consultView struct {
	Request      *health.Request      `json:"request"`
	Consultation *health.Consultation `json:"consultation,omitempty"`
	Record       *health.Record       `json:"record,omitempty"`
}

func (s *Server) apiConsultRequest(w http.ResponseWriter, r *http.Request) {
	v, err := s.consultView(r, r.PathValue("id"))
	answer(s, w, r, http.StatusOK, v, err)
}

func (s *Server) consultView(r *http.Request, id string) (*consultView, error) {
	ctx := r.Context()
	req, err := s.Health.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &consultView{Request: req}
	if v.Consultation, err = s.Health.Consultation(ctx, id); err != nil && tide.ErrorCode(err) != tide.ENOTFOUND {
		return nil, err
	}
	if v.Record, err = s.Health.Record(ctx, id); err != nil && tide.ErrorCode(err) != tide.ENOTFOUND {
		return nil, err
	}
	return v, nil
}

// apiAddAttachment takes one file as multipart/form-data ("file" part), or
// as the raw body named by ?name=.
func (s *Server) apiAddAttachment(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, health.MaxAttachmentBytes+MaxJSONBody)
	var u health.Upload
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			s.Error(w, r, formError(err))
			return
		}
		defer r.MultipartForm.RemoveAll()
		files := r.MultipartForm.File["file"]
		if len(files) != 1 {
			s.Error(w, r, tide.Invalid("file", "send exactly one file in the part named file"))
			return
		}
		var err error
		if u, err = readUpload(files[0]); err != nil {
			s.Error(w, r, formError(err))
			return
		}
	} else {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			s.Error(w, r, bodyError(err))
			return
		}
		u = health.Upload{Name: r.URL.Query().Get("name"), ContentType: r.Header.Get("Content-Type"), Data: data}
	}
	att, err := s.Health.AddAttachment(r.Context(), r.PathValue("id"), u)
	answer(s, w, r, http.StatusCreated, att, err)
}

func (s *Server) apiAttachment(w http.ResponseWriter, r *http.Request) {
	f, att, err := s.Health.OpenAttachment(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", att.ContentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(att.Name, `"`, "")+`"`)
	w.Header().Set("Cache-Control", "private, no-store")
	io.Copy(w, f)
}

// formError reports a multipart body that could not be read: too large, or
// malformed.
func formError(err error) error {
	if e := decodeError(err); tide.ErrorCode(e) == tide.ETOOLARGE {
		return e
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return decodeError(err)
	}
	return tide.Invalid("", "the multipart body cannot be read: %v", err)
}
