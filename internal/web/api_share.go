package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/tide"
)

// refCookie names the share a visitor came through, so a purchase within
// refDays can be credited to the person who shared.
const (
	refCookie = "tide_ref"
	refDays   = 30
)

// LikesPerMinute bounds each person's likes and unlikes of products and
// needs; AddressLikesPerMinute bounds those of everyone behind one address,
// so a flood from many accounts on one machine is refused too.
const (
	LikesPerMinute        = 30
	AddressLikesPerMinute = 60
)

func (s *Server) routeShareAPI() {
	m := func(pattern string, h http.HandlerFunc) { s.api(pattern, s.needEngage(h)) }
	m("POST /api/v1/likes", s.apiLikeItem)
	m("DELETE /api/v1/likes", s.apiUnlikeItem)
	m("POST /api/v1/shares", s.apiCreateShare)
	m("GET /api/v1/shares", s.apiShares)
	s.itemLikeLimit = newRateLimit(LikesPerMinute/60.0, LikesPerMinute)
	s.addrLikeLimit = newRateLimit(AddressLikesPerMinute/60.0, AddressLikesPerMinute)
}

// ItemInput is the body of the like and share routes.
type ItemInput struct {
	Kind engage.Item `json:"kind"`
	ID   string      `json:"id"`
}

// ShareOutput is a share as its maker sees it, with its link.
type ShareOutput struct {
	*engage.Share
	URL string `json:"url"`
}

func shareOutput(sh *engage.Share) ShareOutput { return ShareOutput{Share: sh, URL: "/s/" + sh.Code} }

// likeItem likes or unlikes for the caller, within their rate and their
// address's.
func (s *Server) likeItem(r *http.Request, in ItemInput, on bool) (*engage.Likes, error) {
	ctx := r.Context()
	a := tide.ActorFrom(ctx)
	if a == nil {
		return nil, tide.Errorf(tide.EUNAUTHORIZED, "sign in to like")
	}
	now := time.Now()
	if !s.itemLikeLimit.allow(strconv.FormatInt(a.UserID, 10), now) || !s.addrLikeLimit.allow(s.clientAddr(r), now) {
		return nil, tide.Errorf(tide.ETOOMANY, "too many likes; wait a minute")
	}
	if on {
		return s.Engage.Like(ctx, in.Kind, in.ID)
	}
	return s.Engage.Unlike(ctx, in.Kind, in.ID)
}

func (s *Server) apiLikeItem(w http.ResponseWriter, r *http.Request)   { s.apiLikes(w, r, true) }
func (s *Server) apiUnlikeItem(w http.ResponseWriter, r *http.Request) { s.apiLikes(w, r, false) }

func (s *Server) apiLikes(w http.ResponseWriter, r *http.Request, on bool) {
	var in ItemInput
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	l, err := s.likeItem(r, in, on)
	answer(s, w, r, http.StatusOK, l, err)
}

func (s *Server) apiCreateShare(w http.ResponseWriter, r *http.Request) {
	var in ItemInput
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	sh, err := s.Engage.CreateShare(r.Context(), in.Kind, in.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, shareOutput(sh))
}

// apiShares lists the caller's own shares with their visits and purchases.
func (s *Server) apiShares(w http.ResponseWriter, r *http.Request) {
	list, err := s.Engage.Shares(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := make([]ShareOutput, len(list))
	for i, sh := range list {
		out[i] = shareOutput(sh)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

// shareVisit counts a visit to a share's link, remembers the share in the
// visitor's tide_ref cookie and sends them to what was shared. The sharer
// following their own link is neither counted nor remembered.
func (s *Server) shareVisit(w http.ResponseWriter, r *http.Request) {
	if s.Engage == nil {
		s.pageError(w, r, tide.NotFound("page"))
		return
	}
	sh, err := s.Engage.VisitShare(r.Context(), r.PathValue("code"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if a := tide.ActorFrom(r.Context()); a == nil || a.UserID != sh.UserID {
		http.SetCookie(w, &http.Cookie{Name: refCookie, Value: sh.Code, Path: "/", MaxAge: refDays * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r)})
	}
	http.Redirect(w, r, shareTarget(sh), http.StatusSeeOther)
}

// shareTarget is the page of what a share points at: a product's live room
// when it is on one, else the market.
func shareTarget(sh *engage.Share) string {
	switch {
	case sh.Kind == engage.ItemRoom:
		return "/rooms/" + sh.ItemID
	case sh.Kind == engage.ItemNeed:
		return "/needs/" + sh.ItemID
	case sh.Room != "":
		return "/rooms/" + sh.Room
	}
	return "/market"
}

// attributeOrder credits the share in the request's tide_ref cookie with an
// order just placed. Attribution never fails the order: a failure is logged.
func (s *Server) attributeOrder(r *http.Request, orderID string) {
	c, err := r.Cookie(refCookie)
	if err != nil || c.Value == "" || s.Engage == nil {
		return
	}
	if err := s.Engage.AttributeOrder(r.Context(), orderID, c.Value); err != nil && tide.ErrorCode(err) != tide.ENOTFOUND {
		s.Logger.Error("attribute order to share", "order_id", orderID, "share", c.Value, "err", err)
	}
}
