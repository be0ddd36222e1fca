package web

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/tide"
)

// routeNeedProof registers the delivery of a need with its proof, by API
// and by form, and the proof's photo, which is public.
func (s *Server) routeNeedProof() {
	s.api("POST /api/v1/needs/{id}/deliver", s.needEngage(s.apiDeliverNeed))
	s.api("GET /api/v1/needs/{id}/photo", s.needEngage(s.apiNeedPhoto))
	s.mux.Handle("POST /needs/{id}/deliver", s.uploadAuth(s.needEngage(s.deliverSubmit)))
}

// maxNoteBytes bounds the note part of a delivery's form: MaxNote
// characters of up to four bytes each.
const maxNoteBytes = 4 * engage.MaxNote

// deliveryBody limits a delivery's body to a photo and its note, with room
// for the multipart framing, so that a photo one byte too large is refused
// by the service, naming the limit.
func deliveryBody(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, market.MaxPhotoBytes+maxNoteBytes+64<<10)
}

// readProof reads a delivery's note and photo from a multipart body; the
// note comes first, so the photo can be streamed to the service.
func readProof(mr *multipart.Reader) (engage.Proof, error) {
	var p engage.Proof
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return p, tide.Invalid("photo", "a photo of the delivery is required")
		} else if err != nil {
			if e := bodyError(err); tide.ErrorCode(e) == tide.ETOOLARGE {
				return p, e
			}
			return p, tide.Invalid("photo", "malformed multipart body: %v", err)
		}
		switch part.FormName() {
		case "note":
			b, err := io.ReadAll(io.LimitReader(part, maxNoteBytes+1))
			if err != nil {
				return p, tide.Invalid("note", "the note could not be read: %v", err)
			}
			if len(b) > maxNoteBytes {
				return p, tide.Invalid("note", "note must have 1 to %d characters", engage.MaxNote)
			}
			p.Note = string(b)
		case "photo":
			p.Photo = part
			return p, nil
		}
	}
}

// apiDeliverNeed takes a multipart body: a part named note, then a part
// named photo.
func (s *Server) apiDeliverNeed(w http.ResponseWriter, r *http.Request) {
	deliveryBody(w, r)
	mr, err := r.MultipartReader()
	if err != nil {
		s.Error(w, r, tide.Invalid("photo", "send the note and the photo as multipart/form-data, in parts named note and photo"))
		return
	}
	p, err := readProof(mr)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	n, err := s.Engage.DeliverNeed(r.Context(), r.PathValue("id"), p)
	if err != nil {
		s.Error(w, r, bodyError(err))
		return
	}
	writeJSON(w, http.StatusOK, n)
}

func (s *Server) apiNeedPhoto(w http.ResponseWriter, r *http.Request) {
	rc, ct, err := s.Engage.OpenDeliveryPhoto(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", ct)
	// A need is delivered once, so its photo never changes.
	w.Header().Set("Cache-Control", "public, max-age=86400")
	io.Copy(w, rc)
}

// deliverSubmit takes the delivery form: its CSRF token first, then the
// note, then the photo.
func (s *Server) deliverSubmit(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	deliveryBody(w, r)
	mr, err := r.MultipartReader()
	if err != nil {
		s.pageError(w, r, tide.Invalid("photo", "send the note and the photo as a multipart form"))
		return
	}
	part, err := mr.NextPart()
	if err != nil || part.FormName() != "csrf" || !s.uploadCSRF(r, part) {
		s.renderError(w, r, http.StatusForbidden, "error.csrf")
		return
	}
	p, err := readProof(mr)
	if err == nil {
		_, err = s.Engage.DeliverNeed(r.Context(), r.PathValue("id"), p)
	}
	if err == nil {
		http.Redirect(w, r, "/needs/manage", http.StatusSeeOther)
		return
	}
	switch err = bodyError(err); tide.ErrorCode(err) {
	case tide.EINVALID, tide.ETOOLARGE:
		s.showManageNeeds(w, r, http.StatusBadRequest, manageNeedsData{}, err)
	default:
		s.pageError(w, r, err)
	}
}
