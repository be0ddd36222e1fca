package web

import (
	"net/http"

	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/tide"
)

// Share links, and liking and sharing a need from its page with plain forms.
func (s *Server) routeSharePages() {
	s.page("GET /s/{code}", s.shareVisit)
	s.page("POST /needs/{id}/like", s.needLikeSubmit)
	s.page("POST /needs/{id}/share", s.needShareSubmit)
}

// needLikeSubmit likes a need, or with undo=1 takes the like back, and
// returns to the need's page.
func (s *Server) needLikeSubmit(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	if s.Engage == nil {
		s.pageError(w, r, tide.NotFound("page"))
		return
	}
	id := r.PathValue("id")
	if _, err := s.likeItem(r, ItemInput{Kind: engage.ItemNeed, ID: id}, r.PostFormValue("undo") != "1"); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/needs/"+id, http.StatusSeeOther)
}

// needShareSubmit makes a share of a need and returns to its page, which
// shows the link.
func (s *Server) needShareSubmit(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	if s.Engage == nil {
		s.pageError(w, r, tide.NotFound("page"))
		return
	}
	sh, err := s.Engage.CreateShare(r.Context(), engage.ItemNeed, r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/needs/"+sh.ItemID+"?share="+sh.Code, http.StatusSeeOther)
}

// shareCode returns a share code fit to show as a link, or "".
func shareCode(v string) string {
	if v == "" || len(v) > engage.MaxShareCode {
		return ""
	}
	for _, c := range v {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return ""
		}
	}
	return v
}
