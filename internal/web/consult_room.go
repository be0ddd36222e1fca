package web

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"github.com/tide-project/tide/internal/rtc"
	"github.com/tide-project/tide/internal/tide"
)

// ConsultPass is what entering a consultation's video room gives: the
// consultation, which party the person is (rtc.Clinic or rtc.Specialist),
// the window the room is open in, and the address of another meeting
// service when the consultation is held there instead.
type ConsultPass struct {
	Consultation, Party string
	Opens, Closes       time.Time
	ExternalURL         string
}

// ConsultRooms lets a person into a consultation's video room by the
// unguessable token of the room link. EnterRoom returns ENOTFOUND for an
// unknown token, EFORBIDDEN for a person who is no party to the
// consultation, and ECONFLICT (or EINVALID) naming the window when it is not
// open; outside the window it may return the pass along with the error, so
// the page can show the window in the reader's language.
type ConsultRooms interface {
	EnterRoom(ctx context.Context, token string) (*ConsultPass, error)
}

// timeLayout shows a window's ends; the server cannot know the reader's
// time zone, so it says UTC.
const timeLayout = "2006-01-02 15:04 MST"

func (s *Server) routeConsultPages() {
	s.rooms = rtc.NewHub()
	s.page("GET /consult/{token}", s.consultRoomPage)
	s.page("GET /consult/{token}/ws", s.consultRoomSocket)
}

// CloseRooms ends every video room's connections; call it when the server
// shuts down, as the hijacked connections outlive http.Server.Shutdown.
func (s *Server) CloseRooms() {
	if s.rooms != nil {
		s.rooms.Close()
	}
}

// enterRoom asks the consultation service for the pass, then checks its
// window here too, so a pass is never used outside it.
func (s *Server) enterRoom(r *http.Request) (*ConsultPass, error) {
	if s.Consult == nil {
		return nil, tide.NotFound("consultation room")
	}
	p, err := s.Consult.EnterRoom(r.Context(), r.PathValue("token"))
	if err != nil {
		return p, err
	}
	if now := time.Now(); now.Before(p.Opens) || !now.Before(p.Closes) {
		return p, tide.Errorf(tide.ECONFLICT, "the room is open only from %s to %s",
			p.Opens.UTC().Format(timeLayout), p.Closes.UTC().Format(timeLayout))
	}
	return p, nil
}

type consultRoomData struct {
	Pass  *ConsultPass
	Token string
	// Opens and Closes are the window's ends as the page shows them.
	Opens, Closes string
	// ICE is the browser's list of STUN and TURN servers, as JSON.
	ICE string
	// OtherKey names the other party in the catalogue.
	OtherKey string
	// Refused says why the room cannot be entered now.
	Refused string
}

// otherPartyKey names, for each party, the party on the other side.
var otherPartyKey = map[string]string{rtc.Clinic: "video.party.specialist", rtc.Specialist: "video.party.clinic"}

func (s *Server) consultRoomPage(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	p, err := s.enterRoom(r)
	switch tide.ErrorCode(err) {
	case "":
	case tide.EFORBIDDEN:
		s.renderError(w, r, http.StatusForbidden, "video.forbidden")
		return
	case tide.ECONFLICT, tide.EINVALID:
		v := s.newView(r, "video.title", nil)
		d := consultRoomData{Refused: tide.ErrorMessage(err)}
		if p != nil {
			d.Refused = v.T("video.outside", p.Opens.UTC().Format(timeLayout), p.Closes.UTC().Format(timeLayout))
		}
		v.Data = d
		s.render(w, r, ErrorStatus(err), "consult_room", v)
		return
	default:
		s.pageError(w, r, err)
		return
	}
	ice := s.ICEServers
	if ice == nil {
		ice = []rtc.ICEServer{}
	}
	b, err := json.Marshal(ice)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := consultRoomData{Pass: p, Token: r.PathValue("token"), ICE: string(b), OtherKey: otherPartyKey[p.Party],
		Opens: p.Opens.UTC().Format(timeLayout), Closes: p.Closes.UTC().Format(timeLayout)}
	s.render(w, r, http.StatusOK, "consult_room", s.newView(r, "video.title", d))
}

// consultRoomSocket is the room's signalling connection. The pass is checked
// again as the socket opens, and the hub closes the socket when the window
// does. The browser sends the page's origin, which must be this site's.
func (s *Server) consultRoomSocket(w http.ResponseWriter, r *http.Request) {
	if s.requireActor(w, r) == nil {
		return
	}
	p, err := s.enterRoom(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if p.ExternalURL != "" {
		s.Error(w, r, tide.Errorf(tide.ECONFLICT, "this consultation is held at its external meeting address"))
		return
	}
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return // Accept has answered the request
	}
	if err := s.rooms.Serve(r.Context(), conn, p.Consultation, p.Party, p.Closes); err != nil {
		s.Logger.Error("consultation room", "consultation", p.Consultation, "error", err)
	}
}
