package web

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/tide-project/tide/internal/tide"
)

// statusOf maps Tide's error codes to HTTP statuses, in this one place.
var statusOf = map[string]int{
	tide.ECONFLICT:     http.StatusConflict,
	tide.EINVALID:      http.StatusBadRequest,
	tide.ENOTFOUND:     http.StatusNotFound,
	tide.EFORBIDDEN:    http.StatusForbidden,
	tide.EUNAUTHORIZED: http.StatusUnauthorized,
	tide.ETOOMANY:      http.StatusTooManyRequests,
	tide.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	tide.EINTERNAL:     http.StatusInternalServerError,
}

// ErrorStatus returns the HTTP status for err.
func ErrorStatus(err error) int {
	if s, ok := statusOf[tide.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
		Rows    any    `json:"rows,omitempty"`
	} `json:"error"`
}

// Error writes err as the API's JSON error. Only internal errors are logged;
// their details never reach the caller.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	code := tide.ErrorCode(err)
	if code == tide.EINTERNAL {
		s.Logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	}
	var body errorBody
	body.Error.Code, body.Error.Message, body.Error.Field = code, tide.ErrorMessage(err), tide.ErrorField(err)
	if rows := importRows(err); rows != nil {
		body.Error.Code, body.Error.Message, body.Error.Rows = tide.EINVALID, err.Error(), rows
	}
	status := ErrorStatus(err)
	if body.Error.Rows != nil {
		status = http.StatusBadRequest
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		slog.Debug("write response", "error", err)
	}
}
